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
import {type OpenAiServer, type OpenAiServerOptions, startOpenAiServer} from '../../src/server/openai-server.js';

const MODEL = 'served/model';
const CLIENTS = 200;
/**
 * Virtual seconds per wall second for the streaming test: fast enough to keep it short, slow
 * enough that the simulated TTFT is a real wall-clock wait (tens of milliseconds).
 */
const SPEED = 2;
const EPSILON_MS = 1e-6;

type Served = {server: OpenAiServer; session: Session; client: OpenAI; finished: SimRequest[]; done: Promise<void>};
const served: Served[] = [];

/** The default preset, clients only, on a free port; `finished` collects the engine's finished requests. */
async function serve(speed: Speed, options: Partial<OpenAiServerOptions> = {}): Promise<Served> {
	const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '3'});
	const session = new Session(resolved.config, {seed: resolved.seed, speed, traceLines: []});
	const finished: SimRequest[] = [];
	session.subscribe({onStep: outcome => finished.push(...outcome.finished)});
	const server = await startOpenAiServer(session, {port: 0, servedModelNames: [MODEL], modelPath: MODEL, ...options});
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

type StreamAnswer = {
	n: number;
	promptTokens: number;
	completionTokens: number;
	finishReasons: string[];
	/** Chunks with a finish reason, per choice index. */
	finishChunks: number[];
	/** Chunks carrying usage (the last one, with `include_usage`). */
	usageChunks: number;
	/** Wall milliseconds from sending to each choice's first text (or its finish chunk if it has none). */
	ttftMs: number[];
	/** vLLM's per-request metrics from the usage chunk (one generation stream: n == 1). */
	metrics: PerRequestMetrics | undefined;
};

/** The part of vLLM's per-request `metrics` object the invariants read. */
type PerRequestMetrics = {
	time_to_first_token_ms: number;
	queue_time_ms: number;
	speculative_decoding: {num_draft_tokens: number; num_accepted_draft_tokens: number};
};

/** Client `i`'s streamed request: completions and chat, `n` 1 or 2, with and without `ignore_eos`, stop strings. */
async function askStreaming(client: OpenAI, i: number): Promise<StreamAnswer> {
	// n = 1: vLLM attaches per-request metrics only to a single generation stream.
	const n = 1;
	const extra = {ignore_eos: i % 3 === 0, ...(i % 7 === 0 ? {stop: [' the']} : {}), stream: true, stream_options: {include_usage: true}};
	const maxTokens = 8 + (i % 20) * 8;
	const answer: StreamAnswer = {
		n,
		promptTokens: 0,
		completionTokens: 0,
		finishReasons: [],
		finishChunks: Array(n).fill(0),
		usageChunks: 0,
		ttftMs: [],
		metrics: undefined,
	};
	const firstText = new Map<number, number>();
	const sent = performance.now();
	const see = (
		index: number,
		text: string | null | undefined,
		finish: string | null,
		usage: OpenAI.CompletionUsage | null | undefined,
		metrics?: PerRequestMetrics,
	) => {
		if (metrics !== undefined) answer.metrics = metrics;
		// A choice whose whole text a stop string removes shows its first output in its finish chunk.
		if (text || finish !== null) firstText.set(index, firstText.get(index) ?? performance.now() - sent);
		if (finish !== null) {
			answer.finishChunks[index]! += 1;
			answer.finishReasons.push(finish);
		}
		if (usage) {
			answer.usageChunks++;
			answer.promptTokens = usage.prompt_tokens;
			answer.completionTokens = usage.completion_tokens;
		}
	};
	if (i % 2 === 0) {
		const stream = await client.completions.create({
			model: MODEL,
			prompt: `client ${i} asks for a streamed completion`,
			max_tokens: maxTokens,
			n,
			...extra,
		} as OpenAI.CompletionCreateParamsStreaming);
		for await (const chunk of stream) {
			for (const c of chunk.choices) see(c.index, c.text, c.finish_reason, undefined);
			if (chunk.choices.length === 0) see(0, undefined, null, chunk.usage, (chunk as {metrics?: PerRequestMetrics}).metrics);
		}
	} else {
		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: [{role: 'user', content: `client ${i} asks for a streamed chat answer`}],
			max_completion_tokens: maxTokens,
			n,
			...extra,
		} as OpenAI.ChatCompletionCreateParamsStreaming);
		for await (const chunk of stream) {
			for (const c of chunk.choices) see(c.index, c.delta.content, c.finish_reason, undefined);
			if (chunk.choices.length === 0) see(0, undefined, null, chunk.usage, (chunk as {metrics?: PerRequestMetrics}).metrics);
		}
	}
	answer.ttftMs = [...firstText.values()];
	return answer;
}

describe(`specsim serve: invariants (${CLIENTS} concurrent openai SDK clients; one at a time for the TTFT bound)`, () => {
	it('non-streaming: one answer per request, and usage, finish reasons and spec-decode counts add up to the /metrics counters', async () => {
		const {server, client, finished} = await serve('max');
		const atStart = await scrape(server.baseUrl);
		const settled = await Promise.allSettled(Array.from({length: CLIENTS}, (_, i) => ask(client, i)));
		const atEnd = await scrape(server.baseUrl);
		const growth = (name: string, where?: Record<string, string>) => atEnd(name, where) - atStart(name, where);

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

	it('streaming: one finish chunk per choice and one usage chunk per stream; usage, finish reasons and tokens add up to /metrics; client TTFT is never below the simulated one', async () => {
		const speed = SPEED;
		const {server, client, finished} = await serve(speed, {perRequestSpecDecodeMetrics: 'summary', enablePerRequestMetrics: true});
		const atStart = await scrape(server.baseUrl);
		const settled = await Promise.allSettled(Array.from({length: CLIENTS}, (_, i) => askStreaming(client, i)));
		const atEnd = await scrape(server.baseUrl);
		const growth = (name: string, where?: Record<string, string>) => atEnd(name, where) - atStart(name, where);

		const rejected = settled.filter(s => s.status === 'rejected');
		expect(rejected.map(r => String(r.reason))).toEqual([]);
		const answers = settled.map(s => (s as PromiseFulfilledResult<StreamAnswer>).value);
		expect(server.engine.numInFlight).toBe(0);
		// Exactly one terminal chunk per choice and one usage chunk per stream.
		for (const a of answers) {
			expect(a.finishChunks).toEqual(Array.from({length: a.n}, () => 1));
			expect(a.usageChunks).toBe(1);
		}
		const choices = answers.flatMap(a => a.finishReasons);
		expect(finished).toHaveLength(choices.length);
		const count = (reason: string) => choices.filter(r => r === reason).length;
		expect(count('stop')).toBeGreaterThan(0);
		expect(count('length')).toBeGreaterThan(0);
		expect(growth('vllm:request_success_total', {finished_reason: 'stop'})).toBe(count('stop'));
		expect(growth('vllm:request_success_total', {finished_reason: 'length'})).toBe(count('length'));
		const completionTokens = answers.reduce((s, a) => s + a.completionTokens, 0);
		expect(growth('vllm:generation_tokens_total')).toBe(completionTokens);

		// vLLM's per-request spec-decode metrics (each stream's usage chunk) sum to the counters' growth.
		const metrics = answers.map(a => a.metrics!);
		expect(answers.flatMap((a, i) => (a.metrics === undefined ? [i] : []))).toEqual([]);
		const drafted = metrics.reduce((s, m) => s + m.speculative_decoding.num_draft_tokens, 0);
		expect(drafted).toBeGreaterThan(0);
		expect(growth('vllm:spec_decode_num_draft_tokens_total')).toBe(drafted);
		expect(growth('vllm:spec_decode_num_accepted_tokens_total')).toBe(
			metrics.reduce((s, m) => s + m.speculative_decoding.num_accepted_draft_tokens, 0),
		);
		// Per request, the client's TTFT is at least the simulated one the response reports
		// (queued → scheduled → first token, virtual milliseconds) over the speed.
		for (const a of answers) {
			const simulatedMs = (a.metrics!.queue_time_ms + a.metrics!.time_to_first_token_ms) / SPEED;
			expect(a.ttftMs[0]!, `client ${answers.indexOf(a)}`).toBeGreaterThanOrEqual(simulatedMs - EPSILON_MS);
		}

		// TTFT: a client cannot see its first token before the simulated TTFT has passed in wall time
		// (virtual seconds / speed): the request arrives at the wall clock's virtual time and its token
		// is released when the runner reaches the token's. Per request that is client >= simulated /
		// speed (EPSILON_MS absorbs float rounding); sorting both keeps the inequality element by
		// element, so no request needs matching. No upper bound: a loaded machine may be late.
		const seen = answers.flatMap(a => a.ttftMs).sort((a, b) => a - b);
		const simulated = finished.map(r => ((r.firstTokenAt - r.arrivalAt) / speed) * 1000).sort((a, b) => a - b);
		expect(seen).toHaveLength(simulated.length);
		for (let i = 0; i < seen.length; i++) expect(seen[i]!, `rank ${i}`).toBeGreaterThanOrEqual(simulated[i]! - EPSILON_MS);
	});

	it('one client at a time on an idle engine at --speed 1: each request arrives at its own virtual time, so its first token never comes sooner than the simulated TTFT', async () => {
		// Between ticks an idle runner sleeps: a request stamped at the last tick's virtual time
		// would have its first token released up to a tick before its simulated TTFT has passed.
		const {client, finished} = await serve(1);
		for (let i = 0; i < 40; i++) {
			const sent = performance.now();
			const stream = await client.completions.create({
				model: MODEL,
				prompt: `request ${i}`,
				max_tokens: 2,
				ignore_eos: true,
				stream: true,
			} as OpenAI.CompletionCreateParamsStreaming);
			let firstMs = Number.NaN;
			for await (const chunk of stream) if (Number.isNaN(firstMs) && chunk.choices[0]?.text) firstMs = performance.now() - sent;
			const request = finished.at(-1)!;
			expect(finished).toHaveLength(i + 1);
			expect(firstMs, `request ${i}`).toBeGreaterThanOrEqual((request.firstTokenAt - request.arrivalAt) * 1000 - EPSILON_MS);
		}
	});
});
