import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {RequestSpec} from '../../src/engine/request.js';
import {checkContextLength, type ContextLengthError} from '../../src/engine/scheduler-config.js';
import {collectFamilies, type PromFamily} from '../../src/metrics/prom/collect.js';
import {Session} from '../../src/runtime/session.js';
import {summarize} from '../../src/sim/summary.js';
import {cli} from '../cli/run-cli.js';
import {testConfig} from './helpers.js';

const sum = (families: PromFamily[], sample: string, labels: Record<string, string> = {}): number =>
	families
		.flatMap(f => f.series.flatMap(s => s.samples))
		.filter(x => x.name === sample && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
		.reduce((a, x) => a + x.value, 0);

const MAX_MODEL_LEN = 512;

/** Run `config` with the simulated API server, recording what reached the engine and what was refused. */
async function simulate(config: ReturnType<typeof testConfig>, seconds: number) {
	const session = new Session(config, {seed: 9, server: 'simulated', startEpochMs: 1_700_000_000_000});
	const sim = session.built.simulation;
	const refused: {spec: RequestSpec; error: ContextLengthError}[] = [];
	const ran: number[] = [];
	sim.subscribe({
		onRejected: (spec, error) => refused.push({spec, error}),
		onStep: out => {
			for (const r of out.finished) ran.push(r.promptTokens);
		},
	});
	sim.runUntil(seconds);
	return {session, sim, refused, ran, m: await collectFamilies(session.registry)};
}

describe('a prompt that does not fit max_model_len in run / generate', () => {
	it('is refused with HTTP 400 before the engine, as vLLM does: never shortened, no engine metric sees it, the 4xx is counted', async () => {
		// Half the prompts are 600 tokens (vllm bench serve --random-input-len 600 against --max-model-len 512).
		const config = testConfig({
			scheduler: {maxModelLen: MAX_MODEL_LEN},
			workload: {
				arrival: {kind: 'poisson', rate: 4},
				classes: [
					{name: 'long', weight: 1, prompt: {kind: 'fixed', value: 600}, output: {kind: 'fixed', value: 50}},
					{name: 'short', weight: 1, prompt: {kind: 'fixed', value: 100}, output: {kind: 'fixed', value: 50}},
				],
			},
		});
		const {session, sim, refused, ran, m} = await simulate(config, 60);
		expect(refused.length).toBeGreaterThan(50);
		expect(sim.numArrived).toBeGreaterThan(50);
		for (const {spec, error} of refused) {
			expect(spec.promptTokens).toBe(600);
			expect(error.message).toBe(
				"You passed 600 input tokens and requested 0 output tokens. However, the model's context length is only 512 tokens, resulting in a maximum input length of 512 tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=600)",
			);
			expect(error.param).toBe('input_tokens');
		}
		// The engine ran only the prompts that fit, unshortened.
		expect(ran.length).toBeGreaterThan(50);
		for (const prompt of ran) expect(prompt).toBe(100);
		const finished = sum(m, 'vllm:request_success_total');
		expect(finished).toBe(ran.length);
		expect(sum(m, 'vllm:request_prompt_tokens_count')).toBe(finished);
		expect(sum(m, 'vllm:request_prompt_tokens_sum')).toBe(100 * finished);
		// The API server answered every refused request with a 400, and its duration histograms saw it.
		const handler = '/v1/chat/completions';
		expect(sum(m, 'http_requests_total', {handler, method: 'POST', status: '4xx'})).toBe(refused.length);
		expect(sum(m, 'http_requests_total', {status: '2xx'})).toBe(finished);
		expect(sum(m, 'http_request_duration_highr_seconds_count')).toBe(finished + refused.length);
		expect(sum(m, 'http_request_duration_seconds_count', {handler})).toBe(finished + refused.length);
		// The summary counts them apart from the engines.
		const summary = summarize(session.built);
		expect(summary.rejected).toEqual({requests: refused.length, status: 400});
		expect(summary.engines.requests_arrived).toBe(sim.numArrived);
	});

	it('a multi-turn conversation whose resent history outgrows max_model_len ends at the refused turn, which only the API server sees', async () => {
		const config = testConfig({
			scheduler: {maxModelLen: MAX_MODEL_LEN},
			workload: {
				arrival: {kind: 'poisson', rate: 1},
				classes: [
					{
						name: 'chat',
						weight: 1,
						prompt: {kind: 'fixed', value: 100},
						output: {kind: 'fixed', value: 60},
						conversation: {turns: {kind: 'fixed', value: 10}, userTokens: {kind: 'fixed', value: 40}, thinkTime: 1},
					},
				],
			},
		});
		const {session, sim, refused, ran, m} = await simulate(config, 200);
		// Turn n's prompt is 100 + 100·(n−1) tokens up to turn 5 (500), whose output is cut at 512 (12
		// tokens, finish reason length): turn 6 resends 500 + 12 + 40 = 552 tokens and is refused.
		expect(refused.length).toBeGreaterThan(20);
		for (const {spec, error} of refused) {
			expect(spec.turn).toBe(6);
			expect(spec.promptTokens).toBe(552);
			expect(error.message).toContain('You passed 552 input tokens and requested 0 output tokens.');
		}
		for (const prompt of ran) expect(prompt).toBeLessThan(MAX_MODEL_LEN);
		expect(sum(m, 'http_requests_total', {status: '4xx'})).toBe(refused.length);
		expect(sum(m, 'vllm:request_success_total')).toBe(ran.length);
		const c = summarize(session.built).conversations!;
		expect(c.ended_at_max_model_len).toBe(refused.length);
		expect(c.ended).toBe(refused.length);
		expect(summarize(session.built).rejected?.requests).toBe(sim.numRejected);
	});

	it("is the rule serve answers with, in the newest vLLM's words (its renderer's TokenizeParams, then SamplingParams)", () => {
		expect(checkContextLength(511, undefined, 512)).toBeUndefined();
		// Exactly max_model_len without max_tokens passes the renderer; the default max_tokens is then 0.
		expect(checkContextLength(512, undefined, 512)).toEqual({
			message: 'max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)',
			param: 'max_tokens',
		});
		expect(checkContextLength(513, null, 512)).toEqual({
			message:
				"You passed 513 input tokens and requested 0 output tokens. However, the model's context length is only 512 tokens, resulting in a maximum input length of 512 tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=513)",
			param: 'input_tokens',
		});
		expect(checkContextLength(512, 1, 512)?.param).toBe('input_tokens');
		expect(checkContextLength(500, 12, 512)).toBeUndefined();
		expect(checkContextLength(500, 13, 512)).toEqual({
			message:
				"You passed 500 input tokens and requested 13 output tokens. However, the model's context length is only 512 tokens, resulting in a maximum input length of 499 tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=500)",
			param: 'input_tokens',
		});
		expect(checkContextLength(1, 600, 512)).toEqual({
			message: 'max_tokens=600 cannot be greater than max_model_len=512. Please request fewer output tokens. (parameter=max_tokens, value=600)',
			param: 'max_tokens',
		});
	});
});

describe('generate with prompts that do not fit max_model_len', () => {
	it('writes each refused request to requests.jsonl (http_status 400, its error, no engine) and counts it in metrics.prom, not in any vllm: series', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'specsim-model-len-'));
		const preset = JSON.parse(readFileSync('presets/llama-3.1-8b-eagle3.json', 'utf8'));
		preset.scheduler.maxModelLen = MAX_MODEL_LEN;
		writeFileSync(join(dir, 'preset.json'), JSON.stringify(preset));
		const out = join(dir, 'out');
		// Prompts uniform over [160, 640]: about a quarter do not fit 512.
		const flags = ['--preset', join(dir, 'preset.json'), '--duration', '30s', '--qps', '4', '--input-len', '400', '--range-ratio', '0.6'];
		const generated = await cli('generate', '--out', out, ...flags);
		expect(generated).toMatchObject({code: 0});
		const records = readFileSync(join(out, 'requests.jsonl'), 'utf8')
			.trim()
			.split('\n')
			.map(l => JSON.parse(l) as Record<string, unknown>);
		const refused = records.filter(r => r['http_status'] === 400);
		const ran = records.filter(r => r['http_status'] === undefined);
		expect(refused.length).toBeGreaterThan(10);
		expect(ran.length).toBeGreaterThan(30);
		// The closing line counts them beside the requests that ran.
		expect(generated.stderr).toMatch(new RegExp(`\\(30 virtual s, ${ran.length} requests, ${refused.length} refused with HTTP 400\\)\\n$`));
		for (const r of refused) {
			expect(Object.keys(r)).toEqual([
				'id',
				'engine',
				'arrival_time',
				'first_token_time',
				'finish_time',
				'prompt_tokens',
				'output_tokens',
				'finish_reason',
				'num_preemptions',
				'http_status',
				'error',
			]);
			expect(r['prompt_tokens'] as number).toBeGreaterThanOrEqual(MAX_MODEL_LEN);
			expect(r).toMatchObject({engine: null, first_token_time: null, finish_reason: null, output_tokens: 0});
			const n = r['prompt_tokens'] as number;
			expect(r['error']).toBe(
				n === MAX_MODEL_LEN
					? 'max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)'
					: `You passed ${n} input tokens and requested 0 output tokens. However, the model's context length is only 512 tokens, resulting in a maximum input length of 512 tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=${n})`,
			);
			expect(r['finish_time'] as number).toBeGreaterThan(r['arrival_time'] as number);
		}
		for (const r of ran) expect(r['prompt_tokens'] as number).toBeLessThan(MAX_MODEL_LEN);
		const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
		expect(summary.rejected).toEqual({requests: refused.length, status: 400});
		expect(summary.engines.requests_finished).toBe(ran.length);
		const prom = readFileSync(join(out, 'metrics.prom'), 'utf8');
		const value = (re: RegExp) => Number(prom.match(re)?.[1]);
		expect(value(/^http_requests_total\{handler="\/v1\/chat\/completions",method="POST",status="4xx"\} (\S+)$/m)).toBe(refused.length);
		// Every finished request, whatever its reason (a long prompt's output is cut at 512: length).
		const successes = [...prom.matchAll(/^vllm:request_success_total\{[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
		expect(successes).toBe(ran.length);
	});
});
