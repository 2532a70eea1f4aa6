import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {readProcessStats} from '../../src/server/process-stats.js';
import {counter, MODEL, type StartOptions, sseData, startServe as startHarness} from './serve-harness.js';

/** The harness's server with the API server's own families (`http_*`), as `specsim serve` has them. */
const startServe = (options: StartOptions) => startHarness({...options, session: {server: {readProcess: readProcessStats}}});

/** vLLM's `ErrorResponse` for a `GenerationError`, as its `JSONResponse` writes it (compact JSON). */
const ERROR_BODY = '{"error":{"message":"Internal server error","type":"InternalServerError","param":null,"code":500}}';
/** The same object as a stream's event: `json.dumps` with Python's default separators. */
const STREAM_ERROR = '{"error": {"message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}}';
const ERROR_LINE =
	/^ERROR \d\d-\d\d \d\d:\d\d:\d\d \[serving\.py:175\] Request (chatcmpl|cmpl)-[0-9a-f]{32} failed with an internal error during generation$/;

const post = (baseUrl: string, path: string, body: object) =>
	fetch(`${baseUrl}${path}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});

describe('specsim serve with --error-rate: a request the engine ends with error is answered as vLLM answers it', () => {
	it("non-streamed: HTTP 500 with vLLM's error JSON (chat and completions), the SDK throws InternalServerError", async () => {
		const lines: string[] = [];
		const r = await startServe({flags: {errorRate: '1'}, onLogLine: line => lines.push(line)});
		const chat = await post(r.server.baseUrl, '/v1/chat/completions', {model: MODEL, messages: [{role: 'user', content: 'hi'}], max_tokens: 5});
		expect(chat.status).toBe(500);
		expect(chat.headers.get('content-type')).toBe('application/json');
		expect(await chat.text()).toBe(ERROR_BODY);
		const completion = await post(r.server.baseUrl, '/v1/completions', {model: MODEL, prompt: 'hi', max_tokens: 5, n: 2});
		expect(completion.status).toBe(500);
		expect(await completion.text()).toBe(ERROR_BODY);
		const failure = await r.client.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'hi'}], max_tokens: 5}).catch(e => e);
		expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
		expect(failure.status).toBe(500);
		expect(failure.error).toEqual({message: 'Internal server error', type: 'InternalServerError', param: null, code: 500});
		// One ERROR line per HTTP request, naming its response id.
		expect(lines).toHaveLength(3);
		for (const line of lines) expect(line).toMatch(ERROR_LINE);
		expect(lines[1]).toContain('] Request cmpl-');
		// Every choice the engine ended is counted with finished_reason error (1 + 2 + 1).
		expect(await counter(r.server.baseUrl, 'vllm:request_success_total', 'finished_reason="error"')).toBe(4);
		expect(await counter(r.server.baseUrl, 'http_requests_total', 'status="5xx"')).toBe(3);
		expect(await counter(r.server.baseUrl, 'http_requests_total', 'status="2xx"')).toBe(0);
	});

	it("streamed: 200, the chat role chunk, vLLM's error event, [DONE]; no usage chunk; the SDK throws", async () => {
		const lines: string[] = [];
		const access: string[] = [];
		const r = await startServe({flags: {errorRate: '1'}, onLogLine: line => lines.push(line), onAccessLine: line => access.push(line)});
		const chat = await post(r.server.baseUrl, '/v1/chat/completions', {
			model: MODEL,
			messages: [{role: 'user', content: 'hi'}],
			max_tokens: 5,
			stream: true,
			stream_options: {include_usage: true},
		});
		expect(chat.status).toBe(200);
		const events = sseData(await chat.text());
		expect(events).toHaveLength(3);
		expect(JSON.parse(events[0]!).choices[0].delta).toEqual({role: 'assistant', content: ''});
		expect(events.slice(1)).toEqual([STREAM_ERROR, '[DONE]']);
		const completion = await post(r.server.baseUrl, '/v1/completions', {model: MODEL, prompt: 'hi', max_tokens: 5, stream: true});
		expect(sseData(await completion.text())).toEqual([STREAM_ERROR, '[DONE]']);
		const read = async () => {
			for await (const _ of await r.client.completions.create({model: MODEL, prompt: 'hi', max_tokens: 5, stream: true}));
		};
		const thrown = await read().catch(e => e);
		expect(thrown).toBeInstanceOf(OpenAI.APIError);
		expect(thrown.error).toEqual({message: 'Internal server error', type: 'InternalServerError', param: null, code: 500});
		expect(lines).toHaveLength(3);
		for (const line of lines) expect(line).toMatch(ERROR_LINE);
		// The status went out before the error: uvicorn logs 200, the instrumentator counts 2xx.
		expect(access.filter(line => line.includes('POST /v1/'))).toEqual(
			expect.arrayContaining([expect.stringMatching(/"POST \/v1\/chat\/completions HTTP\/1\.1" 200 OK$/)]),
		);
		expect(await counter(r.server.baseUrl, 'http_requests_total', 'status="5xx"')).toBe(0);
		expect(await counter(r.server.baseUrl, 'vllm:request_success_total', 'finished_reason="error"')).toBe(3);
	});

	it('n=4 streamed with one choice failing: the error ends the stream and the other choices are aborted in the engine', async () => {
		// Seed 1 at rate 0.5 draws the first of four requests to fail and the three others not.
		const r = await startServe({flags: {errorRate: '0.5'}, seed: '1', speed: 1});
		const response = await post(r.server.baseUrl, '/v1/completions', {
			model: MODEL,
			prompt: 'hi',
			max_tokens: 2000,
			ignore_eos: true,
			n: 4,
			stream: true,
		});
		const events = sseData(await response.text());
		expect(events.slice(-2)).toEqual([STREAM_ERROR, '[DONE]']);
		const base = r.server.baseUrl;
		for (;;) {
			const ended =
				(await counter(base, 'vllm:request_success_total', 'finished_reason="error"')) +
				(await counter(base, 'vllm:request_success_total', 'finished_reason="abort"'));
			if (ended === 4) break;
			await new Promise(resolve => setTimeout(resolve, 10));
		}
		expect(await counter(base, 'vllm:request_success_total', 'finished_reason="error"')).toBe(1);
		expect(await counter(base, 'vllm:request_success_total', 'finished_reason="abort"')).toBe(3);
		expect(await counter(base, 'vllm:request_success_total', 'finished_reason="length"')).toBe(0);
		expect(r.server.engine.numInFlight).toBe(0);
		for (const engine of r.session.built.engines) expect(engine.kv.usage).toBe(0);
	});

	it('every surface agrees at rate 0.3: 500s and error events = finished_reason="error" = ERROR lines; 5xx = non-streamed 500s', async () => {
		const lines: string[] = [];
		const access: string[] = [];
		const r = await startServe({flags: {errorRate: '0.3'}, seed: '7', onLogLine: line => lines.push(line), onAccessLine: line => access.push(line)});
		let http500 = 0;
		let streamErrors = 0;
		let ok = 0;
		for (let i = 0; i < 40; i++) {
			const stream = i % 2 === 1;
			const response = await post(r.server.baseUrl, '/v1/completions', {model: MODEL, prompt: `request ${i}`, max_tokens: 8, stream});
			if (response.status === 500) http500++;
			else if (stream && (await response.text()).includes(STREAM_ERROR)) streamErrors++;
			else ok++;
		}
		// Rate 0.3 over 40 requests: both kinds of failure and successes occur with this seed.
		expect(http500).toBeGreaterThan(0);
		expect(streamErrors).toBeGreaterThan(0);
		expect(ok).toBeGreaterThan(0);
		const base = r.server.baseUrl;
		expect(await counter(base, 'vllm:request_success_total', 'finished_reason="error"')).toBe(http500 + streamErrors);
		expect(lines).toHaveLength(http500 + streamErrors);
		expect(await counter(base, 'http_requests_total', 'status="5xx"')).toBe(http500);
		expect(access.filter(line => line.endsWith('" 500 Internal Server Error'))).toHaveLength(http500);
		expect(
			(await counter(base, 'vllm:request_success_total', 'finished_reason="stop"')) +
				(await counter(base, 'vllm:request_success_total', 'finished_reason="length"')),
		).toBe(ok);
	});
});
