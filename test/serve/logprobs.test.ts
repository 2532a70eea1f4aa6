import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {MODEL, sseData, startServe} from './serve-harness.js';

type CompletionLogprobs = {
	text_offset: number[];
	token_logprobs: (number | null)[];
	tokens: string[];
	top_logprobs: (Record<string, number> | null)[];
};
type ChatToken = {token: string; logprob: number; bytes: number[] | null; top_logprobs: {token: string; logprob: number; bytes: number[]}[]};

/** A choice's logprobs, completions' or chat's shape. */
type Choice = {logprobs: (CompletionLogprobs & {content: ChatToken[]}) | null};
type Body = {choices: Choice[]};

async function post(baseUrl: string, path: string, body: object): Promise<{status: number; text: string; json: Body}> {
	const response = await fetch(`${baseUrl}${path}`, {method: 'POST', body: JSON.stringify(body)});
	const text = await response.text();
	return {status: response.status, text, json: 'stream' in body ? {choices: []} : (JSON.parse(text) as Body)};
}

/** Every streamed chunk's choice, parsed. */
function streamedChoices(text: string): Choice[] {
	return sseData(text)
		.filter(d => d !== '[DONE]')
		.map(d => JSON.parse(d))
		.flatMap(chunk => (chunk as Body).choices);
}

describe('completions logprobs (vLLM CompletionLogProbs)', () => {
	it('greedy: one entry per generated token, the token first in its top_logprobs and the most likely, values <= 0 sorted, offsets cumulative', async () => {
		const {client} = await startServe();
		const out = await client.completions.create({model: MODEL, prompt: 'Once upon a time', max_tokens: 40, temperature: 0, logprobs: 3});
		const choice = out.choices[0]!;
		const lp = choice.logprobs as unknown as CompletionLogprobs;
		expect(lp.tokens).toHaveLength(out.usage!.completion_tokens);
		expect(lp.tokens.join('')).toBe(choice.text);
		let offset = 0;
		lp.tokens.forEach((token, i) => {
			expect(lp.text_offset[i]).toBe(offset);
			offset += token.length;
			const top = lp.top_logprobs[i]!;
			// No integer-like token strings here, so Object.keys keeps the written order.
			const keys = Object.keys(top);
			// Greedy: the sampled token is rank 1, so the dict holds exactly the top 3 with it first.
			expect(keys).toHaveLength(3);
			expect(keys[0]).toBe(token);
			expect(top[token]).toBe(lp.token_logprobs[i]);
			const values = keys.map(k => top[k]!);
			expect([...values].sort((a, b) => b - a)).toEqual(values);
			for (const v of values) expect(v).toBeLessThanOrEqual(0);
			// float32 values, as vLLM's tensors hold them.
			for (const v of values) expect(Math.fround(v)).toBe(v);
		});
	});

	it('deterministic from seed and request, independent of N and of streaming; another seed differs', async () => {
		const a = await startServe();
		const b = await startServe();
		const c = await startServe({seed: '9'});
		const request = {model: MODEL, prompt: 'Tell me about tea', max_tokens: 24, logprobs: 2, temperature: 0.8};
		const x = (await a.client.completions.create(request)).choices[0]!.logprobs as unknown as CompletionLogprobs;
		const y = (await b.client.completions.create(request)).choices[0]!.logprobs as unknown as CompletionLogprobs;
		const z = (await c.client.completions.create(request)).choices[0]!.logprobs as unknown as CompletionLogprobs;
		expect(y).toEqual(x);
		expect(z.token_logprobs).not.toEqual(x.token_logprobs);
		const five = (await b.client.completions.create({...request, logprobs: 5})).choices[0]!.logprobs as unknown as CompletionLogprobs;
		expect(five.token_logprobs).toEqual(x.token_logprobs);
		const streamed = await post(a.server.baseUrl, '/v1/completions', {...request, stream: true});
		const chunks = streamedChoices(streamed.text).map(ch => ch.logprobs!);
		expect(chunks.flatMap(ch => ch.tokens)).toEqual(x.tokens);
		expect(chunks.flatMap(ch => ch.token_logprobs)).toEqual(x.token_logprobs);
		expect(chunks.flatMap(ch => ch.top_logprobs)).toEqual(x.top_logprobs);
		expect(chunks.flatMap(ch => ch.text_offset)).toEqual(x.text_offset);
	});

	it('sampling at temperature 1.5: a token outside the top N is added first to its dict (N + 1 entries), as vLLM does', async () => {
		const {client} = await startServe();
		const out = await client.completions.create({
			model: MODEL,
			prompt: 'Write freely',
			max_tokens: 200,
			temperature: 1.5,
			logprobs: 1,
			ignore_eos: true,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		const lp = out.choices[0]!.logprobs as unknown as CompletionLogprobs;
		const sizes = lp.top_logprobs.map(t => Object.keys(t!).length);
		expect(new Set(sizes)).toEqual(new Set([1, 2]));
		lp.top_logprobs.forEach((top, i) => {
			const keys = Object.keys(top!);
			expect(keys[0]).toBe(lp.tokens[i]);
			// Outside the top 1: the other key is the most likely token, more likely than the sampled one.
			if (keys.length === 2) expect(top![keys[1]!]).toBeGreaterThan(top![keys[0]!]!);
		});
	});

	it('logprobs 0: only the sampled token', async () => {
		const {server} = await startServe();
		const {json} = await post(server.baseUrl, '/v1/completions', {model: MODEL, prompt: 'x', max_tokens: 5, logprobs: 0, ignore_eos: true});
		const lp = json.choices[0]!.logprobs!;
		expect(lp.top_logprobs.map(t => Object.keys(t!))).toEqual(lp.tokens.map(t => [t]));
	});

	it("plausible: at temperature 0 the median probability of the chosen token is the acceptance model's first-position rate", async () => {
		const {client, session} = await startServe();
		const rate = session.built.expected().conditionalRates[0]!;
		const out = await client.completions.create({
			model: MODEL,
			prompt: 'A long answer',
			max_tokens: 400,
			temperature: 0,
			logprobs: 1,
			ignore_eos: true,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		const probabilities = (out.choices[0]!.logprobs as unknown as CompletionLogprobs).token_logprobs.map(v => Math.exp(v!)).sort((a, b) => a - b);
		const median = probabilities[probabilities.length / 2]!;
		// 400 draws: the sample median of a logit-normal lies within 0.06 of its median with overwhelming probability.
		expect(Math.abs(median - rate)).toBeLessThan(0.06);
	});
});

describe('chat logprobs (vLLM ChatCompletionLogProbs)', () => {
	it('logprobs true with top_logprobs 2: token, logprob, UTF-8 bytes and two alternatives per token, streamed and not alike', async () => {
		const {client, server} = await startServe();
		const request = {
			model: MODEL,
			messages: [{role: 'user' as const, content: 'Say something.'}],
			max_completion_tokens: 30,
			logprobs: true,
			top_logprobs: 2,
		};
		const out = await client.chat.completions.create(request);
		const content = out.choices[0]!.logprobs!.content as unknown as ChatToken[];
		expect(content.map(t => t.token).join('')).toBe(out.choices[0]!.message.content);
		for (const t of content) {
			expect(t.bytes).toEqual([...Buffer.from(t.token, 'utf8')]);
			expect(t.logprob).toBeLessThanOrEqual(0);
			expect(t.top_logprobs).toHaveLength(2);
			// vLLM lists the sampled token first, then the most likely others.
			expect(t.top_logprobs[0]!.token).toBe(t.token);
			expect(t.top_logprobs[0]!.logprob).toBe(t.logprob);
			for (const alt of t.top_logprobs) expect(alt.bytes).toEqual([...Buffer.from(alt.token, 'utf8')]);
		}
		const streamed = await post(server.baseUrl, '/v1/chat/completions', {...request, stream: true});
		const chunks = streamedChoices(streamed.text);
		expect(chunks[0]!.logprobs).toBeNull();
		expect(chunks.slice(1).flatMap(ch => ch.logprobs!.content)).toEqual(content);
	});

	it('logprobs true alone: top_logprobs is an empty list; logprobs false: null', async () => {
		const {server} = await startServe();
		const messages = [{role: 'user', content: 'Hi'}];
		const on = (await post(server.baseUrl, '/v1/chat/completions', {model: MODEL, messages, max_tokens: 4, logprobs: true})).json;
		expect(on.choices[0]!.logprobs!.content.map(t => t.top_logprobs)).toEqual(on.choices[0]!.logprobs!.content.map(() => []));
		const off = (await post(server.baseUrl, '/v1/chat/completions', {model: MODEL, messages, max_tokens: 4, logprobs: false})).json;
		expect(off.choices[0]!.logprobs).toBeNull();
	});
});

describe("logprob parameters vLLM refuses (400 naming the parameter, vLLM's messages)", () => {
	const cases: [string, string, object, string, string][] = [
		[
			'/v1/completions',
			'logprobs above --max-logprobs',
			{logprobs: 21},
			'logprobs',
			'Requested sample logprobs of 21, which is greater than max allowed: 20 (parameter=logprobs, value=21)',
		],
		[
			'/v1/completions',
			'logprobs -1 (the vocabulary)',
			{logprobs: -1},
			'logprobs',
			'Requested sample logprobs of 200006, which is greater than max allowed: 20 (parameter=logprobs, value=200006)',
		],
		['/v1/completions', 'negative logprobs', {logprobs: -2}, 'logprobs', '`logprobs` must be a positive value or -1. (parameter=logprobs, value=-2)'],
		['/v1/completions', 'a string', {logprobs: 'many'}, 'logprobs', '`logprobs` must be an integer. (parameter=logprobs, value=many)'],
		[
			'/v1/completions',
			'prompt_logprobs streamed',
			{prompt_logprobs: 1, stream: true},
			'prompt_logprobs',
			'`prompt_logprobs` are not available when `stream=True`. (parameter=prompt_logprobs)',
		],
		[
			'/v1/completions',
			'prompt_logprobs too many',
			{prompt_logprobs: 30},
			'prompt_logprobs',
			'Requested prompt logprobs of 30, which is greater than max allowed: 20 (parameter=prompt_logprobs, value=30)',
		],
		[
			'/v1/chat/completions',
			'top_logprobs without logprobs',
			{top_logprobs: 3},
			'top_logprobs',
			'when using `top_logprobs`, `logprobs` must be set to true. (parameter=top_logprobs)',
		],
		[
			'/v1/chat/completions',
			'top_logprobs above the limit',
			{logprobs: true, top_logprobs: 25},
			'logprobs',
			'Requested sample logprobs of 25, which is greater than max allowed: 20 (parameter=logprobs, value=25)',
		],
		[
			'/v1/chat/completions',
			'negative top_logprobs',
			{logprobs: true, top_logprobs: -3},
			'top_logprobs',
			'`top_logprobs` must be a positive value or -1. (parameter=top_logprobs, value=-3)',
		],
	];
	it.each(cases)('%s: %s', async (path, _what, extra, param, message) => {
		const {server} = await startServe();
		const base =
			path === '/v1/completions'
				? {model: MODEL, prompt: 'hello', max_tokens: 4}
				: {model: MODEL, messages: [{role: 'user', content: 'hello'}], max_tokens: 4};
		const response = await fetch(`${server.baseUrl}${path}`, {method: 'POST', body: JSON.stringify({...base, ...extra})});
		expect(response.status).toBe(400);
		expect(await response.json()).toEqual({error: {message, type: 'BadRequestError', param, code: 400}});
	});

	it('--max-logprobs raises the limit', async () => {
		const {server} = await startServe({maxLogprobs: 30});
		const {status, json} = await post(server.baseUrl, '/v1/completions', {
			model: MODEL,
			prompt: 'hello',
			max_tokens: 2,
			logprobs: 25,
			temperature: 0,
		});
		expect(status).toBe(200);
		expect(Object.keys(json.choices[0]!.logprobs!.top_logprobs[0]!)).toHaveLength(25);
	});
});
