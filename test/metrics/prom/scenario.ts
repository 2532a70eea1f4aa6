import {Registry} from 'prom-client';
import {SpecDecodingStats} from '../../../src/metrics/stats/spec-decoding-stats.js';
import {createCoreProm, type CoreProm} from '../../../src/metrics/prom/core-prom.js';
import {createSpecDecodingProm, type SpecDecodingProm} from '../../../src/metrics/prom/spec-decoding-prom.js';

/** `_created` of every child in the golden files. */
export const GOLDEN_CREATED_S = 1700000000;

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
	const core = [0, 1].map(engine => createCoreProm({registry, modelName, engine, maxModelLen: 1000}));
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
			e0.setQueue(2, 1, 0.25);
			e0.addTokens(120, 4);
			e0.observeTimeToFirstToken(0.042);
			e1.setQueue(1, 0, 0.125);
			e1.addTokens(40, 2);
			e1.observeTimeToFirstToken(0.3);
		},
		() => {
			observe(0, [
				[3, 3],
				[2, 1],
			]);
			e0.setQueue(2, 0, 0.3);
			e0.addTokens(0, 6);
			e0.observeInterTokenLatency(0.03, 3);
			e1.observeInterTokenLatency(0.055);
			e1.finishRequest('abort', 0.2, 2);
		},
		() => {
			observe(0, [[3, 1]]);
			observe(1, [
				[3, 3],
				[1, 0],
			]);
			e0.setQueue(0, 0, 0);
			e0.addTokens(0, 2);
			e0.finishRequest('stop', 1.25, 9);
			e0.finishRequest('length', 3.5, 64);
			e1.setQueue(1, 0, 0.0625);
			e1.addTokens(0, 5);
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
