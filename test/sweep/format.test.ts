import {describe, expect, it} from 'vitest';
import {formatSweepCsv, formatSweepTable} from '../../src/sweep/format.js';
import {makeRow, markBest} from '../../src/sweep/rows.js';
import {measurement} from './helpers.js';

const baseline = measurement({output_tokens_per_s: 800, tpot_s: {p50: 0.008, p99: 0.009}, cost_ratio: null, expected_speedup: null});
const rows = markBest([
	makeRow(
		{k: 1, qps: 4, concurrency: null, method: 'eagle3'},
		measurement({per_position_acceptance_rate: [0.7], expected_per_position_acceptance_rate: [0.7], tpot_s: {p50: 0.005, p99: 0.006}}),
		baseline,
	),
	makeRow({k: 2, qps: 4, concurrency: null, method: 'eagle3'}, measurement(), baseline),
	makeRow(
		{k: 1, qps: null, concurrency: 1, method: 'my,method'},
		measurement({ttft_s: {p50: null, p99: null}, per_position_acceptance_rate: [0.7], expected_per_position_acceptance_rate: [0.7]}),
		baseline,
	),
]);

describe('formatSweepCsv', () => {
	const lines = formatSweepCsv(rows).trimEnd().split('\n');
	const header = lines[0]!.split(',');

	it('has a header of the row fields and per-position columns up to the largest k', () => {
		expect(header.slice(0, 5)).toEqual(['k', 'qps', 'concurrency', 'method', 'cost_ratio']);
		expect(header).toEqual(
			expect.arrayContaining([
				'expected_speedup',
				'throughput_speedup',
				'latency_speedup',
				'tpot_p50_s',
				'itl_p99_s',
				'best_throughput',
				'best_latency',
			]),
		);
		expect(header.slice(-4)).toEqual(['per_position_1', 'per_position_2', 'expected_per_position_1', 'expected_per_position_2']);
		expect(lines).toHaveLength(4);
	});

	it('writes one row per configuration with full precision, empty cells for null and missing positions, quoted commas', () => {
		const cell = (line: number, name: string): string => {
			const fields = lines[line]!.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map(f => f.replace(/,$/, ''));
			return fields[header.indexOf(name)]!;
		};
		expect(cell(2, 'k')).toBe('2');
		expect(cell(2, 'latency_speedup')).toBe('2');
		expect(cell(2, 'expected_speedup')).toBe(String(2 / 1.1));
		expect(cell(2, 'per_position_2')).toBe('0.4');
		expect(cell(1, 'per_position_2')).toBe('');
		expect(cell(1, 'best_latency')).toBe('false');
		expect(cell(2, 'best_latency')).toBe('true');
		expect(cell(3, 'qps')).toBe('');
		expect(cell(3, 'method')).toBe('"my,method"');
		expect(cell(3, 'ttft_p50_s')).toBe('');
	});
});

describe('formatSweepTable', () => {
	const text = formatSweepTable(rows, {preset: 'p', seed: 3, durationS: 60});
	const lines = text.split('\n');

	it('prints a title, aligned columns, one line per configuration and the baselines', () => {
		expect(lines[0]).toBe('specsim sweep: preset p, seed 3, 60 virtual s per configuration, 3 configuration(s)');
		const header = lines[2]!;
		expect(header).toMatch(/^k\s+qps\s+conc\s+method\s+c\s+accept%\s+\(exp\)\s+AL\s+\(exp\)\s+tok\/s\s+TTFT p50/);
		const body = lines.slice(3, 6);
		expect(body[0]).toMatch(
			/^1\s+4\s+-\s+eagle3\s+0\.050\s+50\.0\s+50\.0\s+2\.000\s+2\.000\s+1000\.0\s+12\.00\s+20\.00\s+8\.00\s+9\.00\s+5\.00\s+1\.25x\s+1\.60x\s+1\.82x\s+T\s+-\s+0\.700$/,
		);
		expect(body[1]).toMatch(/\s2\.00x\s+1\.82x\s+L\s+-\s+0\.600 0\.400$/);
		expect(body[2]).toMatch(/^1\s+-\s+1\s+my,method\s.*\sn\/a\s+n\/a\s/);
		// Aligned: the tok/s column ends at the same offset on every line.
		const end = header.indexOf('tok/s') + 'tok/s'.length;
		for (const line of body) expect(line.slice(end - 6, end)).toBe('1000.0');
		expect(text).toContain('baseline (no speculation, qps 4, eagle3): 800.0 tok/s, ITL p50 8.00 ms, TPOT p50 8.00 ms');
		expect(text).toContain('baseline (no speculation, concurrency 1, my,method)');
		expect(text).toContain('best: T = highest tok/s, L = lowest TPOT p50');
	});
});
