/**
 * Invariants of `specsim serve` under 200 concurrent clients of the official openai SDK: every
 * request is answered exactly once, and what the clients were told adds up to what `/metrics`
 * counted over the same requests (nothing else runs: no background traffic).
 */
import OpenAI from 'openai';
import {afterEach, describe, expect, it} from 'vitest';
import {parsePromLine} from '../../src/calibrate/prometheus.js';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import type {SimRequest} from '../../src/engine/request.js';
import type {Speed} from '../../src/runtime/runner.js';
import {Session} from '../../src/runtime/session.js';
import {type OpenAiServer, startOpenAiServer} from '../../src/server/openai-server.js';

const MODEL = 'served/model';
const CLIENTS = 200;

type Served = {server: OpenAiServer; session: Session; client: OpenAI; finished: SimRequest[]; done: Promise<void>};
const served: Served[] = [];

/** The default preset, clients only, on a free port; `finished` collects the engine's finished requests. */
async function serve(speed: Speed): Promise<Served> {
	const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '3'});
	const session = new Session(resolved.config, {seed: resolved.seed, speed, traceLines: []});
	const finished: SimRequest[] = [];
	session.subscribe({onStep: outcome => finished.push(...outcome.finished)});
	const server = await startOpenAiServer(session, {port: 0, servedModelNames: [MODEL], modelPath: MODEL});
	const client = new OpenAI({baseURL: `${server.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 120_000});
	const s = {server, session, client, finished, done: session.runner.run()};
	served.push(s);
	return s;
}

afterEach(async () => {
	for (const s of served.splice(0)) {
		await s.server.close();
		s.session.runner.stop();
		await s.done;
	}
});

/** Every sample of a text exposition, summed per family name over the series matching `where`. */
async function scrape(baseUrl: string): Promise<(name: string, where?: Record<string, string>) => number> {
	const text = await (await fetch(`${baseUrl}/metrics`)).text();
	const samples = text.split('\n').flatMap(line => {
		const parsed = parsePromLine(line);
		return parsed.kind === 'sample' ? [parsed.sample] : [];
	});
	return (name, where = {}) =>
		samples.filter(s => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

type Answer = {
	n: number;
	promptTokens: number;
	completionTokens: number;
	finishReasons: string[];
};

/** Client `i`'s request: completions and chat, `n` 1 or 2, with and without `ignore_eos`, stop strings. */
async function ask(client: OpenAI, i: number): Promise<Answer> {
	const n = i % 5 === 0 ? 2 : 1;
	const extra = {ignore_eos: i % 3 === 0, ...(i % 7 === 0 ? {stop: [' the']} : {})};
	if (i % 2 === 0) {
		const out = await client.completions.create({
			model: MODEL,
			prompt: `client ${i} asks for a completion`,
			max_tokens: 8 + (i % 40) * 8,
			n,
			...extra,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		return {
			n,
			promptTokens: out.usage!.prompt_tokens,
			completionTokens: out.usage!.completion_tokens,
			finishReasons: out.choices.map(c => c.finish_reason),
		};
	}
	const out = await client.chat.completions.create({
		model: MODEL,
		messages: [{role: 'user', content: `client ${i} asks for a chat answer`}],
		max_completion_tokens: 8 + (i % 40) * 8,
		n,
		...extra,
	} as OpenAI.ChatCompletionCreateParamsNonStreaming);
	return {
		n,
		promptTokens: out.usage!.prompt_tokens,
		completionTokens: out.usage!.completion_tokens,
		finishReasons: out.choices.map(c => c.finish_reason),
	};
}

describe(`specsim serve: invariants under ${CLIENTS} concurrent openai SDK clients`, () => {
	it('non-streaming: one answer per request, and usage, finish reasons and spec-decode counts add up to the /metrics counters', async () => {
		const {server, client, finished} = await serve('max');
		const before = await scrape(server.baseUrl);
		const settled = await Promise.allSettled(Array.from({length: CLIENTS}, (_, i) => ask(client, i)));
		const after = await scrape(server.baseUrl);
		const growth = (name: string, where?: Record<string, string>) => after(name, where) - before(name, where);

		// Every request answered, successfully, with one finish reason per choice; nothing left in flight.
		const rejected = settled.filter(s => s.status === 'rejected');
		expect(rejected.map(r => String(r.reason))).toEqual([]);
		const answers = settled.map(s => (s as PromiseFulfilledResult<Answer>).value);
		expect(answers.every(a => a.finishReasons.length === a.n)).toBe(true);
		expect(server.engine.numInFlight).toBe(0);
		const choices = answers.flatMap(a => a.finishReasons);
		const count = (reason: string) => choices.filter(r => r === reason).length;
		expect(count('stop') + count('length')).toBe(choices.length);
		// Both kinds occur, so the per-reason checks below are not vacuous.
		expect(count('stop')).toBeGreaterThan(0);
		expect(count('length')).toBeGreaterThan(0);

		// Each choice is one engine request that finished exactly once, for the reason the client saw.
		expect(finished).toHaveLength(choices.length);
		expect(new Set(finished).size).toBe(finished.length);
		expect(growth('vllm:request_success_total')).toBe(choices.length);
		expect(growth('vllm:request_success_total', {finished_reason: 'stop'})).toBe(count('stop'));
		expect(growth('vllm:request_success_total', {finished_reason: 'length'})).toBe(count('length'));

		// Tokens: what usage reported is what the engine counted (a prompt is prefilled once per choice).
		const completionTokens = answers.reduce((s, a) => s + a.completionTokens, 0);
		expect(growth('vllm:generation_tokens_total')).toBe(completionTokens);
		expect(growth('vllm:prompt_tokens_total')).toBe(answers.reduce((s, a) => s + a.promptTokens * a.n, 0));
		expect(growth('vllm:request_generation_tokens_sum')).toBe(completionTokens);
		expect(growth('vllm:request_generation_tokens_count')).toBe(choices.length);

		// Speculative decoding: the requests' own draft and accepted counts sum to the counters' growth.
		const drafted = finished.reduce((s, r) => s + r.numDraftTokens, 0);
		const accepted = finished.reduce((s, r) => s + r.numAcceptedDraftTokens, 0);
		expect(drafted).toBeGreaterThan(0);
		expect(growth('vllm:spec_decode_num_draft_tokens_total')).toBe(drafted);
		expect(growth('vllm:spec_decode_num_accepted_tokens_total')).toBe(accepted);
		expect(growth('vllm:spec_decode_num_accepted_tokens_per_pos_total')).toBe(accepted);
	});
});
