import {describe, expect, it} from 'vitest';
import {formatSweepCsv, formatSweepTable} from '../../src/sweep/format.js';
import {makeRow, markBest, type SweepRow} from '../../src/sweep/rows.js';
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
	/** The lines of the table under `title`, up to the blank line after it. */
	const table = (title: string): string[] => {
		const from = lines.indexOf(title);
		expect(from).toBeGreaterThan(0);
		return lines.slice(from + 1, lines.indexOf('', from));
	};

	it('prints a title, then acceptance, throughput and latency, and the baselines as aligned tables, one line per configuration', () => {
		expect(lines[0]).toBe('specsim sweep: preset p, seed 3, 60 virtual s per configuration, 3 configuration(s)');
		const acceptance = table('acceptance');
		expect(acceptance[0]).toMatch(/^\s+─ accept% ─ {2}──── AL ────$/);
		expect(acceptance[1]).toMatch(/^k\s+load\s+method\s+c\s+sim\s+\(exp\)\s+sim\s+\(exp\)\s+per-position r_i$/);
		expect(acceptance.slice(2)).toEqual([
			expect.stringMatching(/^1\s+qps 4\s+eagle3\s+0\.050\s+50\.0\s+50\.0\s+2\.000\s+2\.000\s+0\.700$/),
			expect.stringMatching(/^2\s+qps 4\s+eagle3\s.*\s0\.600 0\.400$/),
			expect.stringMatching(/^1\s+conc 1\s+my,method\s/),
		]);
		const performance = table('throughput (output tokens/s) and latency (ms)');
		expect(performance[0]).toMatch(/^\s+─+ TTFT ─+ {2}─+ ITL ─+ {2}─ TPOT ─ {2}─+ speedup ─+$/);
		expect(performance[1]).toMatch(/^k\s+load\s+method\s+tok\/s\s+p50\s+p99\s+p50\s+p99\s+p50\s+tok\/s\s+TPOT\s+\(exp\)\s+best\s+SLO$/);
		expect(performance.slice(2)).toEqual([
			expect.stringMatching(/^1\s+qps 4\s+eagle3\s+1000\.0\s+12\.00\s+20\.00\s+8\.00\s+9\.00\s+5\.00\s+1\.25x\s+1\.60x\s+1\.82x\s+T\s+-$/),
			expect.stringMatching(/\s2\.00x\s+1\.82x\s+L\s+-$/),
			expect.stringMatching(/^1\s+conc 1\s+my,method\s+1000\.0\s+n\/a\s+n\/a\s/),
		]);
		// Aligned: the tok/s column ends at the same offset on every line.
		const end = performance[1]!.indexOf('tok/s') + 'tok/s'.length;
		for (const line of performance.slice(2)) expect(line.slice(end - 6, end)).toBe('1000.0');
		// A group's label spans its columns: TTFT's rules start over p50 and end over p99.
		const ttft = /─+ TTFT ─+/.exec(performance[0]!)!;
		const p50 = performance[1]!.indexOf('  p50') + 2;
		expect(ttft.index).toBeLessThanOrEqual(p50);
		expect(ttft.index + ttft[0].length).toBe(performance[1]!.indexOf('p99') + 3);
		expect(table('baseline: the same load without speculation')).toEqual([
			expect.stringMatching(/^load\s+method\s+tok\/s\s+ITL p50\s+TPOT p50$/),
			expect.stringMatching(/^qps 4\s+eagle3\s+800\.0\s+8\.00\s+8\.00$/),
			expect.stringMatching(/^conc 1\s+my,method\s+800\.0\s+8\.00\s+8\.00$/),
		]);
		expect(text).toContain('best: T = highest tok/s, L = lowest TPOT p50');
	});

	it('fits 100 columns for k 1..8 at 4-digit loads and two methods; more positions wrap within their column', () => {
		const wide: SweepRow[] = [];
		for (const method of ['eagle3', 'ngram'])
			for (let k = 1; k <= 8; k++) {
				const rates = Array.from({length: k}, (_, i) => 0.8 ** (i + 1));
				wide.push(
					makeRow(
						{k, qps: null, concurrency: 1024, method},
						measurement({
							output_tokens_per_s: 14_536,
							ttft_s: {p50: 0.8678, p99: 4.95717},
							inter_token_latency_s: {p50: 0.02056, p99: 0.16121},
							per_position_acceptance_rate: rates,
							expected_per_position_acceptance_rate: rates,
						}),
						baseline,
					),
				);
			}
		const long = markBest([
			...wide,
			makeRow(
				{k: 20, qps: null, concurrency: 1024, method: 'suffix'},
				measurement({per_position_acceptance_rate: Array.from({length: 20}, (_, i) => 1 - i / 20)}),
				baseline,
			),
		]);
		const out = formatSweepTable(long, {preset: 'p', seed: 0, durationS: 5}).split('\n');
		// The title line and the best-k sentences are prose; the tables are what must fit.
		expect(out.filter(line => line.length > 100 && !line.startsWith('specsim sweep:') && !line.startsWith('best k '))).toEqual([]);
		// The k = 20 row's 20 rates: 8, 8 and 4 on three lines, aligned under the column.
		const at = out.findIndex(line => /^20\s+1024\s+suffix\s/.test(line));
		const column = out[at]!.indexOf('1.000');
		expect(out[at]!.slice(column).split(' ')).toHaveLength(8);
		expect(out[at + 1]!.slice(0, column).trim()).toBe('');
		expect(out[at + 1]!.slice(column).split(' ')).toEqual(['0.600', '0.550', '0.500', '0.450', '0.400', '0.350', '0.300', '0.250']);
		expect(out[at + 2]!.slice(column).split(' ')).toEqual(['0.200', '0.150', '0.100', '0.050']);
	});
});
