import {Registry} from 'prom-client';
import {describe, expect, it} from 'vitest';
import {SpecDecodingLogging, SpecDecodingStats, createSpecDecodingProm, getMetrics, renderText} from '../src/index.js';

describe('the README library example', () => {
	it('works as written', async () => {
		const stats = SpecDecodingStats.new(3);
		stats.observeDraft(3, 2);
		stats.observeDraft(3, 1);
		const logging = new SpecDecodingLogging({numSpecTokens: 3, format: 'throughput'});
		logging.observe(stats);
		expect(logging.log(10)).toBe(
			'SpecDecoding metrics: Mean acceptance length: 2.50, Accepted throughput: 0.30 tokens/s, Drafted throughput: 0.60 tokens/s, Accepted: 3 tokens, Drafted: 6 tokens, Per-position acceptance rate: 1.000, 0.500, 0.000, Avg Draft acceptance rate: 50.0%',
		);
		const registry = new Registry();
		createSpecDecodingProm({registry, modelName: 'm', engine: 0, numSpecTokens: 3, perPositionDrafted: false}).observe(stats);
		expect(await renderText(registry)).toContain('vllm:spec_decode_num_drafts_total{engine="0",model_name="m"} 2.0\n');
		expect(await getMetrics(registry)).toContainEqual({
			kind: 'vector',
			name: 'vllm:spec_decode_num_accepted_tokens_per_pos',
			labels: {model_name: 'm', engine: '0'},
			values: [2, 1, 0],
		});
	});
});
