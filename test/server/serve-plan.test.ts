import {describe, expect, it} from 'vitest';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import {createRng} from '../../src/rng/rng.js';
import {Session} from '../../src/runtime/session.js';
import {ServeEngine} from '../../src/server/serve-engine.js';
import {blockKeys} from '../../src/server/block-keys.js';
import {findStop, generateWords, wordTokenIds} from '../../src/server/text-model.js';

/**
 * A request's plan is drawn from the streams `createRng(seed).fork('serve').fork(key).fork(name)`
 * whatever shortcut the planner takes to make them (it forks the `serve` root once and skips the
 * key's own stream): the same request and seed give the same words as that chain of forks.
 */
describe('ServeEngine plan streams', () => {
	it('draws the words from fork chain serve / key / text', async () => {
		const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '7'});
		const session = new Session(resolved.config, {seed: resolved.seed, speed: 'max', waitWhenIdle: true, traceLines: []});
		const engine = new ServeEngine(session);
		const key = 'completion:{"prompt":"hello","max_tokens":40}:0#0';
		const params = {promptTokens: 5, maxTokens: 40, minTokens: 0, ignoreEos: true, stop: [], temperature: 1, key};
		const generation = engine.start(params);
		const expected = generateWords(40, createRng(resolved.seed).fork('serve').fork(key).fork('text'));
		expect(generation.plan.words).toEqual(expected);
		expect(generation.plan.text).toBe(expected.join(''));
		// Another key, other words.
		expect(engine.start({...params, key: `${key}x`}).plan.words).not.toEqual(expected);
		engine.close();
	});

	it('a stop string cuts the plan: its text is the cut text, its tokens those up to the stop', async () => {
		const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '7'});
		const session = new Session(resolved.config, {seed: resolved.seed, speed: 'max', waitWhenIdle: true, traceLines: []});
		const engine = new ServeEngine(session);
		const key = 'completion:{"prompt":"hello","max_tokens":40}:0#0';
		const words = generateWords(40, createRng(resolved.seed).fork('serve').fork(key).fork('text'));
		// The eleventh word as the stop string: the text is cut before its first appearance.
		const stop = words[10]!.trim();
		const cut = findStop(words.join(''), [stop])!;
		const params = {promptTokens: 5, maxTokens: 40, minTokens: 0, ignoreEos: true, stop: [stop], temperature: 1, key};
		const plan = engine.start(params).plan;
		expect(plan.text).toBe(cut.text);
		expect(plan.numTokens).toBe(cut.numTokens);
		expect([plan.finishReason, plan.stopReason]).toEqual(['stop', stop]);
		// Without the stop string: the whole text.
		expect(engine.start({...params, stop: []}).plan.text).toBe(words.join(''));
		engine.close();
	});

	it('block keys of a prompt followed by its output equal those of the joined tokens', () => {
		const prompt = Array.from({length: 37}, (_, i) => (i * 7919) % 200_003);
		const output = wordTokenIds(generateWords(50, createRng('o')));
		for (const blockSize of [1, 16, 32, 87, 88]) expect(blockKeys(prompt, blockSize, output)).toEqual(blockKeys([...prompt, ...output], blockSize));
		expect(blockKeys(prompt, 16, [])).toEqual(blockKeys(prompt, 16));
	});

	it('wordTokenIds of a range equals the ids of the sliced words', () => {
		const words = generateWords(12, createRng('w'));
		expect(wordTokenIds(words, 3, 9)).toEqual(wordTokenIds(words.slice(3, 9)));
		expect(wordTokenIds(words, 5, 5)).toEqual([]);
		expect(wordTokenIds(words).length).toBe(12);
	});
});
