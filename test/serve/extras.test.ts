import {describe, expect, it} from 'vitest';
import {MODEL, sseData, startServe} from './serve-harness.js';

type Choice = {
	index: number;
	text?: string;
	finish_reason: string | null;
	stop_reason: string | null;
	delta?: {content?: string};
	message?: {content: string};
};
type Body = {choices: Choice[]; usage: {completion_tokens: number}};

async function post(baseUrl: string, path: string, body: object): Promise<{status: number; body: Body & {error?: {param: string; message: string}}}> {
	const response = await fetch(`${baseUrl}${path}`, {method: 'POST', body: JSON.stringify({model: MODEL, ...body})});
	return {status: response.status, body: (await response.json()) as Body & {error?: {param: string; message: string}}};
}

async function streamed(baseUrl: string, path: string, body: object): Promise<Choice[]> {
	const response = await fetch(`${baseUrl}${path}`, {method: 'POST', body: JSON.stringify({model: MODEL, ...body, stream: true})});
	return sseData(await response.text())
		.filter(d => d !== '[DONE]')
		.flatMap(d => (JSON.parse(d) as Body).choices);
}

/** Stop strings the seeded text reaches within 40 words: 40 of the generator's words (it draws from about 280). */
const STOPS =
	'the of and to in is that it for was on are as with his they at be this from have or by one had not but what all were when we there can an your which their said if do'
		.split(' ')
		.map(w => ` ${w}`);

describe('include_stop_str_in_output (vLLM extension)', () => {
	it('completions: the text runs to the end of the stop string; stop_reason and usage as without it; streamed alike', async () => {
		const {server} = await startServe();
		const request = {prompt: 'List some words', max_tokens: 40, ignore_eos: true, temperature: 0, stop: STOPS};
		const cut = (await post(server.baseUrl, '/v1/completions', request)).body;
		const kept = (await post(server.baseUrl, '/v1/completions', {...request, include_stop_str_in_output: true})).body;
		const stop = cut.choices[0]!.stop_reason!;
		expect(STOPS).toContain(stop);
		expect(kept.choices[0]!.stop_reason).toBe(stop);
		expect(kept.choices[0]!.text).toBe(cut.choices[0]!.text + stop);
		expect(kept.usage).toEqual(cut.usage);
		const chunks = await streamed(server.baseUrl, '/v1/completions', {...request, include_stop_str_in_output: true});
		expect(chunks.map(ch => ch.text).join('')).toBe(kept.choices[0]!.text);
	});

	it('chat: the content keeps the stop string, streamed and not', async () => {
		const {server} = await startServe();
		const base = {messages: [{role: 'user', content: 'Say many words'}], max_tokens: 40, ignore_eos: true, stop: STOPS};
		const cut = (await post(server.baseUrl, '/v1/chat/completions', base)).body.choices[0]!;
		const kept = (await post(server.baseUrl, '/v1/chat/completions', {...base, include_stop_str_in_output: true})).body.choices[0]!;
		expect(STOPS).toContain(cut.stop_reason);
		expect(kept.message!.content).toBe(cut.message!.content + cut.stop_reason);
		const chunks = await streamed(server.baseUrl, '/v1/chat/completions', {...base, include_stop_str_in_output: true});
		expect(chunks.map(ch => ch.delta?.content ?? '').join('')).toBe(kept.message!.content);
	});
});

describe('skip_special_tokens and spaces_between_special_tokens (accepted as vLLM accepts them)', () => {
	it('booleans are accepted and change nothing (the text has no special tokens)', async () => {
		const {server} = await startServe();
		const request = {prompt: 'Hello', max_tokens: 10};
		const plain = await post(server.baseUrl, '/v1/completions', request);
		const flagged = await post(server.baseUrl, '/v1/completions', {...request, skip_special_tokens: false, spaces_between_special_tokens: false});
		expect(flagged.status).toBe(200);
		expect(flagged.body.choices[0]!.text).toBe(plain.body.choices[0]!.text);
	});

	it('a non-boolean is a 400 naming the parameter', async () => {
		const {server} = await startServe();
		for (const param of ['skip_special_tokens', 'spaces_between_special_tokens', 'include_stop_str_in_output']) {
			const {status, body} = await post(server.baseUrl, '/v1/chat/completions', {messages: [{role: 'user', content: 'x'}], [param]: 'yes'});
			expect(status).toBe(400);
			expect(body.error!.param).toBe(param);
		}
	});
});
