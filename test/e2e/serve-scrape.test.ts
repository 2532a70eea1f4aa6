/**
 * End to end: the built `specsim serve` answers openai SDK clients while Debian's real
 * `prometheus` scrapes its `/metrics` every second. Nothing else runs in the engine (no background
 * traffic), so once the clients are done, the vllm:* series Prometheus stored must equal what the
 * clients were told, exactly: tokens, requests by finish reason, histogram counts.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import OpenAI from 'openai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI, promQuery, startPrometheus, until, teardown} from './harness.js';

const MODEL = 'e2e/served-model';
/** Clients at once, and requests each sends back to back: a few wall seconds of load at --speed 1. */
const CLIENTS = 8;
const REQUESTS_EACH = 4;

let dir = '';
let serve: ChildProcess | undefined;
let prometheus: ChildProcess | undefined;
let serveStderr = '';
let servePort = 0;
let promUrl = '';

/** Everything the clients were told. */
const told = {choices: 0, stop: 0, length: 0, promptTokens: 0, completionTokens: 0};

/** The single series `promql` gives, as a number. */
async function scalar(promql: string): Promise<number> {
	const reply = await promQuery(promUrl, promql);
	if (reply.status !== 'success') throw new Error(`${promql}: ${reply.errorType}: ${reply.error}`);
	if (reply.data.result.length !== 1) throw new Error(`${promql}: ${reply.data.result.length} series`);
	return Number(reply.data.result[0]!.value[1]);
}

beforeAll(async () => {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does)`);
	dir = mkdtempSync(join(tmpdir(), 'specsim-serve-e2e-'));
	serve = spawn(process.execPath, [CLI, 'serve', MODEL, '--headless', '--port', '0', '--speed', '1'], {stdio: ['ignore', 'ignore', 'pipe']});
	serve.stderr!.setEncoding('utf8').on('data', (chunk: string) => (serveStderr += chunk));
	await until(
		'serve to print its address',
		15_000,
		async () => {
			const match = /^specsim: serving the OpenAI-compatible API on http:\/\/127\.0\.0\.1:(\d+) /m.exec(serveStderr);
			if (match === null) throw new Error('not yet');
			servePort = Number(match[1]);
		},
		() => serveStderr,
	);
	({child: prometheus, url: promUrl} = await startPrometheus(dir, 'serve', [`127.0.0.1:${servePort}`], () => serveStderr));
	await until(
		'a first scrape',
		20_000,
		async () => expect(await scalar('up{job="serve"}')).toBe(1),
		() => serveStderr,
	);

	// The clients: completions and chats, n 1 or 2, capped by max_tokens or ended by the preset's
	// output length (256 tokens), for a few wall seconds while Prometheus scrapes.
	const client = new OpenAI({baseURL: `http://127.0.0.1:${servePort}/v1`, apiKey: 'unused', maxRetries: 0});
	const one = async (c: number, r: number) => {
		const n = (c + r) % 3 === 0 ? 2 : 1;
		const maxTokens = r % 2 === 0 ? 64 : 400;
		const out =
			c % 2 === 0
				? await client.completions.create({model: MODEL, prompt: `client ${c} request ${r}`, max_tokens: maxTokens, n})
				: await client.chat.completions.create({
						model: MODEL,
						messages: [{role: 'user', content: `client ${c} request ${r}`}],
						max_tokens: maxTokens,
						n,
					});
		told.choices += out.choices.length;
		for (const choice of out.choices) {
			if (choice.finish_reason === 'stop') told.stop++;
			if (choice.finish_reason === 'length') told.length++;
		}
		told.promptTokens += out.usage!.prompt_tokens * n;
		told.completionTokens += out.usage!.completion_tokens;
	};
	await Promise.all(
		Array.from({length: CLIENTS}, async (_, c) => {
			for (let r = 0; r < REQUESTS_EACH; r++) await one(c, r);
		}),
	);
	// Prometheus has the final values once it scraped after the last answer.
	await until(
		'a scrape after the last answer',
		20_000,
		async () => expect(await scalar('vllm:generation_tokens_total{job="serve"}')).toBe(told.completionTokens),
		() => serveStderr,
	);
}, 120_000);

afterAll(() => teardown([prometheus, serve], dir));

describe('Prometheus scraping specsim serve while openai SDK clients run', () => {
	it('the target is healthy, labelled with the served model', async () => {
		const targets = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as {data: {activeTargets: Array<{health: string; lastError: string}>}};
		expect(targets.data.activeTargets).toHaveLength(1);
		expect(targets.data.activeTargets[0]).toMatchObject({health: 'up', lastError: ''});
		const reply = await promQuery(promUrl, 'vllm:num_requests_running{job="serve"}');
		expect(reply).toMatchObject({status: 'success', data: {result: [{metric: {model_name: MODEL, engine: '0'}}]}});
	});

	it('scrapes taken during the load saw requests running; after it, none are', async () => {
		expect(await scalar('max_over_time(vllm:num_requests_running{job="serve"}[5m])')).toBeGreaterThan(0);
		expect(await scalar('vllm:num_requests_running{job="serve"}')).toBe(0);
		expect(await scalar('vllm:num_requests_waiting{job="serve"}')).toBe(0);
	});

	it("tokens: generation tokens are the clients' completion tokens, prompt tokens their prompts once per choice", async () => {
		expect(told.choices).toBeGreaterThan(CLIENTS * REQUESTS_EACH);
		expect(await scalar('vllm:generation_tokens_total{job="serve"}')).toBe(told.completionTokens);
		expect(await scalar('vllm:prompt_tokens_total{job="serve"}')).toBe(told.promptTokens);
		expect(await scalar('vllm:request_generation_tokens_sum{job="serve"}')).toBe(told.completionTokens);
	});

	it('requests: one finished request per choice, by the finish reason the client saw', async () => {
		expect(told.stop).toBeGreaterThan(0);
		expect(told.length).toBeGreaterThan(0);
		expect(await scalar('sum(vllm:request_success_total{job="serve"})')).toBe(told.choices);
		expect(await scalar('vllm:request_success_total{job="serve", finished_reason="stop"}')).toBe(told.stop);
		expect(await scalar('vllm:request_success_total{job="serve", finished_reason="length"}')).toBe(told.length);
		for (const histogram of ['vllm:e2e_request_latency_seconds', 'vllm:time_to_first_token_seconds', 'vllm:request_generation_tokens'])
			expect(await scalar(`${histogram}_count{job="serve"}`), histogram).toBe(told.choices);
	});

	it('speculative decoding: accepted tokens are at most the drafted ones, and both grew with the load', async () => {
		const drafted = await scalar('vllm:spec_decode_num_draft_tokens_total{job="serve"}');
		const accepted = await scalar('vllm:spec_decode_num_accepted_tokens_total{job="serve"}');
		expect(drafted).toBeGreaterThan(0);
		expect(accepted).toBeGreaterThan(0);
		expect(accepted).toBeLessThanOrEqual(drafted);
	});
});
