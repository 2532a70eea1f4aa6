import {encode} from 'gpt-tokenizer';
import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {MODEL, sseData, startServe} from './serve-harness.js';

type CompletionChunk = OpenAI.Completion & {choices: (OpenAI.CompletionChoice & {stop_reason: string | null})[]};

/** Every chunk of a stream, in order (the SDK consumes `data: [DONE]`). */
async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
	const chunks: T[] = [];
	for await (const chunk of stream) chunks.push(chunk);
	return chunks;
}

describe('specsim serve: streaming through the openai SDK', () => {
	it('chat: a role chunk, content deltas, the finish chunk, the usage chunk; the text is the non-streamed text', async () => {
		const {client} = await startServe();
		const request = {model: MODEL, messages: [{role: 'user' as const, content: 'Tell me a story'}], max_completion_tokens: 40, ignore_eos: true};
		const chunks = await collect(
			await client.chat.completions.create({
				...request,
				stream: true,
				stream_options: {include_usage: true},
			} as OpenAI.ChatCompletionCreateParamsStreaming),
		);
		const whole = await client.chat.completions.create(request as OpenAI.ChatCompletionCreateParamsNonStreaming);
		expect(chunks[0]!.choices).toEqual([{index: 0, delta: {role: 'assistant', content: ''}, logprobs: null, finish_reason: null}]);
		const content = chunks.slice(1, -1);
		expect(content.length).toBeGreaterThan(1);
		for (const chunk of content.slice(0, -1)) expect(chunk.choices[0]!.finish_reason).toBeNull();
		expect(content.at(-1)!.choices[0]).toMatchObject({finish_reason: 'length', stop_reason: null});
		const text = content.map(c => c.choices[0]!.delta.content).join('');
		expect(text).toBe(whole.choices[0]!.message.content);
		expect(encode(text)).toHaveLength(40);
		const usage = chunks.at(-1)!;
		expect(usage.choices).toEqual([]);
		expect(usage.usage).toEqual({prompt_tokens: whole.usage!.prompt_tokens, total_tokens: whole.usage!.prompt_tokens + 40, completion_tokens: 40});
		// Every chunk of one response shares its id, model and creation time.
		expect(new Set(chunks.map(c => `${c.id} ${c.model} ${c.created} ${c.object}`)).size).toBe(1);
		expect(chunks[0]!.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
	});

	it('one chunk per engine step: under speculative decoding a chunk carries 1 to k+1 tokens, some more than one', async () => {
		const {client, session} = await startServe();
		const k = session.numSpecTokens;
		expect(k).toBe(3);
		const chunks = await collect(
			await client.completions.create({
				model: MODEL,
				prompt: 'count',
				max_tokens: 300,
				ignore_eos: true,
				stream: true,
				stream_options: {include_usage: true, continuous_usage_stats: true},
			} as OpenAI.CompletionCreateParamsStreaming),
		);
		const content = chunks.filter(c => c.choices.length > 0);
		const counts = content.map(c => c.usage!.completion_tokens!);
		const steps = counts.map((n, i) => n - (i === 0 ? 0 : counts[i - 1]!));
		// The first token comes from the prefill step alone.
		expect(steps[0]).toBe(1);
		for (const n of steps) {
			expect(n).toBeGreaterThanOrEqual(1);
			expect(n).toBeLessThanOrEqual(k + 1);
		}
		expect(steps.filter(n => n > 1).length).toBeGreaterThan(steps.length / 4);
		expect(counts.at(-1)).toBe(300);
		// Every word of the generator is one token: a chunk's text is as many tokens as it carries.
		for (let i = 0; i < content.length; i++) expect(encode(content[i]!.choices[0]!.text)).toHaveLength(steps[i]!);
		expect(chunks.at(-1)!.usage).toEqual({prompt_tokens: 1, total_tokens: 301, completion_tokens: 300});
	});

	it('completions with n=2: indices 0 and 1, each choice finishes once and streams its non-streamed text', async () => {
		const {client} = await startServe();
		const request = {model: MODEL, prompt: 'Once upon a time', max_tokens: 30, n: 2};
		const chunks = (await collect(
			await client.completions.create({...request, stream: true, stream_options: {include_usage: true}}),
		)) as CompletionChunk[];
		const whole = await client.completions.create(request);
		for (const index of [0, 1]) {
			const mine = chunks.filter(c => c.choices[0]?.index === index);
			expect(mine.filter(c => c.choices[0]!.finish_reason !== null)).toHaveLength(1);
			expect(mine.at(-1)!.choices[0]!.finish_reason).toBe('length');
			expect(mine.map(c => c.choices[0]!.text).join('')).toBe(whole.choices[index]!.text);
		}
		expect(whole.choices[0]!.text).not.toBe(whole.choices[1]!.text);
		expect(chunks.at(-1)!.usage).toEqual({prompt_tokens: 4, total_tokens: 64, completion_tokens: 60});
	});

	it('the n choices of one request are scheduled in the same engine step: every first chunk comes before any second one', async () => {
		const {client} = await startServe();
		const chunks = (await collect(
			await client.completions.create({
				model: MODEL,
				prompt: 'Once upon a time',
				max_tokens: 20,
				ignore_eos: true,
				n: 3,
				stream: true,
			} as OpenAI.CompletionCreateParamsStreaming),
		)) as CompletionChunk[];
		const indices = chunks.map(c => c.choices[0]!.index);
		// vLLM adds a request's n children to its engine core back to back, and the core drains its
		// input queue before each step, so the three are prefilled together.
		expect(indices.slice(0, 3).sort()).toEqual([0, 1, 2]);
		expect(new Set(indices.slice(3, 6)).size).toBe(3);
	});

	it('a stop string is never streamed: text is held back until the stop string is ruled out, and the finish chunk names it', async () => {
		const {client} = await startServe();
		const request = {model: MODEL, prompt: 'go', max_tokens: 400, ignore_eos: true, stop: [' the', 'zzzzzzzz']};
		const chunks = (await collect(
			await client.completions.create({...request, stream: true} as OpenAI.CompletionCreateParamsStreaming),
		)) as CompletionChunk[];
		const whole = await client.completions.create(request as OpenAI.CompletionCreateParamsNonStreaming);
		const last = chunks.at(-1)!.choices[0]!;
		expect(last).toMatchObject({finish_reason: 'stop', stop_reason: ' the'});
		let sent = '';
		for (const chunk of chunks) {
			sent += chunk.choices[0]!.text;
			expect(sent).not.toContain(' the');
		}
		expect(sent).toBe(whole.choices[0]!.text);
		// Without include_usage there is no usage chunk.
		expect(chunks.every(c => c.choices.length === 1 && (c.usage === undefined || c.usage === null))).toBe(true);
	});

	it('ignore_eos streams exactly max_tokens tokens; min_tokens raises the drawn length', async () => {
		const {client} = await startServe();
		const tokens = async (extra: object): Promise<{completion: number; reason: string | null}> => {
			const chunks = await collect(
				await client.completions.create({
					model: MODEL,
					prompt: 'question 0',
					stream: true,
					stream_options: {include_usage: true},
					...extra,
				} as OpenAI.CompletionCreateParamsStreaming),
			);
			const reasons = chunks.flatMap(c => c.choices.map(ch => ch.finish_reason)).filter(r => r !== null);
			return {completion: chunks.at(-1)!.usage!.completion_tokens, reason: reasons[0] ?? null};
		};
		expect(await tokens({max_tokens: 77, ignore_eos: true})).toEqual({completion: 77, reason: 'length'});
		// The preset's class draws 256 output tokens; min_tokens 300 raises it, below max_tokens: finish stop.
		expect(await tokens({max_tokens: 400})).toEqual({completion: 256, reason: 'stop'});
		expect(await tokens({max_tokens: 400, min_tokens: 300})).toEqual({completion: 300, reason: 'stop'});
	});

	it('stream_options without stream=true is a 400 naming stream_options, as vLLM', async () => {
		const {client} = await startServe();
		await expect(
			client.completions.create({model: MODEL, prompt: 'x', stream_options: {include_usage: true}} as OpenAI.CompletionCreateParamsNonStreaming),
		).rejects.toMatchObject({
			status: 400,
			error: {message: 'Stream options can only be defined when `stream=True`.', param: 'stream_options', type: 'BadRequestError'},
		});
	});

	it("on the wire: text/event-stream, vLLM's chunk fields in order, usage on every chunk, data: [DONE] last", async () => {
		const {server} = await startServe();
		const messages = [{role: 'user', content: 'hi'}];
		const tokenized = await fetch(`${server.baseUrl}/tokenize`, {method: 'POST', body: JSON.stringify({messages})});
		const p = ((await tokenized.json()) as {count: number}).count;
		const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
			method: 'POST',
			headers: {'content-type': 'application/json'},
			body: JSON.stringify({
				messages,
				max_tokens: 5,
				ignore_eos: true,
				stream: true,
				stream_options: {include_usage: true, continuous_usage_stats: true},
			}),
		});
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
		const data = sseData(await response.text());
		expect(data.at(-1)).toBe('[DONE]');
		const chunks = data.slice(0, -1).map(d => JSON.parse(d) as {usage?: unknown; choices: object[]});
		expect(Object.keys(chunks[0]!)).toEqual(['id', 'object', 'created', 'model', 'choices', 'usage', 'prompt_token_ids', 'prompt_text']);
		expect(chunks[0]!.usage).toEqual({prompt_tokens: p, total_tokens: p, completion_tokens: 0, completion_tokens_details: null});
		const middle = chunks[1]!;
		expect(Object.keys(middle)).toEqual(['id', 'object', 'created', 'model', 'choices', 'usage']);
		expect(Object.keys(middle.choices[0]!)).toEqual(['index', 'delta', 'logprobs', 'finish_reason', 'token_ids']);
		const finish = chunks.at(-2)!;
		expect(Object.keys(finish.choices[0]!)).toEqual(['index', 'delta', 'logprobs', 'finish_reason', 'stop_reason', 'token_ids']);
		expect(finish.usage).toEqual({prompt_tokens: p, total_tokens: p + 5, completion_tokens: 5, completion_tokens_details: null});
		expect(chunks.at(-1)).toMatchObject({
			object: 'chat.completion.chunk',
			choices: [],
			usage: {prompt_tokens: p, total_tokens: p + 5, completion_tokens: 5},
		});
		expect(Object.keys(chunks.at(-1)!)).toEqual(['id', 'object', 'created', 'model', 'choices', 'usage']);
	});

	it('--enable-force-include-usage: a usage chunk even when the client did not ask', async () => {
		const {client} = await startServe({enableForceIncludeUsage: true});
		const chunks = await collect(await client.completions.create({model: MODEL, prompt: 'x', max_tokens: 3, stream: true}));
		expect(chunks.at(-1)).toMatchObject({choices: [], usage: {prompt_tokens: 1, completion_tokens: 3, total_tokens: 4}});
	});

	it('closing the server ends a running stream with finish_reason abort, the usage chunk and [DONE]', async () => {
		// One virtual second per wall second: 3000 tokens take far longer than the test runs.
		const {client, server} = await startServe({speed: 1});
		const stream = await client.completions.create({
			model: MODEL,
			prompt: 'long',
			max_tokens: 3000,
			ignore_eos: true,
			stream: true,
			stream_options: {include_usage: true, continuous_usage_stats: true},
		} as OpenAI.CompletionCreateParamsStreaming);
		const chunks: OpenAI.Completion[] = [];
		let closing: Promise<void> | undefined;
		for await (const chunk of stream) {
			chunks.push(chunk);
			if (chunks.length === 3) closing = server.close();
		}
		await closing;
		const content = chunks.filter(c => c.choices.length > 0);
		expect(content.at(-1)!.choices[0]!.finish_reason).toBe('abort');
		expect(content.slice(0, -1).every(c => c.choices[0]!.finish_reason === null)).toBe(true);
		const tokens = content.at(-1)!.usage!.completion_tokens;
		expect(tokens).toBeLessThan(3000);
		expect(chunks.at(-1)!.usage).toEqual({prompt_tokens: 1, total_tokens: 1 + tokens, completion_tokens: tokens});
	});

	it('chat with n=2: a role chunk per choice first, then each choice streams and finishes once', async () => {
		const {client} = await startServe();
		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: [{role: 'user', content: 'two answers'}],
			max_tokens: 20,
			n: 2,
			stream: true,
		});
		const chunks: OpenAI.ChatCompletionChunk[] = [];
		for await (const chunk of stream) chunks.push(chunk);
		expect(chunks.slice(0, 2).map(c => c.choices[0])).toEqual([
			{index: 0, delta: {role: 'assistant', content: ''}, logprobs: null, finish_reason: null},
			{index: 1, delta: {role: 'assistant', content: ''}, logprobs: null, finish_reason: null},
		]);
		for (const index of [0, 1]) {
			const mine = chunks.slice(2).filter(c => c.choices[0]!.index === index);
			expect(mine.length).toBeGreaterThan(1);
			expect(mine.filter(c => c.choices[0]!.finish_reason !== null).map(c => c.choices[0]!.finish_reason)).toEqual(['length']);
			expect(encode(mine.map(c => c.choices[0]!.delta.content).join(''))).toHaveLength(20);
		}
	});

	it('a bad streaming request is refused before the stream starts, with the error as JSON', async () => {
		const {client} = await startServe();
		await expect(client.chat.completions.create({model: 'nope', messages: [{role: 'user', content: 'x'}], stream: true})).rejects.toMatchObject({
			status: 404,
			error: {message: 'The model `nope` does not exist.'},
		});
		await expect(client.completions.create({model: MODEL, prompt: 'x', max_tokens: 0, stream: true})).rejects.toMatchObject({
			status: 400,
			error: {param: 'max_tokens'},
		});
	});
});
