import {describe, expect, it} from 'vitest';
import {counter, MODEL, sseData, startServe} from './serve-harness.js';

/** A long shared system prompt, then two different questions: the second finds the first's blocks. */
const SYSTEM = `Reply as a patient tutor. ${'Explain each step, check the arithmetic twice, and show the units. '.repeat(20)}`;
const ask = (question: string) => [
	{role: 'system', content: SYSTEM},
	{role: 'user', content: question},
];
const first = ask('What is 12 times 13?');
const second = ask('How many seconds are in a day?');

type Usage = {prompt_tokens: number; prompt_tokens_details: {cached_tokens: number; multimodal_tokens?: null} | null};

async function chat(baseUrl: string, body: object): Promise<string> {
	const response = await fetch(`${baseUrl}/v1/chat/completions`, {method: 'POST', body: JSON.stringify({model: MODEL, max_tokens: 5, ...body})});
	expect(response.status).toBe(200);
	return response.text();
}

describe("usage.prompt_tokens_details.cached_tokens (vLLM's --enable-prompt-tokens-details)", () => {
	it('off by default: prompt_tokens_details null, and none in the streamed usage chunk', async () => {
		const {server} = await startServe();
		const usage = (JSON.parse(await chat(server.baseUrl, {messages: first})) as {usage: Usage}).usage;
		expect(usage.prompt_tokens_details).toBeNull();
		const stream = await chat(server.baseUrl, {messages: second, stream: true, stream_options: {include_usage: true}});
		expect(stream).not.toContain('prompt_tokens_details');
	});

	it('on: the prefix-cache hit of the request, equal to the growth of vllm:prefix_cache_hits_total', async () => {
		const {server} = await startServe({enablePromptTokensDetails: true});
		const cold = (JSON.parse(await chat(server.baseUrl, {messages: first})) as {usage: Usage}).usage;
		expect(cold.prompt_tokens_details).toEqual({cached_tokens: 0, multimodal_tokens: null});
		const before = await counter(server.baseUrl, 'vllm:prefix_cache_hits_total');
		const warm = (JSON.parse(await chat(server.baseUrl, {messages: second})) as {usage: Usage}).usage;
		const grown = (await counter(server.baseUrl, 'vllm:prefix_cache_hits_total')) - before;
		expect(grown).toBeGreaterThan(100);
		expect(warm.prompt_tokens_details!.cached_tokens).toBe(grown);
	});

	it('streamed: the usage chunk carries {cached_tokens} alone (exclude_none), completions and chat', async () => {
		const {server} = await startServe({enablePromptTokensDetails: true});
		await chat(server.baseUrl, {messages: first});
		const stream = await chat(server.baseUrl, {messages: second, stream: true, stream_options: {include_usage: true}});
		const last = JSON.parse(sseData(stream).at(-2)!) as {usage: Usage};
		expect(last.usage.prompt_tokens_details!.cached_tokens).toBeGreaterThan(100);
		expect(Object.keys(last.usage.prompt_tokens_details!)).toEqual(['cached_tokens']);
		const prompt = SYSTEM.repeat(2);
		const body = {model: MODEL, prompt, max_tokens: 3, stream: true, stream_options: {include_usage: true}};
		const post = () => fetch(`${server.baseUrl}/v1/completions`, {method: 'POST', body: JSON.stringify(body)}).then(r => r.text());
		const coldText = await post();
		const warmText = await post();
		const usageOf = (text: string) => (JSON.parse(sseData(text).at(-2)!) as {usage: Usage}).usage;
		expect(usageOf(coldText).prompt_tokens_details).toEqual({cached_tokens: 0});
		expect(usageOf(warmText).prompt_tokens_details!.cached_tokens).toBeGreaterThan(usageOf(warmText).prompt_tokens - 32);
	});
});
