import {type SimConfig, simConfigSchema} from '../../src/config/schema.js';

/** Llama-3.1-8B on one H100, two engines, with a sleep schedule (docs/faults.md): the sleep-mode tests' config. */
export function sleepyConfig(sleep: unknown[]): SimConfig {
	return simConfigSchema.parse({
		name: 'sleepy',
		servedModelName: 'sleepy',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		engines: {count: 2},
		scheduler: {maxNumSeqs: 16, maxNumBatchedTokens: 1024, maxModelLen: 2048},
		speculative: {method: 'none', numSpecTokens: 0},
		workload: {
			arrival: {kind: 'poisson', rate: 8},
			classes: [{name: 'c', weight: 1, prompt: {kind: 'fixed', value: 200}, output: {kind: 'fixed', value: 400}}],
		},
		faults: {errorRate: 0, sleep},
		logging: {format: 'throughput'},
	});
}
