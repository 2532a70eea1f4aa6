import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import {createLengthSampler} from '../../src/engine/workload/lengths.js';
import {createRng} from '../../src/rng/rng.js';
import {Session} from '../../src/runtime/session.js';
import {blockKeys} from '../../src/server/block-keys.js';
import {ServeEngine} from '../../src/server/serve-engine.js';
import {drawWordIndices, findStop, generateWords, joinWords, spacedVocabulary, wordTokenIds} from '../../src/server/text-model.js';

describe('drawWordIndices', () => {
	fcTest.prop([fc.string(), fc.integer({min: 0, max: 9000})])('draws what generateWords draws, as indices into the vocabulary', (seed, n) => {
		const indices = drawWordIndices(n, createRng(seed));
		const vocabulary = spacedVocabulary();
		expect(Array.from(indices, i => vocabulary[i])).toEqual(generateWords(n, createRng(seed)));
		expect(joinWords(indices)).toBe(generateWords(n, createRng(seed)).join(''));
	});
});

describe('a plan keeps word indices and gives the words, text and block keys of the words it drew before', async () => {
	const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '3'});
	const session = new Session(resolved.config, {seed: resolved.seed, speed: 'max', waitWhenIdle: true, traceLines: []});
	const engine = new ServeEngine(session);
	const vocabulary = generateWords(2000, createRng('vocabulary')).map(w => w.trim());

	fcTest.prop(
		[
			fc.string({minLength: 1, maxLength: 40}),
			fc.integer({min: 1, max: 700}),
			fc.boolean(),
			fc.array(fc.oneof(fc.constantFrom(...vocabulary), fc.string({maxLength: 4})), {maxLength: 3}),
			fc.integer({min: 0, max: 20}),
		],
		{numRuns: 60},
	)('for any key, length, stop strings and min_tokens', (key, maxTokens, ignoreEos, stop, minTokens) => {
		const params = {promptTokens: 5, maxTokens, minTokens, ignoreEos, stop, temperature: 1, key};
		const generation = engine.start(params);
		const plan = generation.plan;
		// What the plan was before: its class, length and words drawn from the fork chain, the words by generateWords.
		const base = createRng(resolved.seed).fork('serve').fork(key);
		const classes = session.built.classes;
		let classIndex = 0;
		if (classes.length > 1) {
			let pick = base.fork('class').next() * classes.reduce((sum, c) => sum + c.weight, 0);
			while (classIndex < classes.length - 1 && pick >= classes[classIndex]!.weight) pick -= classes[classIndex++]!.weight;
		}
		expect(plan.classIndex).toBe(classIndex);
		const drawn = ignoreEos ? maxTokens : Math.max(minTokens, createLengthSampler(classes[classIndex]!.output, base.fork('output'))());
		const planned = Math.max(1, Math.min(drawn, maxTokens));
		const words = generateWords(planned, base.fork('text'));
		expect(plan.words).toEqual(words);
		for (let i = 0; i < planned; i++) expect(plan.word(i)).toBe(words[i]);
		const cut = stop.length > 0 ? findStop(words.join(''), stop) : undefined;
		if (cut !== undefined && cut.numTokens >= minTokens) {
			expect([plan.text, plan.numTokens, plan.finishReason, plan.stopReason]).toEqual([cut.text, cut.numTokens, 'stop', cut.stop]);
		} else {
			expect([plan.text, plan.numTokens, plan.finishReason, plan.stopReason]).toEqual([
				words.join(''),
				planned,
				ignoreEos || drawn > maxTokens ? 'length' : 'stop',
				null,
			]);
		}
		const k = Math.min(planned, Math.floor(planned / 2) + 1);
		expect(plan.textOf(0, k)).toBe(words.slice(0, k).join(''));
		const prompt = [1, 2, 3, 200_000, 5];
		for (const blockSize of [1, 16])
			expect(plan.blockKeys(prompt, blockSize)).toEqual(blockKeys(prompt, blockSize, wordTokenIds(words, 0, plan.numTokens)));
		engine.abort(generation);
	});

	it('words of earlier plans stay as they were when later plans fill new blocks', () => {
		const params = {promptTokens: 5, maxTokens: 500, minTokens: 0, ignoreEos: true, stop: [], temperature: 1};
		const first = engine.start({...params, key: 'first'});
		const expected = generateWords(500, createRng(resolved.seed).fork('serve').fork('first').fork('text'));
		// 300 plans of 500 tokens: more than two blocks of word indices.
		const later = Array.from({length: 300}, (_, i) => engine.start({...params, key: `later ${i}`}));
		expect(first.plan.words).toEqual(expected);
		expect(later[299]!.plan.text).toBe(generateWords(500, createRng(resolved.seed).fork('serve').fork('later 299').fork('text')).join(''));
		for (const generation of [first, ...later]) engine.abort(generation);
	});
});
