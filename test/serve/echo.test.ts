import {encode} from 'gpt-tokenizer';
import {describe, expect, it} from 'vitest';
import {MODEL, sseData, startServe} from './serve-harness.js';

type CompletionLogprobs = {
	text_offset: number[];
	token_logprobs: (number | null)[];
	tokens: string[];
	top_logprobs: (Record<string, number> | null)[];
};
type PromptLogprob = Record<string, {logprob: number; rank: number; decoded_token: string}> | null;
type Choice = {
	text: string;
	logprobs: CompletionLogprobs | null;
	prompt_logprobs: PromptLogprob[] | null;
	message: {role: string; content: string};
	delta: {role?: string; content?: string};
};
type Body = {choices: Choice[]; usage: {prompt_tokens: number; completion_tokens: number}; prompt_logprobs: PromptLogprob[] | null};

async function post(baseUrl: string, path: string, body: object): Promise<Body> {
	const response = await fetch(`${baseUrl}${path}`, {method: 'POST', body: JSON.stringify({model: MODEL, ...body})});
	expect(response.status).toBe(200);
	return (await response.json()) as Body;
}

async function stream(baseUrl: string, path: string, body: object): Promise<Choice[]> {
	const response = await fetch(`${baseUrl}${path}`, {method: 'POST', body: JSON.stringify({model: MODEL, ...body, stream: true})});
	return sseData(await response.text())
		.filter(d => d !== '[DONE]')
		.flatMap(d => (JSON.parse(d) as Body).choices);
}

const PROMPT = 'The capital of France is';

describe('completions echo (the prompt before the text, vLLM serving_completion)', () => {
	it('the text is the prompt followed by what the same request without echo generates; usage unchanged', async () => {
		const {server} = await startServe();
		const request = {prompt: PROMPT, max_tokens: 12, temperature: 0.5};
		const plain = await post(server.baseUrl, '/v1/completions', request);
		const echoed = await post(server.baseUrl, '/v1/completions', {...request, echo: true});
		expect(echoed.choices[0]!.text).toBe(PROMPT + plain.choices[0]!.text);
		expect(echoed.usage).toEqual(plain.usage);
		expect(echoed.choices[0]!.prompt_logprobs).toBeNull();
	});

	it('with logprobs: the prompt tokens come first (the first without a logprob), offsets run over prompt and text, prompt_logprobs keyed by token id', async () => {
		const {server} = await startServe();
		const out = await post(server.baseUrl, '/v1/completions', {prompt: PROMPT, max_tokens: 8, echo: true, logprobs: 2, temperature: 0});
		const choice = out.choices[0]!;
		const lp = choice.logprobs!;
		const promptIds = encode(PROMPT);
		expect(lp.tokens).toHaveLength(promptIds.length + out.usage.completion_tokens);
		expect(lp.tokens.join('')).toBe(choice.text);
		expect(lp.token_logprobs[0]).toBeNull();
		expect(lp.top_logprobs[0]).toBeNull();
		let offset = 0;
		lp.tokens.forEach((token, i) => {
			expect(lp.text_offset[i]).toBe(offset);
			offset += token.length;
		});
		const prompt = choice.prompt_logprobs!;
		expect(prompt).toHaveLength(promptIds.length);
		expect(prompt[0]).toBeNull();
		for (let j = 1; j < promptIds.length; j++) {
			const dict = prompt[j]!;
			const ids = Object.keys(dict);
			// The prompt token, then ranks 1..2 (a prompt token among them is not repeated).
			expect(ids.length === 2 || ids.length === 3).toBe(true);
			expect(dict[String(promptIds[j])]!.logprob).toBe(lp.token_logprobs[j]);
			expect(dict[String(promptIds[j])]!.decoded_token).toBe(lp.tokens[j]);
			const ranks = Object.values(dict).map(v => v.rank);
			expect(ranks.filter(r => r <= 2).sort()).toEqual([1, 2]);
		}
	});

	it('streamed: the first chunk of each choice starts with the prompt; the whole stream equals the non-streamed text and logprobs', async () => {
		const {server} = await startServe();
		const request = {prompt: PROMPT, max_tokens: 20, echo: true, logprobs: 1, n: 2};
		const whole = await post(server.baseUrl, '/v1/completions', request);
		const chunks = await stream(server.baseUrl, '/v1/completions', request);
		for (const index of [0, 1]) {
			const mine = chunks.filter(ch => (ch as unknown as {index: number}).index === index);
			expect(mine[0]!.text.startsWith(PROMPT)).toBe(true);
			expect(mine.map(ch => ch.text).join('')).toBe(whole.choices[index]!.text);
			expect(mine.flatMap(ch => ch.logprobs!.tokens)).toEqual(whole.choices[index]!.logprobs!.tokens);
			expect(mine.flatMap(ch => ch.logprobs!.token_logprobs)).toEqual(whole.choices[index]!.logprobs!.token_logprobs);
			expect(mine.flatMap(ch => ch.logprobs!.text_offset)).toEqual(whole.choices[index]!.logprobs!.text_offset);
		}
	});

	it('a token-id prompt is echoed as its text', async () => {
		const {server} = await startServe();
		const out = await post(server.baseUrl, '/v1/completions', {prompt: encode(PROMPT), max_tokens: 3, echo: true});
		expect(out.choices[0]!.text.startsWith(PROMPT)).toBe(true);
	});
});

describe('chat echo (vLLM extension: the last message when it has the answer role)', () => {
	const prefill = [
		{role: 'user', content: 'Write a haiku.'},
		{role: 'assistant', content: 'Autumn moonlight'},
	];

	it('a prefilled assistant turn is continued: content = the last message + the generated text', async () => {
		const {server} = await startServe();
		const plain = await post(server.baseUrl, '/v1/chat/completions', {messages: prefill, max_tokens: 6});
		const echoed = await post(server.baseUrl, '/v1/chat/completions', {messages: prefill, max_tokens: 6, echo: true});
		expect(echoed.choices[0]!.message.content).toBe(`Autumn moonlight${plain.choices[0]!.message.content}`);
		// echo asks vLLM for prompt logprobs (top_logprobs, default 0): one entry per prompt token.
		expect(echoed.prompt_logprobs).toHaveLength(echoed.usage.prompt_tokens);
		expect(plain.prompt_logprobs).toBeNull();
	});

	it('a last message from the user is not echoed', async () => {
		const {server} = await startServe();
		const messages = [{role: 'user', content: 'Hello there'}];
		const plain = await post(server.baseUrl, '/v1/chat/completions', {messages, max_tokens: 6});
		const echoed = await post(server.baseUrl, '/v1/chat/completions', {messages, max_tokens: 6, echo: true});
		expect(echoed.choices[0]!.message.content).toBe(plain.choices[0]!.message.content);
	});

	it('streamed: one chunk per choice with the last message right after the role chunks', async () => {
		const {server} = await startServe();
		const chunks = await stream(server.baseUrl, '/v1/chat/completions', {messages: prefill, max_tokens: 6, echo: true, n: 2});
		expect(chunks.slice(0, 4).map(ch => ch.delta)).toEqual([
			{role: 'assistant', content: ''},
			{role: 'assistant', content: ''},
			{content: 'Autumn moonlight'},
			{content: 'Autumn moonlight'},
		]);
	});

	it('add_generation_prompt false: no assistant header in the prompt, and the answer takes the last message role', async () => {
		const {server} = await startServe();
		const messages = [{role: 'user', content: 'Complete this sentence: the sky is'}];
		const withHeader = await post(server.baseUrl, '/v1/chat/completions', {messages, max_tokens: 4});
		const without = await post(server.baseUrl, '/v1/chat/completions', {messages, max_tokens: 4, add_generation_prompt: false, echo: true});
		const counted = (await (
			await fetch(`${server.baseUrl}/tokenize`, {method: 'POST', body: JSON.stringify({messages, add_generation_prompt: false})})
		).json()) as {count: number};
		expect(without.usage.prompt_tokens).toBe(counted.count);
		expect(without.usage.prompt_tokens).toBeLessThan(withHeader.usage.prompt_tokens);
		expect(without.choices[0]!.message.role).toBe('user');
		expect(without.choices[0]!.message.content.startsWith('Complete this sentence: the sky is')).toBe(true);
	});
});
