import {describe, expect, it} from 'vitest';
import {Registry} from 'prom-client';
import {
	INTER_TOKEN_LATENCY_BUCKETS,
	REQUEST_LATENCY_BUCKETS,
	TIME_TO_FIRST_TOKEN_BUCKETS,
	build125Buckets,
} from '../../../src/metrics/stats/vllm-buckets.js';
import {CORE_FAMILIES, createCoreProm, FINISH_REASONS} from '../../../src/metrics/prom/core-prom.js';
import {finished} from './scenario.js';
import type {FinishReason} from '../../../src/engine/request.js';
import {collectFamilies} from '../../../src/metrics/prom/collect.js';
import {getMetrics, type Histogram} from '../../../src/metrics/reader.js';

describe('build125Buckets (vLLM build_1_2_5_buckets)', () => {
	it('matches the docstring example and stops at max_value', () => {
		expect(build125Buckets(100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
		expect(build125Buckets(1)).toEqual([1]);
		expect(build125Buckets(4096)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]);
		expect(build125Buckets(131072)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]);
	});

	it('rejects a max_value without a bucket', () => {
		expect(() => build125Buckets(0)).toThrow(new RangeError('maxValue must be a positive integer, got 0'));
		expect(() => build125Buckets(2.5)).toThrow(RangeError);
	});

	it("keeps vLLM's latency bucket lists", () => {
		expect(TIME_TO_FIRST_TOKEN_BUCKETS).toHaveLength(22);
		expect(TIME_TO_FIRST_TOKEN_BUCKETS.at(-1)).toBe(2560);
		expect(INTER_TOKEN_LATENCY_BUCKETS).toHaveLength(19);
		expect(INTER_TOKEN_LATENCY_BUCKETS.at(-1)).toBe(80);
		expect(REQUEST_LATENCY_BUCKETS).toHaveLength(21);
		expect(REQUEST_LATENCY_BUCKETS.at(-1)).toBe(7680);
	});
});

describe('createCoreProm', () => {
	it("declares vLLM's families in vLLM's order, all series at 0 but the awake state", async () => {
		const registry = new Registry();
		createCoreProm({registry, modelName: 'm', engine: 0, maxModelLen: 100});
		const families = await collectFamilies(registry);
		expect(families.map(f => `${f.name} ${f.type}`)).toEqual([
			'vllm:estimated_flops_per_gpu counter',
			'vllm:estimated_read_bytes_per_gpu counter',
			'vllm:estimated_write_bytes_per_gpu counter',
			'vllm:num_requests_running gauge',
			'vllm:num_requests_waiting gauge',
			'vllm:num_requests_waiting_by_reason gauge',
			'vllm:engine_sleep_state gauge',
			'vllm:kv_cache_usage_perc gauge',
			'vllm:prefix_cache_queries counter',
			'vllm:prefix_cache_hits counter',
			'vllm:external_prefix_cache_queries counter',
			'vllm:external_prefix_cache_hits counter',
			'vllm:mm_cache_queries counter',
			'vllm:mm_cache_hits counter',
			'vllm:num_preemptions counter',
			'vllm:prompt_tokens counter',
			'vllm:prompt_tokens_by_source counter',
			'vllm:prompt_tokens_cached counter',
			'vllm:generation_tokens counter',
			'vllm:request_success counter',
			'vllm:request_prompt_tokens histogram',
			'vllm:request_generation_tokens histogram',
			'vllm:iteration_tokens_total histogram',
			'vllm:request_max_num_generation_tokens histogram',
			'vllm:request_params_n histogram',
			'vllm:request_params_max_tokens histogram',
			'vllm:time_to_first_token_seconds histogram',
			'vllm:inter_token_latency_seconds histogram',
			'vllm:request_time_per_output_token_seconds histogram',
			'vllm:e2e_request_latency_seconds histogram',
			'vllm:request_queue_time_seconds histogram',
			'vllm:request_inference_time_seconds histogram',
			'vllm:request_prefill_time_seconds histogram',
			'vllm:request_decode_time_seconds histogram',
			'vllm:request_prefill_kv_computed_tokens histogram',
		]);
		for (const family of families) {
			for (const series of family.series)
				for (const sample of series.samples) expect(sample.value).toBe(series.labels['sleep_state'] === 'awake' ? 1 : 0);
		}
		const promptTokens = families.find(f => f.name === 'vllm:request_prompt_tokens')!;
		const buckets = promptTokens.series[0]!.samples.filter(s => s.name.endsWith('_bucket')).map(s => s.labels['le']);
		expect(buckets).toEqual(['1.0', '2.0', '5.0', '10.0', '20.0', '50.0', '100.0', '+Inf']);
	});

	it('shows the deprecated families only with showHiddenMetrics, fed like their successors', async () => {
		const hidden = Object.values(CORE_FAMILIES)
			.filter(f => 'hidden' in f)
			.map(f => f.name);
		expect(hidden).toEqual([
			'vllm:gpu_cache_usage_perc',
			'vllm:gpu_prefix_cache_queries',
			'vllm:gpu_prefix_cache_hits',
			'vllm:time_per_output_token_seconds',
		]);
		const registry = new Registry();
		const core = createCoreProm({registry, modelName: 'm', engine: 0, maxModelLen: 100, showHiddenMetrics: true});
		core.setQueue(1, 0, 0.5);
		core.addPrefixCache(10, 4);
		core.observeInterTokenLatency(0.02, 3);
		const metrics = await getMetrics(registry);
		const find = (name: string) => metrics.find(m => m.name === name);
		expect(find('vllm:gpu_cache_usage_perc')).toMatchObject({kind: 'gauge', value: 0.5});
		expect(find('vllm:gpu_prefix_cache_queries')).toMatchObject({kind: 'counter', value: 10});
		expect(find('vllm:gpu_prefix_cache_hits')).toMatchObject({kind: 'counter', value: 4});
		expect((find('vllm:time_per_output_token_seconds') as Histogram).count).toBe(3);
		const plain = new Registry();
		createCoreProm({registry: plain, modelName: 'm', engine: 0, maxModelLen: 100});
		const names = (await collectFamilies(plain)).map(f => f.name);
		for (const name of hidden) expect(names).not.toContain(name);
	});

	it("pre-creates request_success reason-major across engines, like vLLM's loop", async () => {
		const registry = new Registry();
		createCoreProm({registry, modelName: 'm', engine: 0, maxModelLen: 10});
		createCoreProm({registry, modelName: 'm', engine: 1, maxModelLen: 10});
		const success = (await collectFamilies(registry)).find(f => f.name === 'vllm:request_success')!;
		expect(success.series.map(s => `${s.labels['finished_reason']}/${s.labels['engine']}`)).toEqual([
			'stop/0',
			'stop/1',
			'length/0',
			'length/1',
			'abort/0',
			'abort/1',
			'error/0',
			'error/1',
			'repetition/0',
			'repetition/1',
		]);
		expect(FINISH_REASONS).toEqual(['stop', 'length', 'abort', 'error', 'repetition']);
	});

	it("the engine's FinishReason has every member of vLLM's enum, so each pre-created series can be fed", () => {
		// Type-checked: a FinishReason without `repetition` (vLLM's FinishReason.REPETITION = 4) does not compile.
		const engineReasons: Record<FinishReason, number> = {stop: 0, length: 1, abort: 2, error: 3, repetition: 4};
		expect(Object.keys(engineReasons)).toEqual([...FINISH_REASONS]);
	});

	it('records gauges, counters and histograms per engine', async () => {
		const registry = new Registry();
		const e0 = createCoreProm({registry, modelName: 'm', engine: 0, maxModelLen: 1000});
		const e1 = createCoreProm({registry, modelName: 'm', engine: 1, maxModelLen: 1000});
		e0.setQueue(3, 2, 0.5);
		e0.setQueue(4, 1, 0.75); // gauges keep the last value
		e0.addTokens(100, 3);
		e0.addTokens(0, 5);
		e0.observeTimeToFirstToken(0.25); // on a bucket bound: counted in le="0.25"
		e0.observeInterTokenLatency(0.02, 4);
		e0.observeInterTokenLatency(100);
		e0.finishRequest(finished({finishReason: 'length', e2eLatency: 12, numGenerationTokens: 8}));
		e1.finishRequest(finished({finishReason: 'stop', e2eLatency: 0.1, numGenerationTokens: 1}));

		const metrics = await getMetrics(registry);
		const value = (name: string, engine: string, reason?: string) =>
			metrics.find(m => m.name === name && m.labels['engine'] === engine && (reason === undefined || m.labels['finished_reason'] === reason));
		expect(value('vllm:num_requests_running', '0')).toMatchObject({kind: 'gauge', value: 4});
		expect(value('vllm:num_requests_waiting', '0')).toMatchObject({kind: 'gauge', value: 1});
		expect(value('vllm:kv_cache_usage_perc', '0')).toMatchObject({kind: 'gauge', value: 0.75});
		expect(value('vllm:num_requests_running', '1')).toMatchObject({kind: 'gauge', value: 0});
		expect(value('vllm:prompt_tokens', '0')).toMatchObject({kind: 'counter', value: 100});
		expect(value('vllm:generation_tokens', '0')).toMatchObject({kind: 'counter', value: 8});
		expect(value('vllm:request_success', '0', 'length')).toMatchObject({kind: 'counter', value: 1});
		expect(value('vllm:request_success', '0', 'stop')).toMatchObject({kind: 'counter', value: 0});
		expect(value('vllm:request_success', '1', 'stop')).toMatchObject({kind: 'counter', value: 1});

		const ttft = value('vllm:time_to_first_token_seconds', '0') as Histogram;
		expect(ttft.count).toBe(1);
		expect(ttft.sum).toBe(0.25);
		expect(ttft.buckets['0.1']).toBe(0);
		expect(ttft.buckets['0.25']).toBe(1);
		expect(ttft.buckets['+Inf']).toBe(1);
		const itl = value('vllm:inter_token_latency_seconds', '0') as Histogram;
		expect(itl.count).toBe(5);
		expect(itl.sum).toBe(0.02 + 0.02 + 0.02 + 0.02 + 100);
		expect(itl.buckets['0.025']).toBe(4);
		expect(itl.buckets['80.0']).toBe(4);
		expect(itl.buckets['+Inf']).toBe(5);
		const e2e = value('vllm:e2e_request_latency_seconds', '0') as Histogram;
		expect([e2e.count, e2e.sum, e2e.buckets['10.0'], e2e.buckets['15.0']]).toEqual([1, 12, 0, 1]);
		const gen = value('vllm:request_generation_tokens', '0') as Histogram;
		expect(Object.keys(gen.buckets)).toEqual(['1.0', '2.0', '5.0', '10.0', '20.0', '50.0', '100.0', '200.0', '500.0', '1000.0', '+Inf']);
		expect([gen.buckets['5.0'], gen.buckets['10.0'], gen.sum]).toEqual([0, 1, 8]);
	});

	it('validates inputs, naming the field', () => {
		const registry = new Registry();
		const core = createCoreProm({registry, modelName: 'm', engine: 0, maxModelLen: 10, finishReasons: ['stop', 'error']});
		expect(() => core.finishRequest(finished({finishReason: 'length'}))).toThrow(
			new RangeError('finishReason must be one of stop, error, got length'),
		);
		expect(() => core.addPrefixCache(1, 2)).toThrow(new RangeError('hits must be <= queries, got 2 > 1'));
		expect(() => core.addTokens(-1, 0)).toThrow(new RangeError('prompt must be a finite number >= 0, got -1'));
		expect(() => core.setQueue(0, Number.NaN, 0)).toThrow(new RangeError('waiting must be a finite number >= 0, got NaN'));
		expect(() => core.observeInterTokenLatency(0.1, 1.5)).toThrow(new RangeError('count must be a non-negative integer, got 1.5'));
		expect(() => core.observeTimeToFirstToken(Number.POSITIVE_INFINITY)).toThrow(RangeError);
		expect(() => createCoreProm({registry, modelName: 'm', engine: 0, maxModelLen: 10, finishReasons: ['stop', 'error']})).toThrow(
			/already has a series/,
		);
		expect(() => createCoreProm({registry, modelName: 'm', engine: 1, maxModelLen: 20, finishReasons: ['stop', 'error']})).toThrow(
			/vllm:request_prompt_tokens is already registered in this registry with buckets/,
		);
		expect(() => createCoreProm({registry: new Registry(), modelName: 'm', engine: 0, maxModelLen: 10, finishReasons: []})).toThrow(RangeError);
	});
});
