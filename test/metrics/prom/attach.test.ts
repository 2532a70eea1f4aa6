import {describe, expect, it} from 'vitest';
import {simConfigSchema} from '../../../src/config/schema.js';
import {attachPrometheus} from '../../../src/metrics/prom/attach.js';
import {getMetrics, type Counter, type Histogram, type Metric} from '../../../src/metrics/reader.js';
import {buildSimulation} from '../../../src/sim/build.js';

/** A small engine that must preempt: 40 blocks of 16 tokens (max_model_len 512) for prompts of 200 and outputs of 150. */
function tightConfig() {
	return simConfigSchema.parse({
		name: 'tight',
		servedModelName: 'tight',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		scheduler: {maxNumSeqs: 8, maxNumBatchedTokens: 512, maxModelLen: 512, numKvBlocks: 40},
		speculative: {method: 'eagle', numSpecTokens: 3, acceptance: {kind: 'geometric', first: 0.8, decay: 0.9}},
		workload: {
			arrival: {kind: 'poisson', rate: 20},
			classes: [{name: 'c', weight: 1, prompt: {kind: 'fixed', value: 200}, output: {kind: 'fixed', value: 150}}],
		},
		logging: {format: 'throughput'},
	});
}

const one = (metrics: Metric[], name: string, labels: Record<string, string> = {}): Metric => {
	const found = metrics.filter(m => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v));
	expect(found, name).toHaveLength(1);
	return found[0]!;
};
const value = (metrics: Metric[], name: string, labels?: Record<string, string>) => (one(metrics, name, labels) as Counter).value;
const histogram = (metrics: Metric[], name: string) => one(metrics, name) as Histogram;

describe('attachPrometheus feeds every family from the simulation', () => {
	it('keeps the identities between families that vLLM records from one request', async () => {
		const built = buildSimulation(tightConfig(), {seed: 3});
		const prom = attachPrometheus(built);
		let preemptions = 0;
		let steps = 0;
		built.simulation.subscribe({
			onStep(out) {
				preemptions += out.numPreemptions;
				steps += 1;
			},
		});
		built.simulation.runUntil(60);
		const m = await getMetrics(prom.registry);
		const finished = built.metrics[0]!.lifetime.numFinished;
		expect(finished).toBeGreaterThan(100);
		expect(preemptions).toBeGreaterThan(0);
		expect(value(m, 'vllm:num_preemptions')).toBe(preemptions);

		// One observation per finished request in every per-request histogram.
		for (const name of [
			'vllm:e2e_request_latency_seconds',
			'vllm:request_queue_time_seconds',
			'vllm:request_inference_time_seconds',
			'vllm:request_prefill_time_seconds',
			'vllm:request_decode_time_seconds',
			'vllm:request_time_per_output_token_seconds',
			'vllm:request_prompt_tokens',
			'vllm:request_generation_tokens',
			'vllm:request_max_num_generation_tokens',
			'vllm:request_params_n',
			'vllm:request_params_max_tokens',
			'vllm:request_prefill_kv_computed_tokens',
		])
			expect(histogram(m, name).count, name).toBe(finished);
		const sum = (name: string) => histogram(m, name).sum;
		// e2e = queue + inference (a request finishes at its last token); inference = prefill + decode.
		expect(sum('vllm:e2e_request_latency_seconds')).toBeCloseTo(
			sum('vllm:request_queue_time_seconds') + sum('vllm:request_inference_time_seconds'),
			6,
		);
		expect(sum('vllm:request_inference_time_seconds')).toBeCloseTo(
			sum('vllm:request_prefill_time_seconds') + sum('vllm:request_decode_time_seconds'),
			6,
		);
		// Fixed sizes: 200-token prompts, 150-token outputs, max_tokens = 512 - 200, n = 1, nothing cached.
		expect(sum('vllm:request_prompt_tokens')).toBe(200 * finished);
		expect(sum('vllm:request_generation_tokens')).toBe(150 * finished);
		expect(sum('vllm:request_params_max_tokens')).toBe(312 * finished);
		expect(sum('vllm:request_params_n')).toBe(finished);
		expect(sum('vllm:request_prefill_kv_computed_tokens')).toBe(200 * finished);
		// TPOT: decode time over the 149 tokens after the first.
		expect(sum('vllm:request_time_per_output_token_seconds')).toBeCloseTo(sum('vllm:request_decode_time_seconds') / 149, 9);
		// Tokens per step: one observation per step, summing prompt and generation tokens.
		const iteration = histogram(m, 'vllm:iteration_tokens_total');
		expect(iteration.count).toBe(steps);
		expect(iteration.sum).toBe(value(m, 'vllm:prompt_tokens') + value(m, 'vllm:generation_tokens'));
		// Without a prefix cache every prompt token is computed locally.
		expect(value(m, 'vllm:prompt_tokens_by_source', {source: 'local_compute'})).toBe(value(m, 'vllm:prompt_tokens'));
		expect(value(m, 'vllm:prompt_tokens_by_source', {source: 'local_cache_hit'})).toBe(0);
		expect(value(m, 'vllm:prompt_tokens_cached')).toBe(0);
		expect(value(m, 'vllm:request_success', {finished_reason: 'stop'})).toBe(finished);
		expect(value(m, 'vllm:engine_sleep_state', {sleep_state: 'awake'})).toBe(1);
		const info = one(m, 'vllm:cache_config_info');
		expect(info.labels).toMatchObject({block_size: '16', num_gpu_blocks: '40', num_gpu_blocks_override: '40', engine: '0'});
		expect((info as Counter).value).toBe(1);
	});

	it('labels vllm:cache_config_info with enable_prefix_caching as the simulated scheduler runs it', async () => {
		for (const [enablePrefixCaching, label] of [
			[true, 'True'],
			[false, 'False'],
		] as const) {
			const config = tightConfig();
			const built = buildSimulation({...config, scheduler: {...config.scheduler, enablePrefixCaching}}, {seed: 3});
			const m = await getMetrics(attachPrometheus(built).registry);
			expect(one(m, 'vllm:cache_config_info').labels['enable_prefix_caching'], `enablePrefixCaching ${enablePrefixCaching}`).toBe(label);
		}
	});
});
