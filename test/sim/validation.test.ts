import {describe, expect, it} from 'vitest';
import {buildSimulation, type BuiltSimulation} from '../../src/sim/build.js';
import {summarize} from '../../src/sim/summary.js';
import {testConfig} from './helpers.js';

/** Run and return lifetime spec-decode counts summed over engines. */
function run(built: BuiltSimulation, untilS: number) {
	built.simulation.runUntil(untilS);
	const s = summarize(built).spec_decode;
	return {...s, k: s.num_accepted_tokens_per_pos.length};
}

describe('statistical validation against closed forms (fixed seeds, 4 standard errors)', () => {
	it('constant alpha with full-length drafts: mean length (1-a^(k+1))/(1-a), position i: a^(i+1)', () => {
		const alpha = 0.7;
		const k = 4;
		const s = run(buildSimulation(testConfig({speculative: {numSpecTokens: k, acceptance: {kind: 'constant', alpha}}}), {seed: 11}), 600);
		const n = s.num_drafts;
		expect(n).toBeGreaterThan(100_000);
		expect(s.num_draft_tokens).toBe(k * n); // EAGLE drafts are always k long here (budget never binds)
		// N = accepted tokens per draft; mean length = 1 + E[N]; Var[N] from the truncated-geometric distribution.
		const r = Array.from({length: k}, (_, i) => alpha ** (i + 1));
		const p = [1 - r[0]!, ...r.map((ri, j) => ri - (r[j + 1] ?? 0))];
		const meanN = p.reduce((acc, pj, j) => acc + j * pj, 0);
		const varN = p.reduce((acc, pj, j) => acc + pj * (j - meanN) ** 2, 0);
		expect(Math.abs(s.mean_acceptance_length - (1 - alpha ** (k + 1)) / (1 - alpha))).toBeLessThan(4 * Math.sqrt(varN / n));
		for (let i = 0; i < k; i++) {
			const ri = r[i]!;
			expect(Math.abs(s.per_position_acceptance_rate[i]! - ri), `position ${i}`).toBeLessThan(4 * Math.sqrt((ri * (1 - ri)) / n));
		}
	});

	it("reproduces vLLM's synthetic per-position rates, and a synthetic length's minimum-variance schedule", () => {
		const rates = [0.9, 0.5, 0.2];
		const s = run(
			buildSimulation(testConfig({speculative: {method: 'synthetic', numSpecTokens: 3, acceptance: {kind: 'synthetic', rates}}}), {seed: 3}),
			400,
		);
		for (let i = 0; i < 3; i++)
			expect(Math.abs(s.per_position_acceptance_rate[i]! - rates[i]!)).toBeLessThan(4 * Math.sqrt((rates[i]! * (1 - rates[i]!)) / s.num_drafts));
		// Length 2.4 at k=3: rates [1, 0.4, 0]: every draft accepts 1 or 2 tokens.
		const l = run(
			buildSimulation(testConfig({speculative: {method: 'synthetic', numSpecTokens: 3, acceptance: {kind: 'synthetic', length: 2.4}}}), {seed: 3}),
			200,
		);
		expect(l.per_position_acceptance_rate[0]).toBe(1);
		expect(l.per_position_acceptance_rate[2]).toBe(0);
		expect(Math.abs(l.per_position_acceptance_rate[1]! - 0.4)).toBeLessThan(4 * Math.sqrt(0.24 / l.num_drafts));
	});

	it("ngram's short and missing drafts make num_draft_tokens < k × num_drafts", () => {
		const built = buildSimulation(
			testConfig({
				speculative: {method: 'ngram', numSpecTokens: 5, acceptance: {kind: 'constant', alpha: 0.8}},
				workload: {arrival: {kind: 'poisson', rate: 4}, classes: ['summarization']},
			}),
			{seed: 5},
		);
		const s = run(built, 300);
		const decodeSteps = built.metrics[0]!.lifetime.tokenRequests;
		expect(s.num_drafts).toBeGreaterThan(1000);
		expect(s.num_drafts).toBeLessThan(decodeSteps); // steps without a match are not drafts
		expect(s.num_draft_tokens).toBeLessThan(5 * s.num_drafts); // matches near a span's end are short
		expect(s.num_accepted_tokens).toBeLessThanOrEqual(s.num_draft_tokens);
	});
});

describe("Leviathan's speedup at concurrency 1", () => {
	// One user at a time, one-token prompts and long outputs: decode dominates, so the simulated
	// speedup is tokens/s with drafts over tokens/s without, for the same requests.
	const leviathan = (a: number, k: number, c: number): number => (1 - a ** (k + 1)) / ((1 - a) * (k * c + 1));
	it.each([
		[0.8, 4, 0.05],
		[0.6, 3, 0.1],
		[0.9, 6, 0.02],
	])('alpha %d, k %d, c %d: within 2%% of (1 - a^(k+1)) / ((1 - a)(kc + 1))', (alpha, k, c) => {
		const config = testConfig({
			speculative: {method: 'draft_model', numSpecTokens: k, acceptance: {kind: 'constant', alpha}, draftCost: {kind: 'ratio', c}},
			workload: {
				arrival: {kind: 'closed-loop', users: 1},
				classes: [{name: 'long', weight: 1, prompt: {kind: 'fixed', value: 1}, output: {kind: 'fixed', value: 4000}}],
			},
			scheduler: {stepOverheadS: 0},
		});
		const tokensPerS = (off: boolean): number => {
			const built = buildSimulation(config, {seed: 2, speculationOff: off});
			built.simulation.runUntil(off ? 200 : 100);
			const m = built.metrics[0]!.lifetime;
			return m.generationTokens / m.busyS;
		};
		const simulated = tokensPerS(false) / tokensPerS(true);
		expect(Math.abs(simulated / leviathan(alpha, k, c) - 1)).toBeLessThan(0.02);
	});
});

describe('determinism and independent streams', () => {
	it('same config and seed give identical results; another seed differs', () => {
		const summary = (seed: number) => {
			const built = buildSimulation(testConfig(), {seed});
			built.simulation.runUntil(60);
			return JSON.stringify(summarize(built));
		};
		expect(summary(4)).toBe(summary(4));
		expect(summary(5)).not.toBe(summary(4));
	});

	it('changing the proposer or the acceptance model never shifts the arrival sequence', () => {
		const arrivals = (speculative: NonNullable<Parameters<typeof testConfig>[0]>['speculative']) => {
			const built = buildSimulation(testConfig({speculative}), {seed: 9});
			const times: number[] = [];
			built.simulation.subscribe({
				onStep: out => {
					for (const r of out.finished) times.push(r.arrivalAt);
				},
			});
			built.simulation.runUntil(120);
			return times.sort((a, b) => a - b).slice(0, 300);
		};
		const base = arrivals({method: 'eagle'});
		expect(base.length).toBe(300);
		expect(arrivals({method: 'ngram', acceptance: {kind: 'constant', alpha: 0.3}})).toEqual(base);
		expect(arrivals({method: 'draft_model', numSpecTokens: 7})).toEqual(base);
	});
});
