import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {TextCursor} from '../../src/server/openai-stream.js';
import type {Generation, LiveGeneration} from '../../src/server/serve-engine.js';

/**
 * What vLLM's incremental detokenizer releases after each step (`get_next_output_text`): the
 * text generated so far up to `holdBack` characters from its end (never less than was already
 * released), and on finishing the rest of the final text.
 */
function expectedDeltas(words: readonly string[], steps: readonly number[], holdBack: number, finalText: string): string[] {
	const deltas: string[] = [];
	let sent = 0;
	let tokens = 0;
	for (const n of steps) {
		tokens += n;
		const end = Math.max(sent, words.slice(0, tokens).join('').length - holdBack);
		deltas.push(words.slice(0, tokens).join('').slice(sent, end));
		sent = end;
	}
	deltas.push(finalText.slice(sent));
	return deltas;
}

describe('TextCursor', () => {
	it('releases, step by step, the text generated so far minus the held-back tail, then the rest of the final text', () => {
		fc.assert(
			fc.property(
				fc.array(fc.string({unit: 'grapheme', maxLength: 6}), {minLength: 1, maxLength: 40}),
				fc.array(fc.string({minLength: 1, maxLength: 5}), {maxLength: 3}),
				fc.boolean(),
				fc.array(fc.integer({min: 1, max: 6}), {minLength: 1, maxLength: 40}),
				fc.boolean(),
				(words, stop, includeStopStr, stepSizes, advanceLast) => {
					// Steps of 1 to 6 tokens until every word is generated (the last step finishes).
					const steps: number[] = [];
					let left = words.length;
					for (let i = 0; left > 0; i++) {
						const n = Math.min(left, stepSizes[i % stepSizes.length]!);
						steps.push(n);
						left -= n;
					}
					const generation = {plan: {word: (i: number) => words[i]!}, numTokens: 0};
					const cursor = new TextCursor(stop, includeStopStr);
					const deltas: string[] = [];
					for (const n of steps.slice(0, -1)) {
						generation.numTokens += n;
						deltas.push(cursor.advance(generation as unknown as LiveGeneration));
					}
					// The finishing step's tokens go out with the finish (as the stream sends them: no
					// advance for that step), or after an advance that took them.
					generation.numTokens += steps.at(-1)!;
					deltas.push(advanceLast ? cursor.advance(generation as unknown as LiveGeneration) : '');
					const text = words.join('');
					// A stop string, when there is one, ended it; else it ended without one.
					const stopReason = stop[0] ?? null;
					const result = {text, stopReason, completionTokens: words.length, live: generation};
					deltas.push(cursor.finish(result as unknown as Generation));
					const holdBack = includeStopStr ? 0 : Math.max(0, ...stop.map(s => s.length - 1));
					const final = includeStopStr && stopReason !== null ? text + stopReason : text;
					const expected = expectedDeltas(words, steps, holdBack, final);
					// Without the last advance its delta is part of the finish's.
					if (!advanceLast) expected.splice(-2, 2, '', expected.at(-2)! + expected.at(-1)!);
					expect(deltas).toEqual(expected);
				},
			),
		);
	});
});
