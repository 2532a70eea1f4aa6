import {Registry} from 'prom-client';
import {SpecDecodingStats} from '../../../src/metrics/stats/spec-decoding-stats.js';
import {createCoreProm, type CoreProm} from '../../../src/metrics/prom/core-prom.js';
import {newFinishedRequestStats, type FinishedRequestStats} from '../../../src/metrics/stats/finished-request.js';
import {createSpecDecodingProm, type SpecDecodingProm} from '../../../src/metrics/prom/spec-decoding-prom.js';

/** `_created` of every child in the golden files. */
export const GOLDEN_CREATED_S = 1700000000;

/** `vllm:cache_config_info` labels of the golden scenario (a short subset of vLLM's). */
export const GOLDEN_CACHE_CONFIG: Readonly<Record<string, string>> = {
	block_size: '16',
	gpu_memory_utilization: '0.9',
	enable_prefix_caching: 'True',
	num_gpu_blocks: '2048',
};

/** A finished request (same fields as `CoreProm.finish` in `scripts/prometheus_golden.py`). */
export function finished(fields: Partial<FinishedRequestStats>): FinishedRequestStats {
	return {...newFinishedRequestStats(), ...fields};
}

export type GoldenScenario = {
	readonly registry: Registry;
	readonly spec: readonly SpecDecodingProm[];
	readonly core: readonly CoreProm[];
	/** Run step `i` (0, 1 or 2) of the scripted traffic. */
	step(i: number): void;
};

/**
 * The golden scenario: model `sim-model`, engines 0 and 1, k = 3, newest vLLM
 * (`perPositionDrafted`), max_model_len 1000. Families are created as vLLM does: spec decoding
 * first, then the core families.
 */
export function createGoldenScenario(): GoldenScenario {
	const registry = new Registry();
	const modelName = 'sim-model';
	const spec = [0, 1].map(engine => createSpecDecodingProm({registry, modelName, engine, numSpecTokens: 3, perPositionDrafted: true}));
	const core = [0, 1].map(engine => createCoreProm({registry, modelName, engine, maxModelLen: 1000, cacheConfigInfo: GOLDEN_CACHE_CONFIG}));
	const stats = new SpecDecodingStats(3);
	const observe = (engine: number, drafts: ReadonlyArray<readonly [number, number]>) => {
		stats.reset();
		for (const [drafted, accepted] of drafts) stats.observeDraft(drafted, accepted);
		spec[engine]!.observe(stats);
	};
	const [e0, e1] = core as [CoreProm, CoreProm];
	const steps: Array<() => void> = [
		() => {
			observe(0, [
				[3, 2],
				[3, 0],
			]);
			observe(1, [[3, 1]]);
			e0.setQueue(2, 1, 0.25, 1);
			e0.addTokens(120, 4);
			e0.addPromptTokenSources(88, 32, 0);
			e0.addPrefixCache(128, 32);
			e0.observeIterationTokens(92);
			e0.observeTimeToFirstToken(0.042);
			e1.setQueue(1, 0, 0.125);
			e1.addTokens(40, 2);
			e1.addPromptTokenSources(40, 0, 0);
			e1.addPrefixCache(40, 0);
			e1.observeIterationTokens(42);
			e1.observeTimeToFirstToken(0.3);
			e0.addPerfStats(1477568051200, 16106127360, 12058624);
			e1.addPerfStats(0, 0, 0);
		},
		() => {
			observe(0, [
				[3, 3],
				[2, 1],
			]);
			e0.setQueue(2, 0, 0.3);
			e0.addTokens(0, 6);
			e0.addPreemptions(1);
			e0.observeIterationTokens(6);
			e0.observeInterTokenLatency(0.03, 3);
			e1.observeInterTokenLatency(0.055);
			e0.addPerfStats(96363134976, 16060522496, 786432);
			e1.setSleepState(1, 1);
			e1.finishRequest(
				finished({finishReason: 'abort', e2eLatency: 0.2, numPromptTokens: 40, numGenerationTokens: 0, progress: 1, queuedTime: 0.125}),
			);
		},
		() => {
			observe(0, [[3, 1]]);
			observe(1, [
				[3, 3],
				[1, 0],
			]);
			e0.setQueue(0, 0, 0);
			e0.addTokens(0, 2);
			e0.observeIterationTokens(2);
			e0.finishRequest(
				finished({
					finishReason: 'stop',
					e2eLatency: 1.25,
					numPromptTokens: 120,
					numGenerationTokens: 9,
					maxTokensParam: 880,
					queuedTime: 0.25,
					prefillTime: 0.5,
					decodeTime: 0.5,
					inferenceTime: 1,
					meanTimePerOutputToken: 0.0625,
					numCachedTokens: 32,
				}),
			);
			e0.finishRequest(
				finished({
					finishReason: 'error',
					e2eLatency: 3.5,
					numPromptTokens: 500,
					numGenerationTokens: 64,
					maxTokensParam: 64,
					queuedTime: 2,
					prefillTime: 1,
					decodeTime: 0.5,
					inferenceTime: 1.5,
					meanTimePerOutputToken: 0.5 / 63,
				}),
			);
			e1.setSleepState(0, 0);
			e1.setQueue(1, 0, 0.0625);
			e1.addTokens(0, 5);
			e1.observeIterationTokens(5);
		},
	];
	return {
		registry,
		spec,
		core,
		step(i) {
			steps[i]!();
		},
	};
}
