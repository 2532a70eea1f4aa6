import {describe, expect, it} from 'vitest';
import {MODEL, startServe} from './serve-harness.js';

type ErrorBody = {error: {message: string; type: string; param: string | null; code: number}};

/** POST a raw JSON text (so values JavaScript would not write, like `1e30`, reach the server as sent). */
async function post(baseUrl: string, path: string, json: string): Promise<{status: number; body: unknown}> {
	const response = await fetch(`${baseUrl}${path}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: json});
	return {status: response.status, body: await response.json()};
}

/** vLLM's pydantic validation 400 for one field: `str()` of the error dict after its handler cleans `loc` and summarizes `input`. */
function pydantic400(loc: string, type: string, msg: string, input: string): ErrorBody {
	return {
		error: {
			message: `1 validation error:\n  {'type': '${type}', 'loc': '${loc}', 'msg': '${msg}', 'input': '${input}'}`,
			type: 'Bad Request',
			param: loc,
			code: 400,
		},
	};
}

const FRACTIONAL = 'Input should be a valid integer, got a number with a fractional part';
const TOO_BIG = 'Unable to parse input string as an integer, exceeded maximum size';
const NOT_A_STRING_INT = 'Input should be a valid integer, unable to parse string as an integer';

describe("specsim serve: max_tokens refused with vLLM's own 400s (status, type, param, message)", () => {
	it("non-integers and numbers beyond i64 are pydantic's request-validation 400 as vLLM's handler renders it", async () => {
		const {server} = await startServe();
		const completion = (value: string) => post(server.baseUrl, '/v1/completions', `{"model": "${MODEL}", "prompt": "Hi", "max_tokens": ${value}}`);
		expect(await completion('1.5')).toEqual({status: 400, body: pydantic400('body.max_tokens', 'int_from_float', FRACTIONAL, '1.5')});
		expect(await completion('-0.25')).toEqual({status: 400, body: pydantic400('body.max_tokens', 'int_from_float', FRACTIONAL, '-0.25')});
		expect(await completion('1e30')).toEqual({status: 400, body: pydantic400('body.max_tokens', 'int_parsing_size', TOO_BIG, '1e+30')});
		expect(await completion('"abc"')).toEqual({status: 400, body: pydantic400('body.max_tokens', 'int_parsing', NOT_A_STRING_INT, 'abc')});
		expect(await completion('"2.5"')).toEqual({status: 400, body: pydantic400('body.max_tokens', 'int_parsing', NOT_A_STRING_INT, '2.5')});
		expect(await completion('[1, 2]')).toEqual({
			status: 400,
			body: pydantic400('body.max_tokens', 'int_type', 'Input should be a valid integer', '<list of 2 items>'),
		});
		const chat = (field: string, value: string) =>
			post(server.baseUrl, '/v1/chat/completions', `{"model": "${MODEL}", "messages": [{"role": "user", "content": "Hi"}], "${field}": ${value}}`);
		expect(await chat('max_completion_tokens', '2.5')).toEqual({
			status: 400,
			body: pydantic400('body.max_completion_tokens', 'int_from_float', FRACTIONAL, '2.5'),
		});
		expect(await chat('max_tokens', '1e19')).toEqual({status: 400, body: pydantic400('body.max_tokens', 'int_parsing_size', TOO_BIG, '1e+19')});
	});

	it('two refused fields are one 400 listing both, in field order, param the first', async () => {
		const {server} = await startServe();
		const out = await post(
			server.baseUrl,
			'/v1/chat/completions',
			`{"model": "${MODEL}", "messages": [{"role": "user", "content": "Hi"}], "max_completion_tokens": "x", "max_tokens": 0.5}`,
		);
		expect(out).toEqual({
			status: 400,
			body: {
				error: {
					message: `2 validation errors:\n  {'type': 'int_from_float', 'loc': 'body.max_tokens', 'msg': '${FRACTIONAL}', 'input': '0.5'}\n  {'type': 'int_parsing', 'loc': 'body.max_completion_tokens', 'msg': '${NOT_A_STRING_INT}', 'input': 'x'}`,
					type: 'Bad Request',
					param: 'body.max_tokens',
					code: 400,
				},
			},
		});
	});

	it('values pydantic\'s lax int accepts are served: "5" and 5.0 as 5, true as 1', async () => {
		const {server} = await startServe();
		for (const [value, tokens] of [
			['"5"', 5],
			['" 7 "', 7],
			['5.0', 5],
			['"6.00"', 6],
			['true', 1],
		] as const) {
			const out = await post(server.baseUrl, '/v1/completions', `{"model": "${MODEL}", "prompt": "Hi", "max_tokens": ${value}, "ignore_eos": true}`);
			expect(out.status, value).toBe(200);
			expect((out.body as {usage: {completion_tokens: number}}).usage.completion_tokens, value).toBe(tokens);
		}
	});

	it("integers pydantic accepts meet vLLM's own checks: SamplingParams' at-least-1 and the renderer's max_model_len", async () => {
		const {server, session} = await startServe();
		const completion = (value: string) => post(server.baseUrl, '/v1/completions', `{"model": "${MODEL}", "prompt": "Hi", "max_tokens": ${value}}`);
		expect(await completion('-1')).toEqual({
			status: 400,
			body: {
				error: {
					message: 'max_tokens must be at least 1, got -1. (parameter=max_tokens, value=-1)',
					type: 'BadRequestError',
					param: 'max_tokens',
					code: 400,
				},
			},
		});
		expect(await completion('false')).toEqual({
			status: 400,
			body: {
				error: {
					message: 'max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)',
					type: 'BadRequestError',
					param: 'max_tokens',
					code: 400,
				},
			},
		});
		const maxModelLen = session.config.scheduler.maxModelLen;
		expect(await completion('1e18')).toEqual({
			status: 400,
			body: {
				error: {
					message: `max_tokens=1000000000000000000 cannot be greater than max_model_len=${maxModelLen}. Please request fewer output tokens. (parameter=max_tokens, value=1000000000000000000)`,
					type: 'BadRequestError',
					param: 'max_tokens',
					code: 400,
				},
			},
		});
	});
});
