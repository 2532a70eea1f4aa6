import {simConfigSchema, type SimConfig, type SimConfigInput} from '../../src/config/schema.js';

/** A small valid configuration: one H100, Llama-3.1-8B, a fixed-length workload; override what a test needs. */
export function testConfig(
	overrides: {speculative?: Partial<SimConfigInput['speculative']>; workload?: Partial<SimConfigInput['workload']>} & Partial<
		Omit<SimConfigInput, 'speculative' | 'workload'>
	> = {},
): SimConfig {
	const {speculative, workload, ...rest} = overrides;
	return simConfigSchema.parse({
		name: 'test',
		servedModelName: 'test-model',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		...rest,
		speculative: {method: 'eagle', numSpecTokens: 4, acceptance: {kind: 'constant', alpha: 0.7}, ...speculative},
		workload: {
			arrival: {kind: 'poisson', rate: 8},
			classes: [{name: 'fixed', weight: 1, prompt: {kind: 'fixed', value: 64}, output: {kind: 'fixed', value: 200}}],
			...workload,
		},
	});
}
