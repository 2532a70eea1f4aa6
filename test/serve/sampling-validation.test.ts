import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {MODEL, startServe} from './serve-harness.js';

/*
 * vLLM's 400s for the sampling parameters, byte for byte (docs/serve.md, "Errors"): type errors are
 * pydantic's request validation as vLLM's handler renders it (type `Bad Request`, `param` the
 * cleaned `loc`); values are SamplingParams' own checks (type `BadRequestError`, the message
 * `str()` of the VLLMValidationError, `param` what it names or null).
 */

type ErrorBody = {error: {message: string; type: string; param: string | null; code: number}};

async function post(baseUrl: string, path: string, json: string): Promise<{status: number; body: unknown}> {
	const response = await fetch(`${baseUrl}${path}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: json});
	return {status: response.status, body: await response.json()};
}

const completion = (baseUrl: string, fields: string) =>
	post(baseUrl, '/v1/completions', `{"model": "${MODEL}", "prompt": "Hi", "max_tokens": 8, ${fields}}`);
const chat = (baseUrl: string, fields: string) =>
	post(baseUrl, '/v1/chat/completions', `{"model": "${MODEL}", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8, ${fields}}`);

/** One pydantic error as vLLM's validation handler renders it. */
function pydantic400(field: string, type: string, msg: string, input: string): {status: 400; body: ErrorBody} {
	const loc = `body.${field}`;
	return {
		status: 400,
		body: {
			error: {
				message: `1 validation error:\n  {'type': '${type}', 'loc': '${loc}', 'msg': '${msg}', 'input': '${input}'}`,
				type: 'Bad Request',
				param: loc,
				code: 400,
			},
		},
	};
}

/** A SamplingParams refusal. */
const sampling400 = (message: string, param: string | null = null): {status: 400; body: ErrorBody} => ({
	status: 400,
	body: {error: {message, type: 'BadRequestError', param, code: 400}},
});

const NOT_A_NUMBER = 'Input should be a valid number, unable to parse string as a number';
const FRACTIONAL = 'Input should be a valid integer, got a number with a fractional part';

describe("specsim serve: sampling parameters refused with vLLM's own 400s", () => {
	it('n: pydantic for types (a completion refuses null, chat takes it as 1), SamplingParams for the range', async () => {
		const {server} = await startServe();
		const url = server.baseUrl;
		expect(await completion(url, '"n": 1.5')).toEqual(pydantic400('n', 'int_from_float', FRACTIONAL, '1.5'));
		expect(await completion(url, '"n": "two"')).toEqual(
			pydantic400('n', 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer', 'two'),
		);
		expect(await completion(url, '"n": null')).toEqual(pydantic400('n', 'int_type', 'Input should be a valid integer', 'None'));
		expect((await chat(url, '"n": null')).status).toBe(200);
		expect(await completion(url, '"n": 0')).toEqual(sampling400('n must be at least 1, got 0.'));
		expect(await chat(url, '"n": -3')).toEqual(sampling400('n must be at least 1, got -3.'));
		expect(await completion(url, '"n": 16385')).toEqual(
			sampling400('n must be at most 16384, got 16385. To increase this limit, set the VLLM_MAX_N_SEQUENCES environment variable.'),
		);
		// Greedy sampling has one answer: vLLM refuses n > 1 at temperature 0.
		expect(await chat(url, '"n": 2, "temperature": 0')).toEqual(sampling400('n must be 1 when using greedy sampling, got 2.'));
		const served = (await completion(url, '"n": "2", "temperature": 0.5')) as {status: number; body: {choices: unknown[]}};
		expect(served.status).toBe(200);
		expect(served.body.choices).toHaveLength(2);
	});

	it('temperature: a float the pydantic way, then finite and within [0, 2], printed as Python prints a float', async () => {
		const {server} = await startServe();
		const url = server.baseUrl;
		expect(await completion(url, '"temperature": "hot"')).toEqual(pydantic400('temperature', 'float_parsing', NOT_A_NUMBER, 'hot'));
		expect(await chat(url, '"temperature": [1]')).toEqual(
			pydantic400('temperature', 'float_type', 'Input should be a valid number', '<list of 1 items>'),
		);
		expect(await completion(url, '"temperature": 3')).toEqual(
			sampling400('temperature must be in [0, 2], got 3.0. (parameter=temperature, value=3.0)', 'temperature'),
		);
		expect(await chat(url, '"temperature": -0.5')).toEqual(
			sampling400('temperature must be non-negative, got -0.5. (parameter=temperature, value=-0.5)', 'temperature'),
		);
		expect(await completion(url, '"temperature": "inf"')).toEqual(
			sampling400('temperature must be a finite number, got inf. (parameter=temperature, value=inf)', 'temperature'),
		);
		expect(await completion(url, '"temperature": 1e400')).toEqual(
			sampling400('temperature must be a finite number, got inf. (parameter=temperature, value=inf)', 'temperature'),
		);
		for (const accepted of ['2', '"0.7"', ' " 1_0e-1 "', 'true', 'null'])
			expect((await chat(url, `"temperature": ${accepted}`)).status, accepted).toBe(200);
	});

	it('seed and min_tokens: pydantic types, then min_tokens at least 0', async () => {
		const {server} = await startServe();
		const url = server.baseUrl;
		expect(await completion(url, '"seed": 0.5')).toEqual(pydantic400('seed', 'int_from_float', FRACTIONAL, '0.5'));
		expect(await chat(url, '"seed": {"a": 1}')).toEqual(pydantic400('seed', 'int_type', 'Input should be a valid integer', '<dict of 1 items>'));
		expect((await chat(url, '"seed": -1')).status).toBe(200);
		expect(await chat(url, '"min_tokens": null')).toEqual(pydantic400('min_tokens', 'int_type', 'Input should be a valid integer', 'None'));
		expect(await completion(url, '"min_tokens": 2.5')).toEqual(pydantic400('min_tokens', 'int_from_float', FRACTIONAL, '2.5'));
		expect(await completion(url, '"min_tokens": -1')).toEqual(sampling400('min_tokens must be greater than or equal to 0, got -1.'));
		expect(await completion(url, '"min_tokens": 9')).toEqual(sampling400('min_tokens must be less than or equal to max_tokens=8, got 9.'));
	});

	it("top_p, top_k, min_p and the penalties, which specsim accepted whatever their value: vLLM's ranges", async () => {
		const {server} = await startServe();
		const url = server.baseUrl;
		expect(await completion(url, '"top_p": 0')).toEqual(sampling400('top_p must be in (0, 1], got 0.0. (parameter=top_p, value=0.0)', 'top_p'));
		expect(await chat(url, '"top_p": 1.5')).toEqual(sampling400('top_p must be in (0, 1], got 1.5. (parameter=top_p, value=1.5)', 'top_p'));
		expect(await completion(url, '"top_k": -2')).toEqual(sampling400('top_k must be 0 (disable), or at least 1, got -2.'));
		expect(await chat(url, '"min_p": 2')).toEqual(sampling400('min_p must be in [0, 1], got 2.0.'));
		expect(await completion(url, '"presence_penalty": 2.5')).toEqual(sampling400('presence_penalty must be in [-2, 2], got 2.5.'));
		expect(await chat(url, '"frequency_penalty": -3')).toEqual(sampling400('frequency_penalty must be in [-2, 2], got -3.0.'));
		expect(await completion(url, '"repetition_penalty": 0')).toEqual(sampling400('repetition_penalty must be greater than zero, got 0.0.'));
		expect(await completion(url, '"stop": ["", "x"]')).toEqual(sampling400('stop cannot contain an empty string.'));
		expect((await chat(url, '"top_p": 0.9, "top_k": -1, "min_p": 0.1, "presence_penalty": 1, "repetition_penalty": 1.2')).status).toBe(200);
	});

	it("several refused fields are one 400 in the request model's field order; SamplingParams checks in its order", async () => {
		const {server} = await startServe();
		const url = server.baseUrl;
		const out = await chat(url, '"min_tokens": "x", "temperature": "y", "n": 0.5');
		expect(out).toEqual({
			status: 400,
			body: {
				error: {
					message: [
						'3 validation errors:',
						`  {'type': 'int_from_float', 'loc': 'body.n', 'msg': '${FRACTIONAL}', 'input': '0.5'}`,
						`  {'type': 'float_parsing', 'loc': 'body.temperature', 'msg': '${NOT_A_NUMBER}', 'input': 'y'}`,
						"  {'type': 'int_parsing', 'loc': 'body.min_tokens', 'msg': 'Input should be a valid integer, unable to parse string as an integer', 'input': 'x'}",
					].join('\n'),
					type: 'Bad Request',
					param: 'body.n',
					code: 400,
				},
			},
		});
		// n is checked before temperature, temperature before min_tokens.
		expect(await completion(url, '"n": 0, "temperature": 9, "min_tokens": -1')).toEqual(sampling400('n must be at least 1, got 0.'));
		expect(await completion(url, '"temperature": 9, "min_tokens": -1')).toEqual(
			sampling400('temperature must be in [0, 2], got 9.0. (parameter=temperature, value=9.0)', 'temperature'),
		);
	});

	it('the openai SDK sees the same errors (status, type, param, message)', async () => {
		const {client} = await startServe();
		await expect(client.completions.create({model: MODEL, prompt: 'Hi', max_tokens: 4, n: 0})).rejects.toMatchObject({
			status: 400,
			error: {message: 'n must be at least 1, got 0.', type: 'BadRequestError', param: null, code: 400},
		});
		await expect(
			client.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'Hi'}], max_completion_tokens: 4, temperature: 2.5}),
		).rejects.toMatchObject({
			status: 400,
			error: {message: 'temperature must be in [0, 2], got 2.5. (parameter=temperature, value=2.5)', type: 'BadRequestError', param: 'temperature'},
		});
		await expect(
			client.completions.create({model: MODEL, prompt: 'Hi', max_tokens: 4, min_tokens: -2} as OpenAI.CompletionCreateParamsNonStreaming),
		).rejects.toMatchObject({status: 400, error: {message: 'min_tokens must be greater than or equal to 0, got -2.', param: null}});
		await expect(client.completions.create({model: MODEL, prompt: 'Hi', max_tokens: 4, seed: 1.5})).rejects.toMatchObject({
			status: 400,
			error: {type: 'Bad Request', param: 'body.seed'},
		});
	});
});
