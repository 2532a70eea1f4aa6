import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {counter, MODEL, type Running, startServe} from './serve-harness.js';

const SYSTEM = `You are a careful assistant. ${'Answer in full sentences, cite your sources, and never guess. '.repeat(20)}`;

/** Token ids of a chat prompt as the server counts it. */
async function promptIds(r: Running, messages: object[]): Promise<number[]> {
	const response = await fetch(`${r.server.baseUrl}/tokenize`, {method: 'POST', body: JSON.stringify({messages})});
	return ((await response.json()) as {tokens: number[]}).tokens;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
	let i = 0;
	while (i < a.length && i < b.length && a[i] === b[i]) i++;
	return i;
}

const hits = (r: Running): Promise<number> => counter(r.server.baseUrl, 'vllm:prefix_cache_hits_total');

describe('specsim serve: prefix caching on real prompts', () => {
	it('a second prompt sharing a system prompt finds its full blocks cached: hits = the shared full blocks', async () => {
		const r = await startServe();
		const blockSize = r.session.built.engines[0]!.kv.blockSize;
		const first = [
			{role: 'system', content: SYSTEM},
			{role: 'user', content: 'What is a prime number?'},
		];
		const second = [
			{role: 'system', content: SYSTEM},
			{role: 'user', content: 'Name three rivers in Europe.'},
		];
		await r.client.chat.completions.create({model: MODEL, messages: first, max_tokens: 5} as OpenAI.ChatCompletionCreateParamsNonStreaming);
		expect(await hits(r)).toBe(0);
		await r.client.chat.completions.create({model: MODEL, messages: second, max_tokens: 5} as OpenAI.ChatCompletionCreateParamsNonStreaming);
		const shared = commonPrefix(await promptIds(r, first), await promptIds(r, second));
		expect(shared).toBeGreaterThan(10 * blockSize);
		expect(await hits(r)).toBe(Math.floor(shared / blockSize) * blockSize);
	});

	it('the next turn of a conversation hits its history: the previous prompt and answer', async () => {
		const r = await startServe();
		const blockSize = r.session.built.engines[0]!.kv.blockSize;
		const turn1 = [
			{role: 'system', content: SYSTEM},
			{role: 'user', content: 'Tell me about rivers.'},
		];
		const answer = await r.client.chat.completions.create({
			model: MODEL,
			messages: turn1,
			max_tokens: 120,
			ignore_eos: true,
		} as OpenAI.ChatCompletionCreateParamsNonStreaming);
		const before = await hits(r);
		const turn2 = [...turn1, {role: 'assistant', content: answer.choices[0]!.message.content}, {role: 'user', content: 'And lakes?'}];
		await r.client.chat.completions.create({model: MODEL, messages: turn2, max_tokens: 5} as OpenAI.ChatCompletionCreateParamsNonStreaming);
		const p1 = (await promptIds(r, turn1)).length;
		// Beyond the first prompt's blocks, the answer's blocks are found too (its tokens are the generated ones).
		expect((await hits(r)) - before).toBeGreaterThanOrEqual((Math.floor(p1 / blockSize) + 5) * blockSize);
	});

	it('completions with token-id prompts: a shared prefix of ids hits, a different one does not', async () => {
		const r = await startServe();
		const prefix = Array.from({length: 160}, (_, i) => 1000 + i);
		await r.client.completions.create({model: MODEL, prompt: [...prefix, 7, 8, 9], max_tokens: 3});
		await r.client.completions.create({model: MODEL, prompt: [...prefix, 4, 5], max_tokens: 3});
		expect(await hits(r)).toBe(160);
		await r.client.completions.create({model: MODEL, prompt: [5, ...prefix], max_tokens: 3});
		expect(await hits(r)).toBe(160);
	});

	it('--no-enable-prefix-caching: the same prompts hit nothing', async () => {
		const r = await startServe({prefixCaching: false});
		const messages = [
			{role: 'system', content: SYSTEM},
			{role: 'user', content: 'hello'},
		];
		for (let i = 0; i < 2; i++)
			await r.client.chat.completions.create({model: MODEL, messages, max_tokens: 5} as OpenAI.ChatCompletionCreateParamsNonStreaming);
		expect(r.session.config.scheduler.enablePrefixCaching).toBe(false);
		expect(await hits(r)).toBe(0);
	});
});
