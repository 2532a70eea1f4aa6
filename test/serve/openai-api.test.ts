import {encode} from 'gpt-tokenizer';
import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {counter, MODEL, startServe as start} from './serve-harness.js';

describe('specsim serve: the OpenAI-compatible API through the openai SDK', () => {
	it('lists the served model with max_model_len', async () => {
		const {client, session} = await start();
		const models = await client.models.list();
		expect(models.data.map(m => m.id)).toEqual([MODEL]);
		expect(models.data[0]).toMatchObject({object: 'model', owned_by: 'vllm', max_model_len: session.config.scheduler.maxModelLen});
	});

	it('a completion with ignore_eos generates exactly max_tokens tokens of text that tokenizes to that count', async () => {
		const {client} = await start();
		const prompt = 'The quick brown fox jumps over the lazy dog';
		const out = await client.completions.create({
			model: MODEL,
			prompt,
			max_tokens: 37,
			ignore_eos: true,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		expect(out.object).toBe('text_completion');
		expect(out.choices).toHaveLength(1);
		expect(out.choices[0]!.finish_reason).toBe('length');
		expect(out.usage).toMatchObject({prompt_tokens: encode(prompt).length, completion_tokens: 37, total_tokens: encode(prompt).length + 37});
		expect(encode(out.choices[0]!.text)).toHaveLength(37);
		expect(out.choices[0]!.text).not.toContain('fox');
	});

	it('without ignore_eos the workload class draws the length (the preset: 256 tokens), max_tokens caps it, min_tokens raises it', async () => {
		const {client, session} = await start();
		const output = session.built.classes[0]!.output;
		expect(output).toEqual({kind: 'fixed', value: 256});
		for (let i = 0; i < 3; i++) {
			const out = await client.completions.create({model: MODEL, prompt: `question ${i}`, max_tokens: 4000});
			const choice = out.choices[0]!;
			expect(choice.finish_reason).toBe('stop');
			expect(out.usage!.completion_tokens).toBe(256);
			expect(encode(choice.text)).toHaveLength(256);
		}
		const capped = await client.completions.create({model: MODEL, prompt: 'question 0', max_tokens: 2});
		expect(capped.choices[0]!.finish_reason).toBe('length');
		expect(capped.usage!.completion_tokens).toBe(2);
		const longer = await client.completions.create({
			model: MODEL,
			prompt: 'question 0',
			max_tokens: 400,
			min_tokens: 300,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		expect(longer.usage!.completion_tokens).toBe(300);
		await expect(
			client.completions.create({model: MODEL, prompt: 'q', max_tokens: 5, min_tokens: 6} as OpenAI.CompletionCreateParamsNonStreaming),
		).rejects.toMatchObject({status: 400, error: {param: null, message: 'min_tokens must be less than or equal to max_tokens=5, got 6.'}});
	});

	it('the same request and seed give the same text on another server; another seed gives other text', async () => {
		const a = await start();
		const b = await start();
		const c = await start({seed: '7'});
		const request = {model: MODEL, prompt: 'Tell me a story', max_tokens: 64, temperature: 0.7};
		const [x, y, z] = await Promise.all([a, b, c].map(r => r.client.completions.create(request)));
		expect(y!.choices[0]!.text).toBe(x!.choices[0]!.text);
		expect(z!.choices[0]!.text).not.toBe(x!.choices[0]!.text);
	});

	it('chat with n=2: two choices, prompt tokens as /tokenize counts the messages, usage sums the choices', async () => {
		const {client, server} = await start();
		const messages = [
			{role: 'system' as const, content: 'You are terse.'},
			{role: 'user' as const, content: 'Name a colour.'},
		];
		const out = await client.chat.completions.create({model: MODEL, messages, n: 2, max_completion_tokens: 300});
		expect(out.object).toBe('chat.completion');
		expect(out.choices.map(c => c.index)).toEqual([0, 1]);
		const counted = (await (await fetch(`${server.baseUrl}/tokenize`, {method: 'POST', body: JSON.stringify({messages})})).json()) as {count: number};
		expect(out.usage!.prompt_tokens).toBe(counted.count);
		const sum = out.choices.reduce((s, c) => s + encode(c.message.content ?? '').length, 0);
		// A choice cut by nothing has exactly its tokens as text.
		expect(out.usage!.completion_tokens).toBe(sum);
		expect(out.choices[0]!.message.role).toBe('assistant');
	});

	it('a stop string ends generation before it, with finish_reason stop and stop_reason the string', async () => {
		const {client} = await start();
		// ' the' is one of the generator's words: in 400 tokens it appears with near certainty.
		const out = await client.completions.create({
			model: MODEL,
			prompt: 'go',
			max_tokens: 400,
			ignore_eos: true,
			stop: [' the'],
		} as OpenAI.CompletionCreateParamsNonStreaming);
		const choice = out.choices[0]! as OpenAI.CompletionChoice & {stop_reason: string | null};
		expect(choice.finish_reason).toBe('stop');
		expect(choice.stop_reason).toBe(' the');
		expect(choice.text).not.toContain(' the');
		// The token holding the stop string is generated and counted, as in vLLM.
		expect(out.usage!.completion_tokens).toBe(encode(choice.text).length + 1);
	});

	it('completion_tokens summed over responses equal the growth of vllm:generation_tokens_total', async () => {
		const {client, server} = await start();
		const before = await counter(server.baseUrl, 'vllm:generation_tokens_total');
		const outs = await Promise.all(Array.from({length: 20}, (_, i) => client.completions.create({model: MODEL, prompt: `p${i}`, max_tokens: 100})));
		const after = await counter(server.baseUrl, 'vllm:generation_tokens_total');
		expect(after - before).toBe(outs.reduce((s, o) => s + o.usage!.completion_tokens, 0));
		expect(await counter(server.baseUrl, 'vllm:spec_decode_num_draft_tokens_total')).toBeGreaterThan(0);
	});

	it("errors have OpenAI's shape with vLLM's status codes", async () => {
		const {client, server, session} = await start();
		await expect(client.completions.create({model: 'nope', prompt: 'x'})).rejects.toMatchObject({
			status: 404,
			error: {message: 'The model `nope` does not exist.', type: 'NotFoundError', code: 404},
		});
		await expect(client.completions.create({model: MODEL, prompt: 'x', max_tokens: 0})).rejects.toMatchObject({
			status: 400,
			error: {type: 'BadRequestError', param: 'max_tokens', code: 400},
		});
		const len = session.config.scheduler.maxModelLen;
		await expect(client.completions.create({model: MODEL, prompt: 'x', max_tokens: len})).rejects.toMatchObject({
			status: 400,
			error: {
				message: `You passed 1 input tokens and requested ${len} output tokens. However, the model's context length is only ${len} tokens, resulting in a maximum input length of 0 tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=1)`,
				param: 'input_tokens',
			},
		});
		const longPrompt = Array.from({length: len}, () => 0);
		// An omitted max_tokens is the completion's default, 16 (vLLM's CompletionRequest), which the renderer counts.
		await expect(client.completions.create({model: MODEL, prompt: longPrompt})).rejects.toMatchObject({
			status: 400,
			error: {
				message: `You passed ${len} input tokens and requested 16 output tokens. However, the model's context length is only ${len} tokens, resulting in a maximum input length of ${len - 16} tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=${len})`,
				param: 'input_tokens',
			},
		});
		// An explicit null is the default too (the newest request model's normalize_null_max_tokens), not no limit.
		await expect(client.completions.create({model: MODEL, prompt: longPrompt, max_tokens: null})).rejects.toMatchObject({
			status: 400,
			error: {
				message: `You passed ${len} input tokens and requested 16 output tokens. However, the model's context length is only ${len} tokens, resulting in a maximum input length of ${len - 16} tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=${len})`,
				param: 'input_tokens',
			},
		});
		await expect(client.chat.completions.create({model: MODEL, messages: []})).rejects.toMatchObject({status: 400, error: {param: 'messages'}});
		const bad = await fetch(`${server.baseUrl}/v1/completions`, {method: 'POST', body: '{"prompt": '});
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as {error: {type: string}}).error.type).toBe('BadRequestError');
		const missing = await fetch(`${server.baseUrl}/v1/nothing`);
		expect(missing.status).toBe(404);
	});

	it('with --api-key every /v1 request needs the bearer token (401 otherwise); /health does not', async () => {
		const {client, server} = await start({apiKey: 'sekret'});
		expect((await client.models.list()).data).toHaveLength(1);
		const wrong = new OpenAI({baseURL: `${server.baseUrl}/v1`, apiKey: 'other', maxRetries: 0});
		await expect(wrong.models.list()).rejects.toMatchObject({status: 401});
		expect((await fetch(`${server.baseUrl}/v1/models`)).status).toBe(401);
		expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
	});

	it('/health, /version, /metrics, /tokenize and /detokenize', async () => {
		const {server} = await start();
		const health = await fetch(`${server.baseUrl}/health`);
		expect(health.status).toBe(200);
		expect(await health.text()).toBe('');
		expect(((await (await fetch(`${server.baseUrl}/version`)).json()) as {version: string}).version).toMatch(/^\d+\.\d+\.\d+/);
		const metrics = await fetch(`${server.baseUrl}/metrics`);
		expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
		expect(await metrics.text()).toContain('vllm:num_requests_running{');
		const tokenized = (await (await fetch(`${server.baseUrl}/tokenize`, {method: 'POST', body: JSON.stringify({prompt: 'Hello world'})})).json()) as {
			count: number;
			tokens: number[];
		};
		expect(tokenized.tokens).toEqual(encode('Hello world'));
		expect(tokenized.count).toBe(tokenized.tokens.length);
		const text = (await (await fetch(`${server.baseUrl}/detokenize`, {method: 'POST', body: JSON.stringify({tokens: tokenized.tokens})})).json()) as {
			prompt: string;
		};
		expect(text.prompt).toBe('Hello world');
	});

	it('closing the server answers a request still in flight with finish_reason abort', async () => {
		// One virtual second per wall second: 3000 tokens take far longer than the test waits.
		const {client, server} = await start({speed: 1});
		const pending = client.completions.create({
			model: MODEL,
			prompt: 'long',
			max_tokens: 3000,
			ignore_eos: true,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		while (server.engine.numInFlight === 0) await new Promise(resolve => setTimeout(resolve, 5));
		await server.close();
		const out = await pending;
		expect(out.choices[0]!.finish_reason).toBe('abort');
		expect(out.usage!.completion_tokens).toBeLessThan(3000);
	});
});
