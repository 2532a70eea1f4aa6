import {encode} from 'gpt-tokenizer';
import {describe, expect, it} from 'vitest';
import {counter, MODEL, sseData, startServe} from './serve-harness.js';

/**
 * `echo: true` with `max_tokens: 0` (prompt scoring): vLLM's completion protocol turns it into an
 * engine request of `max_tokens=1` (`echo_without_generation`), and serving answers with the
 * prompt alone: the prompt's text and, with `logprobs`, its logprobs; the engine's one token is
 * left out of the text but counted in `usage.completion_tokens` (docs/serve.md).
 */
const PROMPT = 'The capital of France is';

type Choice = {
	index: number;
	text: string;
	finish_reason: string | null;
	logprobs: {tokens: string[]; token_logprobs: (number | null)[]; text_offset: number[]; top_logprobs: (Record<string, number> | null)[]} | null;
	prompt_logprobs: (Record<string, {logprob: number}> | null)[] | null;
};
type Body = {choices: Choice[]; usage: {prompt_tokens: number; completion_tokens: number; total_tokens: number}};

async function post(baseUrl: string, body: object): Promise<{status: number; json: unknown}> {
	const response = await fetch(`${baseUrl}/v1/completions`, {method: 'POST', body: JSON.stringify({model: MODEL, ...body})});
	return {status: response.status, json: await response.json()};
}

async function histogram(baseUrl: string, name: string): Promise<{sum: number; count: number}> {
	return {sum: await counter(baseUrl, `${name}_sum`), count: await counter(baseUrl, `${name}_count`)};
}

describe('completions echo with max_tokens 0 (prompt only)', () => {
	it('answers the prompt as the text, finish_reason length, the engine token counted in usage but not in the text', async () => {
		const {server} = await startServe();
		const {status, json} = await post(server.baseUrl, {prompt: PROMPT, echo: true, max_tokens: 0, n: 2});
		expect(status).toBe(200);
		const out = json as Body;
		expect(out.choices.map(c => [c.index, c.text, c.finish_reason, c.logprobs, c.prompt_logprobs])).toEqual([
			[0, PROMPT, 'length', null, null],
			[1, PROMPT, 'length', null, null],
		]);
		const promptTokens = encode(PROMPT).length;
		expect(out.usage).toMatchObject({prompt_tokens: promptTokens, completion_tokens: 2, total_tokens: promptTokens + 2});
	});

	it('with logprobs: the prompt tokens and their logprobs only (first None), as the prompt_logprobs say', async () => {
		const {server} = await startServe();
		const out = (await post(server.baseUrl, {prompt: PROMPT, echo: true, max_tokens: 0, logprobs: 1, temperature: 0})).json as Body;
		const choice = out.choices[0]!;
		const ids = encode(PROMPT);
		const lp = choice.logprobs!;
		expect(lp.tokens.join('')).toBe(PROMPT);
		expect(lp.tokens).toHaveLength(ids.length);
		expect(lp.token_logprobs[0]).toBeNull();
		expect(lp.top_logprobs[0]).toBeNull();
		expect(lp.text_offset[0]).toBe(0);
		// The same values as the prompt logprobs of the choice (keyed by the prompt's token ids).
		const prompt = choice.prompt_logprobs!;
		expect(prompt).toHaveLength(ids.length);
		expect(prompt[0]).toBeNull();
		for (let i = 1; i < ids.length; i++) expect(lp.token_logprobs[i]).toBe(prompt[i]![String(ids[i])]!.logprob);
	});

	it('streamed: one chunk per choice carrying the prompt with finish_reason length, then usage with the engine token', async () => {
		const {server} = await startServe();
		const response = await fetch(`${server.baseUrl}/v1/completions`, {
			method: 'POST',
			body: JSON.stringify({model: MODEL, prompt: PROMPT, echo: true, max_tokens: 0, stream: true, stream_options: {include_usage: true}}),
		});
		const events = sseData(await response.text());
		expect(events.at(-1)).toBe('[DONE]');
		const chunks = events.slice(0, -1).map(e => JSON.parse(e) as Body);
		const choices = chunks.flatMap(c => c.choices);
		expect(choices.map(c => [c.text, c.finish_reason])).toEqual([[PROMPT, 'length']]);
		expect(chunks.at(-1)!.usage).toMatchObject({prompt_tokens: encode(PROMPT).length, completion_tokens: 1});
	});

	it('the engine runs it as a one-token request: prefill counted, one generation token, finished by length, latency observed', async () => {
		const {server} = await startServe();
		const promptTokens = encode(PROMPT).length;
		const names = ['vllm:prompt_tokens_total', 'vllm:generation_tokens_total', 'vllm:request_success_total'] as const;
		const before = await Promise.all(names.map(name => counter(server.baseUrl, name)));
		const lengthBefore = await counter(server.baseUrl, 'vllm:request_success_total', 'finished_reason="length"');
		const e2eBefore = await histogram(server.baseUrl, 'vllm:e2e_request_latency_seconds');
		expect((await post(server.baseUrl, {prompt: PROMPT, echo: true, max_tokens: 0})).status).toBe(200);
		const after = await Promise.all(names.map(name => counter(server.baseUrl, name)));
		expect(after.map((v, i) => v - before[i]!)).toEqual([promptTokens, 1, 1]);
		expect((await counter(server.baseUrl, 'vllm:request_success_total', 'finished_reason="length"')) - lengthBefore).toBe(1);
		const e2e = await histogram(server.baseUrl, 'vllm:e2e_request_latency_seconds');
		expect(e2e.count - e2eBefore.count).toBe(1);
		expect(e2e.sum - e2eBefore.sum).toBeGreaterThan(0);
	});

	it("max_tokens 0 without echo, or below 0, is vLLM's 400 naming max_tokens; chat has no prompt-only form", async () => {
		const {server} = await startServe();
		for (const [body, value] of [
			[{prompt: PROMPT, max_tokens: 0}, 0],
			[{prompt: PROMPT, max_tokens: -3, echo: true}, -3],
		] as const) {
			const {status, json} = await post(server.baseUrl, body);
			expect(status).toBe(400);
			expect(json).toEqual({
				error: {
					message: `max_tokens must be at least 1, got ${value}. (parameter=max_tokens, value=${value})`,
					type: 'BadRequestError',
					param: 'max_tokens',
					code: 400,
				},
			});
		}
		const chat = await fetch(`${server.baseUrl}/v1/chat/completions`, {
			method: 'POST',
			body: JSON.stringify({model: MODEL, messages: [{role: 'user', content: 'x'}], max_tokens: 0, echo: true}),
		});
		expect(chat.status).toBe(400);
		expect(((await chat.json()) as {error: {message: string; param: string}}).error).toMatchObject({
			message: 'max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)',
			param: 'max_tokens',
		});
	});
});
