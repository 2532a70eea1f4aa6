import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {counter, MODEL, startServe} from './serve-harness.js';

/** `vllm:request_params_max_tokens`'s sum and count, summed over engines. */
async function histogram(baseUrl: string): Promise<{sum: number; count: number}> {
	return {
		sum: await counter(baseUrl, 'vllm:request_params_max_tokens_sum'),
		count: await counter(baseUrl, 'vllm:request_params_max_tokens_count'),
	};
}

describe('specsim serve: vllm:request_params_max_tokens observes the max_tokens SamplingParams carries', () => {
	it("grows by exactly the client's max_tokens (completions and chat, n > 1: one observation per choice)", async () => {
		const {server, client} = await startServe();
		const before = await histogram(server.baseUrl);
		await client.completions.create({model: MODEL, prompt: 'alpha beta gamma', max_tokens: 7} as OpenAI.CompletionCreateParamsNonStreaming);
		await client.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'Hello'}], max_completion_tokens: 23, n: 2});
		await client.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'Hi'}], max_tokens: 40});
		const after = await histogram(server.baseUrl);
		expect(after.count - before.count).toBe(4);
		expect(after.sum - before.sum).toBe(7 + 2 * 23 + 40);
	});

	it('a chat without max_tokens observes max_model_len - prompt tokens, the default the newest vLLM sends', async () => {
		const {server, client} = await startServe();
		const messages = [{role: 'user' as const, content: 'alpha beta gamma delta'}];
		const tokenized = (await (
			await fetch(`${server.baseUrl}/tokenize`, {method: 'POST', body: JSON.stringify({model: MODEL, messages})})
		).json()) as {
			count: number;
			max_model_len: number;
		};
		const before = await histogram(server.baseUrl);
		await client.chat.completions.create({model: MODEL, messages});
		const after = await histogram(server.baseUrl);
		expect(after.count - before.count).toBe(1);
		expect(after.sum - before.sum).toBe(tokenized.max_model_len - tokenized.count);
	});

	it("echo with max_tokens 0 observes 1, the engine's max_tokens for a prompt scored without generation", async () => {
		const {server, client} = await startServe();
		const before = await histogram(server.baseUrl);
		await client.completions.create({model: MODEL, prompt: 'alpha beta', max_tokens: 0, echo: true} as OpenAI.CompletionCreateParamsNonStreaming);
		const after = await histogram(server.baseUrl);
		expect(after.count - before.count).toBe(1);
		expect(after.sum - before.sum).toBe(1);
	});
});

describe("specsim serve: a completion's max_tokens defaults to 16, as vLLM's CompletionRequest (OpenAI's default)", () => {
	it('omitted: at most 16 tokens (exactly 16 with ignore_eos, finish_reason length), observed as 16', async () => {
		const {server, client} = await startServe();
		const before = await histogram(server.baseUrl);
		const out = await client.completions.create({
			model: MODEL,
			prompt: 'Once upon a time',
			ignore_eos: true,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		expect(out.usage?.completion_tokens).toBe(16);
		expect(out.choices[0]?.finish_reason).toBe('length');
		const after = await histogram(server.baseUrl);
		expect(after.count - before.count).toBe(1);
		expect(after.sum - before.sum).toBe(16);
	});

	it("an explicit null is the default 16 too (the newest request model's normalize_null_max_tokens), not no limit as in chat", async () => {
		const {server} = await startServe();
		const before = await histogram(server.baseUrl);
		const response = await fetch(`${server.baseUrl}/v1/completions`, {
			method: 'POST',
			body: JSON.stringify({model: MODEL, prompt: 'Once upon a time', max_tokens: null, ignore_eos: true}),
		});
		expect(response.status).toBe(200);
		expect(((await response.json()) as {usage: {completion_tokens: number}}).usage.completion_tokens).toBe(16);
		const after = await histogram(server.baseUrl);
		expect(after.sum - before.sum).toBe(16);
	});
});
