import {describe, expect, it} from 'vitest';
import {createCostModel} from '../../src/engine/cost-model.js';
import {BUILTIN_HARDWARE, BUILTIN_MODELS} from '../../src/engine/cost-model.js';
import {buildSimulation, DEFAULT_DRAFT_PASS_OVERHEAD_S, DEFAULT_DRAFT_STEP_OVERHEAD_S} from '../../src/sim/build.js';
import {summarize} from '../../src/sim/summary.js';
import {costRatio, runConfiguration} from '../../src/sweep/run-config.js';
import {quantile, sweepConfig, withK} from './helpers.js';

/** Leviathan et al. 2023: S(α, γ, c) = (1 − α^(γ+1)) / ((1 − α)(γc + 1)). */
const leviathan = (alpha: number, k: number, c: number): number => (1 - alpha ** (k + 1)) / ((1 - alpha) * (k * c + 1));

describe('costRatio', () => {
	it('is the configured c for a ratio draft cost without step overhead', () => {
		for (const c of [0, 0.05, 0.3]) {
			const config = sweepConfig({scheduler: {stepOverheadS: 0}, speculative: {draftCost: {kind: 'ratio', c}}});
			expect(costRatio(buildSimulation(config))).toBeCloseTo(c, 14);
		}
	});

	it('counts the step overhead in the non-speculative step: c·T1 / (T1 + overhead)', () => {
		const config = sweepConfig({scheduler: {stepOverheadS: 0.002}, speculative: {draftCost: {kind: 'ratio', c: 0.1}}});
		const t1 = createCostModel({model: BUILTIN_MODELS['llama-3.1-8b'], hardware: BUILTIN_HARDWARE['h100-sxm']}).singleTokenStepS;
		expect(costRatio(buildSimulation(config))).toBeCloseTo((0.1 * t1) / (t1 + 0.002), 14);
	});

	it("derives c from the method's default draft cost: one head pass (one dense layer and a 32k LM head, plus the fixed pass overhead and 1/k of the step overhead) over a target step", () => {
		const config = sweepConfig({scheduler: {stepOverheadS: 0}}); // k = 3
		const t1 = createCostModel({model: BUILTIN_MODELS['llama-3.1-8b'], hardware: BUILTIN_HARDWARE['h100-sxm']}).singleTokenStepS;
		// Memory-bound at batch 1 with no context: both passes stream weights, so c = head / params + (pass + step / k) overhead / T1.
		const head = 12 * 4096 ** 2 + 32_000 * 4096;
		const overhead = (DEFAULT_DRAFT_PASS_OVERHEAD_S + DEFAULT_DRAFT_STEP_OVERHEAD_S / 3) / t1;
		expect(costRatio(buildSimulation(config))).toBeCloseTo(head / 8_030_261_248 + overhead, 12);
		const draftModel = sweepConfig({scheduler: {stepOverheadS: 0}, speculative: {method: 'draft_model'}});
		expect(costRatio(buildSimulation(draftModel))).toBeCloseTo(1 / 20 + overhead, 12);
	});

	it('1 + k·c is the batch-1 step-time ratio at the configured k, also for cpu drafters', () => {
		for (const k of [1, 3, 6]) {
			const config = sweepConfig({
				scheduler: {stepOverheadS: 0.001},
				speculative: {method: 'ngram', numSpecTokens: k, draftCost: {kind: 'cpu', perTokenS: 2e-6, perRequestS: 5e-5}},
			});
			const t = createCostModel({model: BUILTIN_MODELS['llama-3.1-8b'], hardware: BUILTIN_HARDWARE['h100-sxm']}).singleTokenStepS + 0.001;
			expect(1 + k * costRatio(buildSimulation(config))).toBeCloseTo(1 + (5e-5 + k * 2e-6) / t, 12);
		}
	});
});

describe('runConfiguration', () => {
	it("reports Leviathan's closed form as expected_speedup for an i.i.d. config with a ratio draft cost", () => {
		for (const [alpha, k, c] of [
			[0.7, 1, 0.05],
			[0.7, 3, 0.05],
			[0.8, 8, 0.05],
			[0.6, 3, 0.1],
		] as const) {
			const config = sweepConfig({
				scheduler: {stepOverheadS: 0},
				speculative: {numSpecTokens: k, acceptance: {kind: 'constant', alpha}, draftCost: {kind: 'ratio', c}},
			});
			const run = runConfiguration({config, seed: 0, durationS: 1, speculationOff: false});
			expect(run.cost_ratio).toBeCloseTo(c, 14);
			expect(run.expected_speedup).toBeCloseTo(leviathan(alpha, k, c), 12);
			expect(run.expected_mean_acceptance_length).toBeCloseTo((1 - alpha ** (k + 1)) / (1 - alpha), 12);
			expect(run.expected_draft_acceptance_rate).toBeCloseTo((alpha - alpha ** (k + 1)) / (k * (1 - alpha)), 12);
		}
		// Leviathan's worked optimum (α, c) = (0.8, 0.05): γ* = 8 with S = 3.09.
		expect(leviathan(0.8, 8, 0.05)).toBeCloseTo(3.09, 2);
	});

	it('gives the same baseline whatever k: speculation off runs the identical workload', () => {
		const config = sweepConfig();
		const a = runConfiguration({config: withK(config, 1), seed: 3, durationS: 10, speculationOff: true});
		const b = runConfiguration({config: withK(config, 6), seed: 3, durationS: 10, speculationOff: true});
		const {expected_mean_acceptance_length: _a, expected_draft_acceptance_rate: _b, expected_per_position_acceptance_rate: _c, ...rest} = a;
		expect(b).toMatchObject(rest);
		expect(a.num_drafts).toBe(0);
		expect(a.cost_ratio).toBeNull();
		expect(a.expected_speedup).toBeNull();
		expect(a.generation_tokens).toBeGreaterThan(0);
	});

	it('is deterministic for a seed, and measures the speculative run sanely', () => {
		const job = {config: sweepConfig(), seed: 1, durationS: 10, speculationOff: false};
		const run = runConfiguration(job);
		expect(runConfiguration(job)).toEqual(run);
		expect(run.virtual_seconds).toBe(10);
		expect(run.output_tokens_per_s).toBeCloseTo(run.generation_tokens / 10, 10);
		expect(run.num_draft_tokens).toBe(3 * run.num_drafts);
		expect(run.mean_acceptance_length).toBeCloseTo(1 + run.num_accepted_tokens / run.num_drafts, 12);
		expect(run.per_position_acceptance_rate).toHaveLength(3);
		for (const p of [run.ttft_s, run.inter_token_latency_s, run.tpot_s]) {
			expect(p.p50).toBeGreaterThan(0);
			expect(p.p99!).toBeGreaterThanOrEqual(p.p50!);
		}
	});

	it("reports the run summary's TPOT percentiles (the streaming sketch), so sweep and run agree", () => {
		for (const speculationOff of [false, true]) {
			const config = sweepConfig();
			const run = runConfiguration({config, seed: 2, durationS: 20, speculationOff});
			// The same simulation, summarised as `run` summarises it.
			const built = buildSimulation(config, {seed: 2, speculationOff});
			built.simulation.runUntil(built.simulation.startS + 20);
			const tpot = summarize(built).engines.time_per_output_token_s;
			expect(tpot.p50).not.toBeNull();
			expect(run.tpot_s).toEqual({p50: tpot.p50, p99: tpot.p99});
		}
	});

	it('rejects a non-positive duration', () => {
		expect(() => runConfiguration({config: sweepConfig(), seed: 0, durationS: 0, speculationOff: false})).toThrow(/durationS/);
	});
});

describe('quantile (the exact reference of the sketch tests)', () => {
	it('interpolates linearly between order statistics (numpy default)', () => {
		expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
		expect(quantile([5], 0.99)).toBe(5);
		expect(quantile([0, 10], 0.99)).toBeCloseTo(9.9, 12);
		expect(quantile([], 0.5)).toBeNull();
	});
});
