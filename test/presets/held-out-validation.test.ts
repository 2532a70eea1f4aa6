import {describe, expect, it} from 'vitest';
import {loadPreset} from '../../src/config/load.js';
import {buildSimulation} from '../../src/sim/build.js';

/**
 * Validation against measurements the presets were NOT derived from (docs/published-figures.md).
 * The calibration checks (calibration-checks.test.ts) only show that a preset reproduces the
 * figures it was fitted to; these compare a preset's prediction with an independent measurement
 * of the same configuration, within that measurement's sampling error.
 */
describe('held-out validation', () => {
	it('llama-3.1-8b-eagle3-k-sweep (fitted to vllm#20780) predicts vllm#26191: EAGLE-3 Llama-3.1-8B, k=7, MT-Bench, T=0', async () => {
		// vllm-project/vllm#26191 (yuhuili/EAGLE3-LLaMA3.1-Instruct-8B, 80 MT-Bench prompts, T=0):
		// num_drafts 4816, num_draft_tokens 33712, num_accepted_tokens 12208 (AL 3.53).
		const drafts = 4816;
		const draftTokens = 33712;
		const accepted = 12208;
		expect(draftTokens).toBe(7 * drafts); // full-length EAGLE drafts, as the preset simulates
		const measured = 1 + accepted / drafts;

		const {config} = await loadPreset('llama-3.1-8b-eagle3-k-sweep');
		const built = buildSimulation({...config, speculative: {...config.speculative, numSpecTokens: 7}}, {seed: 0});
		const expected = built.expected();
		// Sampling error of a mean over 4816 drafts, with Var(N) from the preset's accepted-length
		// distribution (drafts taken as independent, which makes the bound tighter, not looser).
		const p = expected.acceptedLengthDistribution;
		const mean = p.reduce((s, q, j) => s + q * j, 0);
		const variance = p.reduce((s, q, j) => s + q * j * j, 0) - mean * mean;
		const se = Math.sqrt(variance / drafts);
		expect(se).toBeGreaterThan(0.02);
		expect(se).toBeLessThan(0.05);
		expect(
			Math.abs(expected.meanAcceptanceLength - measured),
			`predicted ${expected.meanAcceptanceLength}, measured ${measured} ± ${se}`,
		).toBeLessThan(2 * se);
		// And the simulator, over the same number of drafts' worth of virtual time, lands there too.
		built.simulation.runUntil(600);
		const spec = built.metrics[0]!.lifetime.spec;
		expect(spec.numDrafts).toBeGreaterThan(drafts);
		const simulated = 1 + spec.numAcceptedTokens / spec.numDrafts;
		expect(Math.abs(simulated - measured)).toBeLessThan(2 * Math.hypot(se, Math.sqrt(variance / spec.numDrafts)));
	});
});
