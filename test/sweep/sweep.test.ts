import {describe, expect, it} from 'vitest';
import type {SimConfig} from '../../src/config/schema.js';
import {runJobs} from '../../src/sweep/pool.js';
import {runConfiguration} from '../../src/sweep/run-config.js';
import {labelsOf, runSweep, type ResolvedPoint} from '../../src/sweep/sweep.js';
import {sweepConfig, withK} from './helpers.js';

const points = (configs: readonly SimConfig[]): ResolvedPoint[] => configs.map(config => ({labels: labelsOf(config), config}));
const ALPHA = 0.7;

describe('runSweep', () => {
	const base = sweepConfig({speculative: {acceptance: {kind: 'constant', alpha: ALPHA}}});
	const grid = points([1, 2, 3].map(k => withK(base, k)));

	it('runs k 1..3 on 2 worker threads: acceptance length rises with k and matches the closed form', async () => {
		const progress: number[] = [];
		const rows = await runSweep(grid, {seed: 0, durationS: 30, workers: 2, onProgress: done => progress.push(done)});
		expect(progress).toEqual([0, 1, 2, 3, 4]); // one baseline and three speculative runs
		expect(rows.map(r => [r.k, r.qps, r.method])).toEqual([
			[1, 8, 'eagle'],
			[2, 8, 'eagle'],
			[3, 8, 'eagle'],
		]);
		for (let i = 1; i < rows.length; i++) expect(rows[i]!.mean_acceptance_length).toBeGreaterThan(rows[i - 1]!.mean_acceptance_length);
		for (const row of rows) {
			// Constant alpha, no heterogeneity: every draft is i.i.d., r_i = alpha^(i+1) with binomial error.
			expect(row.per_position_acceptance_rate).toHaveLength(row.k);
			row.per_position_acceptance_rate.forEach((rate, i) => {
				const r = ALPHA ** (i + 1);
				expect(row.expected_per_position_acceptance_rate[i]).toBeCloseTo(r, 12);
				expect(Math.abs(rate - r)).toBeLessThan(4 * Math.sqrt((r * (1 - r)) / row.num_drafts));
			});
			expect(row.expected_mean_acceptance_length).toBeCloseTo((1 - ALPHA ** (row.k + 1)) / (1 - ALPHA), 12);
			expect(row.num_drafts).toBeGreaterThan(5000);
			// The same baseline for every k.
			expect(row.baseline_output_tokens_per_s).toBe(rows[0]!.baseline_output_tokens_per_s);
			expect(row.draft_acceptance_rate!).toBeCloseTo((row.mean_acceptance_length - 1) / row.k, 12);
			// Low load (8 req/s on an H100): each request streams faster, close to the closed form.
			expect(row.latency_speedup!).toBeGreaterThan(1.3);
			expect(Math.abs(row.latency_speedup! / row.expected_speedup - 1)).toBeLessThan(0.1);
			// Below capacity the engine serves the offered load either way.
			expect(Math.abs(row.throughput_speedup! - 1)).toBeLessThan(0.05);
		}
		expect(rows.filter(r => r.best_latency)).toHaveLength(1);
		expect(rows.filter(r => r.best_throughput)).toHaveLength(1);
		expect(rows.find(r => r.best_latency)!.k).toBe(3);

		const serial = await runSweep(grid, {seed: 0, durationS: 30, workers: 1});
		expect(JSON.stringify(serial)).toBe(JSON.stringify(rows));
	});

	it('stops paying at very high load: speedup at or below 1 with a heavy draft model at qps 200', async () => {
		const heavy = sweepConfig({
			speculative: {
				method: 'draft_model',
				acceptance: {kind: 'constant', alpha: ALPHA},
				draftCost: {kind: 'sequential-model', draftParams: 1e9, bytesPerParam: 2},
			},
			workload: {arrival: {kind: 'poisson', rate: 200}},
		});
		const light = {...heavy, workload: {...heavy.workload, arrival: {kind: 'poisson' as const, rate: 1}}};
		const rows = await runSweep(points([withK(light, 1), withK(light, 3), withK(heavy, 1), withK(heavy, 3)]), {seed: 0, durationS: 15, workers: 2});
		const [low1, low3, high1, high3] = rows;
		expect(low1!.latency_speedup!).toBeGreaterThan(1.3);
		expect(low3!.latency_speedup!).toBeGreaterThan(low1!.latency_speedup!);
		// k = 3 loses; k = 1 breaks even: its baseline of 256 tokens a step sits at the roofline's
		// ridge, where the quadratic-mean pass time charges it ~25% above the weight stream too.
		expect(high3!.throughput_speedup!).toBeLessThan(1);
		expect(high3!.latency_speedup!).toBeLessThan(1);
		expect(high1!.throughput_speedup!).toBeLessThan(1.05);
		for (const row of [high1!, high3!]) {
			// The closed form knows nothing of batching: it still promises a gain.
			expect(row.expected_speedup).toBeGreaterThan(1.5);
		}
		expect(high3!.throughput_speedup!).toBeLessThan(high1!.throughput_speedup!);
		// Separate baselines per load.
		expect(high1!.baseline_output_tokens_per_s).toBeGreaterThan(50 * low1!.baseline_output_tokens_per_s);
	});
});

describe('runJobs', () => {
	const jobs = [1, 2, 3, 4, 5].map(k => ({config: withK(sweepConfig(), k), seed: 7, durationS: 3, speculationOff: false}));

	it('returns results in job order, identical for 1, 2 and 3 workers and equal to the job function', async () => {
		const one = await runJobs(jobs, {workers: 1});
		expect(one).toEqual(jobs.map(runConfiguration));
		expect(await runJobs(jobs, {workers: 2})).toEqual(one);
		expect(await runJobs(jobs, {workers: 3})).toEqual(one);
	});

	it('fails with the failing job named, and checks the worker count', async () => {
		const bad = {...jobs[0]!, durationS: -1};
		await expect(runJobs([jobs[0]!, bad], {workers: 2})).rejects.toThrow(/sweep job 1: RangeError: durationS/);
		await expect(runJobs(jobs, {workers: 0})).rejects.toThrow(RangeError);
		expect(await runJobs([], {workers: 2})).toEqual([]);
	});

	it('stops when aborted, rejecting with the reason, on threads and in this thread', async () => {
		for (const workers of [1, 2]) {
			const controller = new AbortController();
			const reason = new Error('stop');
			const progress: number[] = [];
			const run = runJobs(jobs, {
				workers,
				signal: controller.signal,
				onProgress: done => {
					progress.push(done);
					if (done === 1) controller.abort(reason);
				},
			});
			await expect(run).rejects.toBe(reason);
			expect(progress.at(-1)).toBeLessThan(jobs.length);
		}
	});
});
