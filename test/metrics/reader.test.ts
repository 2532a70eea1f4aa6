import {describe, expect, it} from 'vitest';
import {Counter, Registry, Summary} from 'prom-client';
import {getMetrics, readFamilies, type Histogram, type Metric} from '../../src/metrics/reader.js';
import {createGoldenScenario} from './prom/scenario.js';

const LABELS0 = {model_name: 'sim-model', engine: '0'};
const LABELS1 = {model_name: 'sim-model', engine: '1'};

describe('getMetrics (vLLM get_metrics_snapshot)', () => {
	it('reads two engines: counters, vectors, gauges and histograms', async () => {
		const scenario = createGoldenScenario();
		for (let i = 0; i < 3; i++) scenario.step(i);
		const metrics = await getMetrics(scenario.registry);
		const pick = (name: string) => metrics.filter(m => m.name === name);

		// Same numbers as test/golden/two-engines-k3.prom, without `_total`.
		expect(pick('vllm:spec_decode_num_drafts')).toEqual([
			{kind: 'counter', name: 'vllm:spec_decode_num_drafts', labels: LABELS0, value: 5},
			{kind: 'counter', name: 'vllm:spec_decode_num_drafts', labels: LABELS1, value: 3},
		]);
		expect(pick('vllm:spec_decode_num_draft_tokens').map(m => (m as {value: number}).value)).toEqual([14, 7]);
		expect(pick('vllm:spec_decode_num_accepted_tokens').map(m => (m as {value: number}).value)).toEqual([7, 4]);
		expect(pick('vllm:spec_decode_num_accepted_tokens_per_pos')).toEqual([
			{kind: 'vector', name: 'vllm:spec_decode_num_accepted_tokens_per_pos', labels: LABELS0, values: [4, 2, 1]},
			{kind: 'vector', name: 'vllm:spec_decode_num_accepted_tokens_per_pos', labels: LABELS1, values: [2, 1, 1]},
		]);
		expect(pick('vllm:spec_decode_num_draft_tokens_per_pos')).toEqual([
			{kind: 'vector', name: 'vllm:spec_decode_num_draft_tokens_per_pos', labels: LABELS0, values: [5, 5, 4]},
			{kind: 'vector', name: 'vllm:spec_decode_num_draft_tokens_per_pos', labels: LABELS1, values: [3, 2, 2]},
		]);
		expect(pick('vllm:kv_cache_usage_perc')).toEqual([
			{kind: 'gauge', name: 'vllm:kv_cache_usage_perc', labels: LABELS0, value: 0},
			{kind: 'gauge', name: 'vllm:kv_cache_usage_perc', labels: LABELS1, value: 0.0625},
		]);
		expect(pick('vllm:request_success').map(m => [m.labels['finished_reason'], m.labels['engine'], (m as {value: number}).value])).toEqual([
			['stop', '0', 1],
			['stop', '1', 0],
			['length', '0', 0],
			['length', '1', 0],
			['abort', '0', 0],
			['abort', '1', 1],
			['error', '0', 1],
			['error', '1', 0],
			['repetition', '0', 0],
			['repetition', '1', 0],
		]);
		const [gen0, gen1] = pick('vllm:request_generation_tokens') as [Histogram, Histogram];
		expect(gen0).toEqual({
			kind: 'histogram',
			name: 'vllm:request_generation_tokens',
			labels: LABELS0,
			count: 2,
			sum: 73,
			buckets: {'1.0': 0, '2.0': 0, '5.0': 0, '10.0': 1, '20.0': 1, '50.0': 1, '100.0': 2, '200.0': 2, '500.0': 2, '1000.0': 2, '+Inf': 2},
		});
		expect([gen1.count, gen1.sum, gen1.buckets['1.0'], gen1.buckets['+Inf']]).toEqual([1, 0, 1, 1]);
		const itl = pick('vllm:inter_token_latency_seconds') as Histogram[];
		expect(itl.map(h => [h.labels['engine'], h.count, h.buckets['0.025'], h.buckets['0.075'], h.buckets['+Inf']])).toEqual([
			['0', 3, 0, 3, 3],
			['1', 1, 0, 1, 1],
		]);
		for (const h of metrics.filter((m): m is Histogram => m.kind === 'histogram')) expect(h.count).toBe(h.buckets['+Inf']);
		// Counter names lose `_total`; vLLM's histogram vllm:iteration_tokens_total keeps its name.
		expect(metrics.every(m => (m.kind === 'histogram' || !m.name.endsWith('_total')) && !m.name.endsWith('_created'))).toBe(true);
		expect(metrics.filter(m => m.name === 'vllm:iteration_tokens_total').map(m => m.kind)).toEqual(['histogram', 'histogram']);
	});

	it('skips families without the vllm: prefix and rejects unknown types', async () => {
		const registry = new Registry();
		new Counter({name: 'process_cpu_seconds_total', help: 'x', registers: [registry]}).inc(2);
		new Counter({name: 'vllm:custom_total', help: 'x', registers: [registry]}).inc(2.9);
		expect(await getMetrics(registry)).toEqual([{kind: 'counter', name: 'vllm:custom', labels: {}, value: 2}]);
		new Summary({name: 'vllm:summary', help: 'x', registers: [registry]});
		await expect(getMetrics(registry)).rejects.toThrow(new TypeError('Unknown metric type summary for vllm:summary'));
	});

	it('sizes every vector by the largest position over all groups, truncating values', () => {
		const sample = (engine: string, position: string, value: number) => ({
			name: 'vllm:spec_decode_num_accepted_tokens_per_pos_total',
			labels: {model_name: 'm', engine, position},
			value,
		});
		const metrics: Metric[] = readFamilies([
			{
				name: 'vllm:spec_decode_num_accepted_tokens_per_pos',
				help: 'h',
				type: 'counter',
				series: [sample('0', '0', 3.7), sample('1', '0', 1), sample('1', '3', 2)].map(s => ({labels: s.labels, samples: [s]})),
			},
		]);
		expect(metrics).toEqual([
			{kind: 'vector', name: 'vllm:spec_decode_num_accepted_tokens_per_pos', labels: {model_name: 'm', engine: '0'}, values: [3, 0, 0, 0]},
			{kind: 'vector', name: 'vllm:spec_decode_num_accepted_tokens_per_pos', labels: {model_name: 'm', engine: '1'}, values: [1, 0, 0, 2]},
		]);
	});
});
