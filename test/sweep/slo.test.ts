import {describe, expect, it} from 'vitest';
import {makeRow, type SweepRow} from '../../src/sweep/rows.js';
import {describeBest, markObjective, meetsSlo} from '../../src/sweep/slo.js';
import {loadText} from '../../src/sweep/format.js';
import {measurement} from './helpers.js';

const baseline = measurement({cost_ratio: null, expected_speedup: null});
const row = (k: number, qps: number, tokS: number, ttftP99: number, tpotP50: number | null): SweepRow =>
	makeRow(
		{k, qps, concurrency: null, method: 'eagle3'},
		measurement({output_tokens_per_s: tokS, ttft_s: {p50: ttftP99 / 2, p99: ttftP99}, tpot_s: {p50: tpotP50, p99: tpotP50}}),
		baseline,
	);

describe('--objective and SLOs', () => {
	it('a row meets an SLO when its percentile is at or below it; a missing percentile fails', () => {
		const r = row(1, 4, 1000, 0.5, 0.02);
		expect(meetsSlo(r, {})).toBeNull();
		expect(meetsSlo(r, {ttftP99S: 0.5, tpotP50S: 0.02})).toBe(true);
		expect(meetsSlo(r, {ttftP99S: 0.49})).toBe(false);
		expect(meetsSlo(row(1, 4, 1000, 0.5, null), {tpotP50S: 1})).toBe(false);
	});

	it('the best k per load maximises throughput (or minimises TPOT) among the rows meeting every SLO', () => {
		// At qps 4, k=3 has the most tok/s but misses the TTFT SLO: k=2 is best. At qps 64 none meets it.
		const rows = [
			row(1, 4, 900, 0.3, 0.012),
			row(2, 4, 1000, 0.4, 0.01),
			row(3, 4, 1100, 0.9, 0.011),
			row(1, 64, 5000, 2, 0.03),
			row(2, 64, 5200, 3, 0.04),
		];
		markObjective(rows, 'throughput', {ttftP99S: 0.5});
		expect(rows.map(r => [r.meets_slo, r.best])).toEqual([
			[true, false],
			[true, true],
			[false, false],
			[false, false],
			[false, false],
		]);
		expect(describeBest(rows, 'throughput', {ttftP99S: 0.5}, loadText)).toEqual([
			'best k by throughput under TTFT p99 <= 500 ms at qps 4, eagle3: k=2',
			'best k by throughput under TTFT p99 <= 500 ms at qps 64, eagle3: none meets the SLOs',
		]);
		markObjective(rows, 'tpot', {});
		expect(rows.filter(r => r.best).map(r => [r.qps, r.k])).toEqual([
			[4, 2],
			[64, 1],
		]);
		markObjective(rows, 'throughput', {tpotP50S: 0.0115});
		expect(rows.filter(r => r.best).map(r => [r.qps, r.k])).toEqual([[4, 3]]);
	});
});

describe('sweep --objective / --slo-* on the command line', () => {
	it('marks the best k under the SLOs in JSON and names it under the table; bad values name the flag', async () => {
		const {cli} = await import('../cli/run-cli.js');
		const args = ['sweep', '--k', '1,3', '--concurrency', '4', '--output-len', '64', '--duration', '5s', '--workers', '1'];
		const json = JSON.parse((await cli(...args, '--json', '--objective', 'tpot', '--slo-ttft-p99', '10s')).stdout) as {
			objective: string;
			slo: {ttft_p99_s: number | null};
			rows: SweepRow[];
		};
		expect(json.objective).toBe('tpot');
		expect(json.slo.ttft_p99_s).toBe(10);
		expect(json.rows.every(r => r.meets_slo === true)).toBe(true);
		const best = json.rows.filter(r => r.best);
		expect(best).toHaveLength(1);
		expect(best[0]!.tpot_p50_s).toBe(Math.min(...json.rows.map(r => r.tpot_p50_s!)));
		const table = await cli(...args, '--slo-tpot-p50', '1ms');
		expect(table.stdout).toContain('best k by throughput under TPOT p50 <= 1.0 ms at concurrency 4, eagle3: none meets the SLOs');
		const bad = await cli(...args, '--slo-ttft-p99', 'soon');
		expect(bad).toMatchObject({code: 2, stderr: 'specsim: --slo-ttft-p99: invalid duration "soon" (expected e.g. 90s, 10m, 1h, 1h30m)\n'});
	});
});
