import {describe, expect, it} from 'vitest';
import {buildSimulation} from '../../src/sim/build.js';
import {summarize} from '../../src/sim/summary.js';
import {quantile, sweepConfig} from '../sweep/helpers.js';

/**
 * The summary's TPOT is `vllm bench serve`'s: per finished request of two or more tokens,
 * (latency − TTFT) / (output tokens − 1). Checked against the same quantity computed here from
 * every finished request and kept whole (exact mean, numpy's linear quantiles); the summary keeps
 * a log-bucket sketch (2% buckets) so that its memory does not grow with the run.
 */
describe('run summary: time per output token', () => {
	it.each([
		['Poisson arrivals near capacity', {rate: 40}],
		['a light load', {rate: 2}],
	] as const)('%s: mean exact, p50 and p99 within the sketch resolution of the per-request values', (_name, arrival) => {
		const config = sweepConfig({workload: {arrival: {kind: 'poisson', ...arrival}}});
		const built = buildSimulation(config, {seed: 7});
		const tpots: number[] = [];
		built.simulation.subscribe({
			onStep(out) {
				for (const r of out.finished)
					if (r.numOutputTokens > 1) tpots.push((r.finishedAt - r.arrivalAt - (r.firstTokenAt - r.arrivalAt)) / (r.numOutputTokens - 1));
			},
		});
		built.simulation.runUntil(built.simulation.startS + 60);
		const tpot = summarize(built).engines.time_per_output_token_s;
		expect(tpots.length).toBeGreaterThan(50);
		const mean = tpots.reduce((a, b) => a + b, 0) / tpots.length;
		expect(tpot.mean).toBeCloseTo(mean, 12);
		for (const [q, got] of [
			[0.5, tpot.p50],
			[0.99, tpot.p99],
		] as const) {
			const exact = quantile([...tpots], q)!;
			expect(Math.abs(got! / exact - 1)).toBeLessThan(0.03);
		}
	});
});
