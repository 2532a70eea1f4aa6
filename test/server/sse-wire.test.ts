import {readFileSync, writeFileSync} from 'node:fs';
import {request} from 'node:http';
import {resolve} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import {Session} from '../../src/runtime/session.js';
import {type OpenAiServerOptions, startOpenAiServer} from '../../src/server/openai-server.js';

/**
 * The bytes `specsim serve` streams, pinned: status, headers (all but `date`) and the whole SSE
 * body of fixed-seed requests at `--speed max`, compared with a golden file recorded from the
 * first implementation (Hono's `streamSSE` over Web Streams, one write per chunk). Any transport
 * (how the frames reach the socket, how they are grouped into writes) must send the same bytes.
 *
 * `SPECSIM_WRITE_SSE_GOLDEN=1` rewrites the golden file (only when the chunk shapes change on purpose).
 */
const GOLDEN = resolve(import.meta.dirname, 'sse-wire.golden.json');
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

type Exchange = {path: string; body: object; status: number; headers: Record<string, string>; response: string};

/** POST on a fresh connection; the raw body as received (chunked framing removed by Node's parser). */
function post(baseUrl: string, path: string, body: object): Promise<Exchange> {
	const payload = JSON.stringify(body);
	return new Promise((ok, fail) => {
		const req = request(
			`${baseUrl}${path}`,
			{method: 'POST', agent: false, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)}},
			res => {
				const parts: Buffer[] = [];
				res.on('data', (part: Buffer) => parts.push(part));
				res.on('end', () => {
					const headers: Record<string, string> = {};
					for (const [name, value] of Object.entries(res.headers)) if (name !== 'date') headers[name] = String(value);
					ok({path, body, status: res.statusCode ?? 0, headers, response: Buffer.concat(parts).toString('utf8')});
				});
				res.on('error', fail);
			},
		);
		req.on('error', fail);
		req.end(payload);
	});
}

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const stop of stops.splice(0)) await stop();
});

/** A server on the default preset, seed 0, at max speed, idle clock waiting for requests (as the serve tests). */
async function serve(options: Partial<OpenAiServerOptions> = {}): Promise<string> {
	const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '0'});
	const session = new Session(resolved.config, {seed: resolved.seed, speed: 'max', waitWhenIdle: true, traceLines: []});
	const server = await startOpenAiServer(session, {port: 0, servedModelNames: [MODEL], modelPath: MODEL, ...options});
	const done = session.runner.run();
	stops.push(async () => {
		await server.close();
		session.runner.stop();
		await done;
	});
	return server.baseUrl;
}

const CASES: ReadonlyArray<{options: Partial<OpenAiServerOptions>; requests: ReadonlyArray<[string, object]>}> = [
	{
		options: {},
		requests: [
			['/v1/completions', {model: MODEL, prompt: 'Once upon a time', max_tokens: 48, ignore_eos: true, stream: true}],
			[
				'/v1/completions',
				{
					prompt: ['first prompt', 'second prompt'],
					max_tokens: 24,
					n: 2,
					stop: [' the', ' and'],
					stream: true,
					stream_options: {include_usage: true, continuous_usage_stats: true},
				},
			],
			[
				'/v1/chat/completions',
				{
					messages: [{role: 'user', content: 'Tell me a story'}],
					max_completion_tokens: 30,
					n: 2,
					stream: true,
					stream_options: {include_usage: true},
				},
			],
			[
				'/v1/chat/completions',
				{
					messages: [{role: 'user', content: 'hi'}],
					max_tokens: 9,
					min_tokens: 3,
					stream: true,
					stream_options: {include_usage: true, continuous_usage_stats: true},
				},
			],
			['/v1/chat/completions', {model: 'nope', messages: [{role: 'user', content: 'x'}], stream: true}],
			['/v1/completions', {prompt: 'x', max_tokens: 0, stream: true}],
		],
	},
	{
		options: {perRequestSpecDecodeMetrics: 'detailed', enablePerRequestMetrics: true, enableForceIncludeUsage: true},
		requests: [
			['/v1/completions', {prompt: 'metrics please', max_tokens: 40, ignore_eos: true, stream: true}],
			['/v1/chat/completions', {messages: [{role: 'user', content: 'and here'}], max_tokens: 20, stream: true}],
		],
	},
];

/** Every case's exchanges, each server's requests one after another (the virtual clock is then reproducible). */
async function record(): Promise<Exchange[]> {
	const out: Exchange[] = [];
	for (const {options, requests} of CASES) {
		const baseUrl = await serve(options);
		for (const [path, body] of requests) out.push(await post(baseUrl, path, body));
	}
	return out;
}

describe('serve: SSE bytes on the wire', () => {
	it('fixed-seed streams send byte-identical headers and bodies to the golden recording', async () => {
		const exchanges = await record();
		if (process.env['SPECSIM_WRITE_SSE_GOLDEN'] === '1') writeFileSync(GOLDEN, `${JSON.stringify(exchanges, null, '\t')}\n`);
		const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Exchange[];
		expect(exchanges.length).toBe(golden.length);
		for (let i = 0; i < golden.length; i++) expect(exchanges[i]).toEqual(golden[i]);
		// The recording is of real streams: several chunks each, ending with [DONE].
		const streamed = golden.filter(e => e.status === 200);
		expect(streamed.length).toBe(6);
		for (const e of streamed) {
			expect(e.response.endsWith('data: [DONE]\n\n')).toBe(true);
			expect(e.response.split('\n\n').length).toBeGreaterThan(5);
		}
	});
});
