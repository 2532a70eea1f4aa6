import {describe, expect, it} from 'vitest';
import {MODEL, startServe} from './serve-harness.js';

type PromptLogprob = Record<string, {logprob: number; rank: number; decoded_token: string}> | null;
type CompletionLogprobs = {token_logprobs: (number | null)[]; tokens: string[]};
type Body = {choices: {prompt_logprobs?: PromptLogprob[] | null; logprobs: CompletionLogprobs | null}[]; prompt_logprobs?: PromptLogprob[] | null};

async function post(baseUrl: string, path: string, body: object): Promise<Body> {
	const response = await fetch(`${baseUrl}${path}`, {method: 'POST', body: JSON.stringify({model: MODEL, ...body})});
	expect(response.status).toBe(200);
	return (await response.json()) as Body;
}

describe("specsim serve: a prompt's logprobs depend only on the prompt (and the seed), as a model's do", () => {
	it('completions: the same prompt gives the same prompt_logprobs whatever max_tokens, n, temperature, stop or seed field', async () => {
		const {server} = await startServe();
		const prompt = 'The quick brown fox jumps over the lazy dog';
		const base = await post(server.baseUrl, '/v1/completions', {prompt, max_tokens: 5, prompt_logprobs: 2});
		const reference = base.choices[0]!.prompt_logprobs!;
		expect(reference.length).toBeGreaterThan(5);
		for (const other of [{max_tokens: 9}, {max_tokens: 3, n: 2, temperature: 0.3}, {max_tokens: 5, stop: ['zzz'], seed: 7, ignore_eos: true}]) {
			const out = await post(server.baseUrl, '/v1/completions', {prompt, prompt_logprobs: 2, ...other});
			for (const choice of out.choices) expect(choice.prompt_logprobs, JSON.stringify(other)).toEqual(reference);
		}
		// echo with logprobs puts the same prompt logprobs first.
		const echoed = await post(server.baseUrl, '/v1/completions', {prompt, max_tokens: 4, echo: true, logprobs: 2});
		expect(echoed.choices[0]!.prompt_logprobs).toEqual(reference);
		// A different prompt has values of its own.
		const other = await post(server.baseUrl, '/v1/completions', {
			prompt: 'An entirely different prompt about tea',
			max_tokens: 5,
			prompt_logprobs: 2,
		});
		expect(other.choices[0]!.prompt_logprobs).not.toEqual(reference);
	});

	it('chat: the same messages give the same prompt_logprobs whatever max_completion_tokens or temperature', async () => {
		const {server} = await startServe();
		const messages = [{role: 'user', content: 'Name three colours'}];
		const a = await post(server.baseUrl, '/v1/chat/completions', {messages, max_completion_tokens: 4, prompt_logprobs: 1});
		const b = await post(server.baseUrl, '/v1/chat/completions', {messages, max_completion_tokens: 12, temperature: 0, prompt_logprobs: 1});
		expect(a.prompt_logprobs!.length).toBeGreaterThan(3);
		expect(b.prompt_logprobs).toEqual(a.prompt_logprobs);
	});
});
