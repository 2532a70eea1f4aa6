import {describe, expect, it} from 'vitest';
import {listPresetNames, loadPreset} from '../../src/config/load.js';
import {buildSimulation} from '../../src/sim/build.js';

/**
 * Calibration check: published speedups at batch 1 that the cost model must reproduce (presets
 * whose draft cost is a roofline head or model, not a Leviathan `ratio`, which
 * calibration-checks.test.ts checks in closed form): decode tokens per busy second with speculation
 * over the same workload without. The draft cost was derived from these very figures (e.g. the
 * k-sweep preset's `passOverheadS` and `stepOverheadS` from its speedups at k = 2…7), so this checks the derivation
 * and the engine, not a prediction.
 */
const TOLERANCE = 0.05;
const presets = await Promise.all((await listPresetNames()).map(async name => (await loadPreset(name)).config));
const cases = presets.flatMap(config =>
	config.speculative.draftCost?.kind === 'ratio' || config.workload.arrival.kind !== 'closed-loop' || config.workload.arrival.users !== 1
		? []
		: config.published
				.filter(entry => entry.speedup !== undefined)
				.map(entry => ({name: config.name, k: entry.numSpecTokens, published: entry.speedup!, config})),
);

describe('calibration check: the batch-1 speedups the draft cost was derived from', () => {
	it('has cases (the EAGLE-3 k sweep)', () => {
		expect(cases.map(({name, k}) => `${name}@${k}`)).toEqual(
			expect.arrayContaining(['llama-3.1-8b-eagle3-k-sweep@2', 'llama-3.1-8b-eagle3-k-sweep@4']),
		);
	});

	it.each(cases)('$name at k=$k reproduces $published× within 5%', ({k, published, config}) => {
		const atK = {...config, speculative: {...config.speculative, numSpecTokens: k}};
		const tokensPerBusyS = (off: boolean): number => {
			const built = buildSimulation(atK, {seed: 1, speculationOff: off});
			built.simulation.runUntil(300);
			const m = built.metrics[0]!.lifetime;
			return m.generationTokens / m.busyS;
		};
		const speedup = tokensPerBusyS(false) / tokensPerBusyS(true);
		expect(Math.abs(speedup / published - 1)).toBeLessThan(TOLERANCE);
	});
});
