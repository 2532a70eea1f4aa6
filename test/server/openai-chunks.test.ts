import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {chatChunks, completionChunks} from '../../src/server/openai-chunks.js';

/**
 * The chunks without logprobs are written from a pre-serialised head and one JSON build for the
 * text; they must be byte for byte what `JSON.stringify` gives for the chunk objects vLLM's
 * `CompletionStreamResponse` / `ChatCompletionStreamResponse` dump (field order as pydantic's), so
 * the reference below builds those objects.
 */
const header = fc.record({
	id: fc.string({unit: 'binary'}),
	created: fc.integer({min: 0, max: 2 ** 40}),
	model: fc.string({unit: 'binary'}),
});
const finish = fc.option(fc.record({reason: fc.constantFrom('stop', 'length', 'abort'), stop: fc.option(fc.string({unit: 'binary'}), {nil: null})}), {
	nil: undefined,
});
const usage = fc.option(fc.record({prompt_tokens: fc.nat(), total_tokens: fc.nat(), completion_tokens: fc.nat()}, {noNullPrototype: true}), {
	nil: undefined,
});
// Any text: quotes, backslashes, control characters, astral and lone surrogates (JSON.stringify escapes them).
const text = fc.string({unit: 'binary', maxLength: 40});

describe('streamed chunks without logprobs', () => {
	fcTest.prop([header, fc.nat({max: 16}), fc.array(fc.tuple(text, finish, usage), {maxLength: 4})])(
		"completions: the UTF-8 length a chunk reports (lastChunkBytes) is the chunk's own",
		(h, index, chunks) => {
			const format = completionChunks(h);
			for (const [delta, end, u] of chunks) {
				const got = format.chunk(index, delta, end, u);
				const bytes = format.lastChunkBytes;
				// The running chunk knows its length; the others may leave it to the writer.
				if (end === undefined && u === undefined) expect(bytes).toBe(Buffer.byteLength(got));
				else expect(bytes === undefined || bytes === Buffer.byteLength(got)).toBe(true);
			}
		},
	);

	fcTest.prop([header, fc.nat({max: 16}), fc.array(text, {maxLength: 4})])(
		"completions: a running chunk's whole event (runningEvent) is `data: CHUNK` and a blank line, its length the event's",
		(h, index, deltas) => {
			const format = completionChunks(h);
			const reference = completionChunks(h);
			for (const delta of deltas) {
				const event = format.runningEvent!(index, delta, {} as never);
				expect(event).toBe(`data: ${reference.chunk(index, delta, undefined, undefined)}\n\n`);
				expect(format.lastChunkBytes).toBe(Buffer.byteLength(event!));
			}
		},
	);

	it('completions: no running event where a chunk carries logprobs or echo (chunk builds those)', () => {
		const h = {id: 'cmpl-1', created: 1, model: 'm'};
		expect(completionChunks(h, {echoText: () => 'prompt'}).runningEvent!(0, 'x', {} as never)).toBeUndefined();
		const format = completionChunks(h, {logprobs: () => ({}) as never});
		expect(format.runningEvent!(0, 'x', {} as never)).toBeUndefined();
		expect(format.lastChunkBytes).toBeUndefined();
	});

	fcTest.prop([header, fc.nat({max: 16}), text, finish, usage])(
		'completions: the same bytes as JSON.stringify of the CompletionStreamResponse object',
		(h, index, delta, end, u) => {
			const got = completionChunks(h).chunk(index, delta, end, u);
			const choice = {
				index,
				text: delta,
				logprobs: null,
				finish_reason: end?.reason ?? null,
				stop_reason: end?.stop ?? null,
				prompt_token_ids: null,
				token_ids: null,
			};
			const want = JSON.stringify({
				id: h.id,
				object: 'text_completion',
				created: h.created,
				model: h.model,
				choices: [choice],
				...(u ? {usage: u} : {}),
			});
			return got === want;
		},
	);

	fcTest.prop([header, fc.nat({max: 16}), text, finish, usage])(
		'chat: the same bytes as JSON.stringify of the ChatCompletionStreamResponse object',
		(h, index, content, end, u) => {
			const got = chatChunks(h, index + 1).chunk(index, content, end, u);
			const choice =
				end === undefined
					? {index, delta: {content}, logprobs: null, finish_reason: null, token_ids: null}
					: {index, delta: {content}, logprobs: null, finish_reason: end.reason, stop_reason: end.stop, token_ids: null};
			const want = JSON.stringify({
				id: h.id,
				object: 'chat.completion.chunk',
				created: h.created,
				model: h.model,
				choices: [choice],
				...(u ? {usage: {...u, completion_tokens_details: null}} : {}),
			});
			return got === want;
		},
	);
});
