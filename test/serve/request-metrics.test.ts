import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {counter, MODEL, startServe} from './serve-harness.js';

type SpecDecoding = {
	mean_acceptance_length: number;
	draft_acceptance_rate: number;
	acceptance_histogram: number[];
	acceptance_histogram_by_draft_length: Record<string, number[]>;
	num_spec_steps: number;
	num_accepted_draft_tokens: number;
	num_draft_tokens: number;
	num_spec_tokens: number;
	per_step_accepted?: number[] | null;
	per_step_drafted?: number[] | null;
};
type Metrics = {
	time_to_first_token_ms?: number | null;
	generation_time_ms?: number | null;
	queue_time_ms?: number | null;
	mean_itl_ms?: number | null;
	tokens_per_second?: number | null;
	speculative_decoding: SpecDecoding | null;
};
const metricsOf = (response: object): Metrics | null | undefined => (response as {metrics?: Metrics | null}).metrics;

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The identities vLLM's own test checks on a request's acceptance metrics, and k = 3 of the default preset. */
function expectConsistent(m: SpecDecoding): void {
	expect(m.num_spec_tokens).toBe(3);
	expect(m.acceptance_histogram).toHaveLength(4);
	expect(m.num_spec_steps).toBeGreaterThan(0);
	expect(m.num_spec_steps).toBe(sum(m.acceptance_histogram));
	expect(m.num_accepted_draft_tokens).toBe(sum(m.acceptance_histogram.map((count, j) => j * count)));
	expect(m.mean_acceptance_length).toBeCloseTo(1 + m.num_accepted_draft_tokens / m.num_spec_steps, 12);
	expect(m.draft_acceptance_rate).toBeCloseTo(m.num_accepted_draft_tokens / m.num_draft_tokens, 12);
	// By draft length: every row d has d+1 buckets, and the rows add up to the dense histogram.
	let steps = 0;
	const dense = [0, 0, 0, 0];
	for (const [d, row] of Object.entries(m.acceptance_histogram_by_draft_length)) {
		expect(row).toHaveLength(Number(d) + 1);
		steps += sum(row);
		row.forEach((count, j) => {
			dense[j]! += count;
		});
	}
	expect(steps).toBe(m.num_spec_steps);
	expect(dense).toEqual(m.acceptance_histogram);
}

describe("specsim serve: per-request spec-decode metrics (vLLM's --per-request-spec-decode-metrics)", () => {
	it("summary: metrics.speculative_decoding in vLLM's fields, timing fields null, no per-step arrays", async () => {
		const {client} = await startServe({perRequestSpecDecodeMetrics: 'summary'});
		const out = await client.completions.create({
			model: MODEL,
			prompt: 'alpha beta',
			max_tokens: 60,
			ignore_eos: true,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		const metrics = metricsOf(out)!;
		expect(Object.keys(metrics)).toEqual([
			'time_to_first_token_ms',
			'generation_time_ms',
			'queue_time_ms',
			'mean_itl_ms',
			'tokens_per_second',
			'speculative_decoding',
		]);
		expect(metrics.time_to_first_token_ms).toBeNull();
		const m = metrics.speculative_decoding!;
		expect(Object.keys(m)).toEqual([
			'mean_acceptance_length',
			'draft_acceptance_rate',
			'acceptance_histogram',
			'acceptance_histogram_by_draft_length',
			'num_spec_steps',
			'num_accepted_draft_tokens',
			'num_draft_tokens',
			'num_spec_tokens',
			'per_step_accepted',
			'per_step_drafted',
		]);
		expect(m.per_step_accepted).toBeNull();
		expect(m.per_step_drafted).toBeNull();
		expectConsistent(m);
		// Every output token after the first comes from a verification step: accepted drafts plus the bonus token.
		expect(m.num_spec_steps + m.num_accepted_draft_tokens).toBe(59);
	});

	it('detailed: per-step arrays, and each streamed chunk carries exactly 1 + the accepted drafts of its step', async () => {
		const {client} = await startServe({perRequestSpecDecodeMetrics: 'detailed'});
		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: [{role: 'user', content: 'alpha beta gamma'}],
			max_completion_tokens: 200,
			ignore_eos: true,
			stream: true,
			stream_options: {include_usage: true, continuous_usage_stats: true},
		} as OpenAI.ChatCompletionCreateParamsStreaming);
		const chunks: OpenAI.ChatCompletionChunk[] = [];
		for await (const chunk of stream) chunks.push(chunk);
		const last = chunks.at(-1)!;
		expect(last.choices).toEqual([]);
		const m = metricsOf(last)!.speculative_decoding!;
		// exclude_none on the final chunk: no null timing fields.
		expect(Object.keys(metricsOf(last)!)).toEqual(['speculative_decoding']);
		expectConsistent(m);
		expect(m.per_step_accepted).toHaveLength(m.num_spec_steps);
		expect(m.per_step_drafted).toHaveLength(m.num_spec_steps);
		expect(sum(m.per_step_accepted!)).toBe(m.num_accepted_draft_tokens);
		expect(sum(m.per_step_drafted!)).toBe(m.num_draft_tokens);
		// The stream's token counts per chunk: the prefill's single token, then one chunk per verification step.
		const counts = chunks.slice(1, -1).map(c => c.usage!.completion_tokens);
		const perChunk = counts.map((n, i) => n - (i === 0 ? 0 : counts[i - 1]!));
		expect(perChunk[0]).toBe(1);
		const decode = perChunk.slice(1);
		expect(decode).toHaveLength(m.num_spec_steps);
		// The last step may be cut at max_tokens (its accepted drafts are counted before the cut, as vLLM's).
		expect(decode.slice(0, -1)).toEqual(m.per_step_accepted!.slice(0, -1).map(a => a + 1));
		expect(decode.at(-1)).toBeLessThanOrEqual(m.per_step_accepted!.at(-1)! + 1);
	});

	it('summed over n=1 requests, the per-request counts equal the growth of the vllm:spec_decode_* counters', async () => {
		const {client, server} = await startServe({perRequestSpecDecodeMetrics: 'summary'});
		const names = ['vllm:spec_decode_num_drafts_total', 'vllm:spec_decode_num_draft_tokens_total', 'vllm:spec_decode_num_accepted_tokens_total'];
		const before = await Promise.all(names.map(name => counter(server.baseUrl, name)));
		const outs = await Promise.all(
			Array.from({length: 12}, (_, i) =>
				i % 2 === 0
					? client.completions.create({model: MODEL, prompt: `p${i}`, max_tokens: 20 + 10 * i})
					: client.chat.completions.create({model: MODEL, messages: [{role: 'user', content: `q${i}`}], max_tokens: 30 + 5 * i}),
			),
		);
		const after = await Promise.all(names.map(name => counter(server.baseUrl, name)));
		const ms = outs.map(o => metricsOf(o)!.speculative_decoding!);
		expect(sum(ms.map(m => m.num_spec_steps))).toBe(after[0]! - before[0]!);
		expect(sum(ms.map(m => m.num_draft_tokens))).toBe(after[1]! - before[1]!);
		expect(sum(ms.map(m => m.num_accepted_draft_tokens))).toBe(after[2]! - before[2]!);
		expect(after[0]! - before[0]!).toBeGreaterThan(0);
	});

	it('n > 1 and several prompts: metrics null (not attributable to one stream), none in the final stream chunk', async () => {
		const {client} = await startServe({perRequestSpecDecodeMetrics: 'summary', enablePerRequestMetrics: true});
		const many = await client.completions.create({model: MODEL, prompt: 'x', max_tokens: 10, n: 2});
		expect(metricsOf(many)).toBeNull();
		const prompts = await client.completions.create({model: MODEL, prompt: ['x', 'y'], max_tokens: 10});
		expect(metricsOf(prompts)).toBeNull();
		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: [{role: 'user', content: 'x'}],
			max_tokens: 10,
			n: 2,
			stream: true,
			stream_options: {include_usage: true},
		});
		let last: OpenAI.ChatCompletionChunk | undefined;
		for await (const chunk of stream) last = chunk;
		expect(last!.usage).toBeTruthy();
		expect(metricsOf(last!)).toBeUndefined();
	});

	it('off by default: metrics null; a stream without include_usage carries none', async () => {
		const {client} = await startServe();
		const out = await client.completions.create({model: MODEL, prompt: 'x', max_tokens: 10});
		expect(metricsOf(out)).toBeNull();
	});

	it('--enable-per-request-metrics: timing from the virtual clock, consistent with each other', async () => {
		const {client} = await startServe({enablePerRequestMetrics: true});
		const out = await client.completions.create({
			model: MODEL,
			prompt: 'timing',
			max_tokens: 50,
			ignore_eos: true,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		const m = metricsOf(out)!;
		expect(m.speculative_decoding).toBeNull();
		// Alone on an idle engine the request is scheduled the moment it arrives.
		expect(m.queue_time_ms).toBe(0);
		expect(m.time_to_first_token_ms).toBeGreaterThan(0);
		expect(m.generation_time_ms).toBeGreaterThan(0);
		expect(m.mean_itl_ms).toBeCloseTo(m.generation_time_ms! / 49, 9);
		expect(m.tokens_per_second).toBeCloseTo((50 / (m.time_to_first_token_ms! + m.generation_time_ms!)) * 1000, 6);
	});
});
