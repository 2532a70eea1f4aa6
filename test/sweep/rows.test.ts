import {describe, expect, it} from 'vitest';
import {makeRow, markBest, type SweepRow} from '../../src/sweep/rows.js';
import {measurement} from './helpers.js';

const baseline = measurement({
	output_tokens_per_s: 800,
	tpot_s: {p50: 0.008, p99: 0.009},
	num_drafts: 0,
	cost_ratio: null,
	expected_speedup: null,
	per_position_acceptance_rate: [],
});

describe('makeRow', () => {
	it('puts the run beside its baseline: speedups are ratios of tok/s and of TPOT p50', () => {
		const row = makeRow({k: 2, qps: 4, concurrency: null, method: 'eagle3'}, measurement(), baseline);
		expect(row).toMatchObject({
			k: 2,
			qps: 4,
			method: 'eagle3',
			cost_ratio: 0.05,
			output_tokens_per_s: 1000,
			baseline_output_tokens_per_s: 800,
			throughput_speedup: 1.25,
			latency_speedup: 2,
			tpot_p50_s: 0.004,
			baseline_tpot_p50_s: 0.008,
			itl_p50_s: 0.008,
			ttft_p99_s: 0.02,
			expected_speedup: 2 / 1.1,
			per_position_acceptance_rate: [0.6, 0.4],
			best_throughput: false,
			best_latency: false,
		});
	});

	it('gives null speedups when a side has nothing to compare, and refuses a baseline as the run', () => {
		const row = makeRow(
			{k: 1, qps: null, concurrency: 1, method: 'ngram'},
			measurement({tpot_s: {p50: null, p99: null}}),
			measurement({output_tokens_per_s: 0}),
		);
		expect(row.latency_speedup).toBeNull();
		expect(row.throughput_speedup).toBeNull();
		expect(() => makeRow({k: 1, qps: null, concurrency: 1, method: 'x'}, baseline, baseline)).toThrow(RangeError);
	});
});

describe('markBest', () => {
	const row = (k: number, qps: number, tokS: number, tpot: number | null): SweepRow =>
		makeRow({k, qps, concurrency: null, method: 'eagle3'}, measurement({output_tokens_per_s: tokS, tpot_s: {p50: tpot, p99: tpot}}), baseline);

	it('marks the highest tok/s and the lowest TPOT p50 in each (qps, method) group; ties go to the smaller k', () => {
		const rows = markBest([row(1, 4, 900, 0.005), row(2, 4, 950, 0.004), row(3, 4, 950, 0.0045), row(1, 64, 5000, null), row(2, 64, 4000, 0.02)]);
		expect(rows.map(r => [r.best_throughput, r.best_latency])).toEqual([
			[false, false],
			[true, true],
			[false, false],
			[true, false],
			[false, true],
		]);
		// Idempotent.
		expect(markBest(rows).map(r => [r.best_throughput, r.best_latency])).toEqual(rows.map(r => [r.best_throughput, r.best_latency]));
	});
});
