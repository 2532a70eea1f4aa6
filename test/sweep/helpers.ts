import type {RunMeasurement} from '../../src/sweep/run-config.js';
import {simConfigSchema, type SimConfig, type SimConfigInput} from '../../src/config/schema.js';

/**
 * A small valid configuration: Llama-3.1-8B on one H100, constant acceptance alpha 0.7 (no
 * heterogeneity), Poisson arrivals, fixed 64-token prompts and 200-token outputs.
 */
export function sweepConfig(
	overrides: {speculative?: Partial<SimConfigInput['speculative']>; workload?: Partial<SimConfigInput['workload']>} & Partial<
		Omit<SimConfigInput, 'speculative' | 'workload'>
	> = {},
): SimConfig {
	const {speculative, workload, ...rest} = overrides;
	return simConfigSchema.parse({
		name: 'sweep-test',
		servedModelName: 'test-model',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		...rest,
		speculative: {method: 'eagle', numSpecTokens: 3, acceptance: {kind: 'constant', alpha: 0.7}, ...speculative},
		workload: {
			arrival: {kind: 'poisson', rate: 8},
			classes: [{name: 'fixed', weight: 1, prompt: {kind: 'fixed', value: 64}, output: {kind: 'fixed', value: 200}}],
			...workload,
		},
	});
}

/** The same configuration at another k. */
export function withK(config: SimConfig, k: number): SimConfig {
	return {...config, speculative: {...config.speculative, numSpecTokens: k}};
}

/** A measurement with round numbers; override what a test needs. */
export function measurement(overrides: Partial<RunMeasurement> = {}): RunMeasurement {
	return {
		virtual_seconds: 60,
		requests_finished: 100,
		generation_tokens: 60_000,
		output_tokens_per_s: 1000,
		ttft_s: {p50: 0.012, p99: 0.02},
		inter_token_latency_s: {p50: 0.008, p99: 0.009},
		tpot_s: {p50: 0.004, p99: 0.005},
		num_drafts: 1000,
		num_draft_tokens: 2000,
		num_accepted_tokens: 1000,
		mean_acceptance_length: 2,
		draft_acceptance_rate: 0.5,
		per_position_acceptance_rate: [0.6, 0.4],
		expected_mean_acceptance_length: 2,
		expected_draft_acceptance_rate: 0.5,
		expected_per_position_acceptance_rate: [0.6, 0.4],
		cost_ratio: 0.05,
		expected_speedup: 2 / 1.1,
		...overrides,
	};
}

/** Linear-interpolation quantile (numpy's default) of unsorted values; null when empty. Sorts in place. An exact reference for the sketches. */
export function quantile(values: number[], q: number): number | null {
	if (values.length === 0) return null;
	values.sort((a, b) => a - b);
	const position = (values.length - 1) * q;
	const lo = Math.floor(position);
	const hi = Math.min(values.length - 1, lo + 1);
	return values[lo]! + (values[hi]! - values[lo]!) * (position - lo);
}
