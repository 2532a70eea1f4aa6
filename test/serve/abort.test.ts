import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {counter, MODEL, type Running, startServe} from './serve-harness.js';

/** Poll `read` until it returns true (the engine acts on its own clock; nothing here measures time). */
async function until(read: () => Promise<boolean> | boolean): Promise<void> {
	while (!(await read())) await new Promise(resolve => setTimeout(resolve, 10));
}

/** Wait until the aborted request is counted and the engine holds nothing: no request, no KV block. */
async function expectAbortCounted(r: Running): Promise<void> {
	const base = r.server.baseUrl;
	await until(async () => (await counter(base, 'vllm:request_success_total', 'finished_reason="abort"')) === 1);
	expect(r.server.engine.numInFlight).toBe(0);
	expect(await counter(base, 'vllm:num_requests_running')).toBe(0);
	expect(await counter(base, 'vllm:kv_cache_usage_perc')).toBe(0);
	for (const engine of r.session.built.engines) expect(engine.kv.usage).toBe(0);
	expect(await counter(base, 'vllm:request_success_total', 'finished_reason="length"')).toBe(0);
}

describe('specsim serve: a client that disconnects aborts its request in the engine', () => {
	it('a streaming client that aborts mid-stream: the request finishes with reason abort, its KV is freed, it is counted', async () => {
		// One virtual second per wall second: 3000 tokens take far longer than the test runs.
		const r = await startServe({speed: 1});
		const controller = new AbortController();
		const stream = await r.client.completions.create(
			{model: MODEL, prompt: 'long', max_tokens: 3000, ignore_eos: true, stream: true} as OpenAI.CompletionCreateParamsStreaming,
			{signal: controller.signal},
		);
		let chunks = 0;
		// The SDK ends the iteration quietly when its own signal aborts it.
		for await (const _ of stream) if (++chunks === 3) controller.abort();
		expect(chunks).toBeGreaterThanOrEqual(3);
		await expectAbortCounted(r);
	});

	it('a non-streaming client that aborts while its request runs: abort, KV freed, counted', async () => {
		const r = await startServe({speed: 1});
		const controller = new AbortController();
		const pending = r.client.chat.completions.create(
			{
				model: MODEL,
				messages: [{role: 'user', content: 'write a lot'}],
				max_tokens: 3000,
				ignore_eos: true,
			} as OpenAI.ChatCompletionCreateParamsNonStreaming,
			{signal: controller.signal},
		);
		await until(() => r.server.engine.numInFlight === 1);
		// Let the engine give it some tokens first: it is running, not queued.
		await until(() => [...r.session.built.engines[0]!.requests()].some(q => q.numOutputTokens > 0));
		controller.abort();
		await expect(pending).rejects.toThrow(OpenAI.APIUserAbortError);
		await expectAbortCounted(r);
	});

	it('n=3 streams: disconnecting aborts all three choices', async () => {
		const r = await startServe({speed: 1});
		const controller = new AbortController();
		const stream = await r.client.completions.create(
			{model: MODEL, prompt: 'long', max_tokens: 3000, ignore_eos: true, stream: true, n: 3} as OpenAI.CompletionCreateParamsStreaming,
			{signal: controller.signal},
		);
		for await (const _ of stream) controller.abort();
		const base = r.server.baseUrl;
		await until(async () => (await counter(base, 'vllm:request_success_total', 'finished_reason="abort"')) === 3);
		expect(r.server.engine.numInFlight).toBe(0);
		for (const engine of r.session.built.engines) expect(engine.kv.usage).toBe(0);
	});
});
