import {describe, expect, it} from 'vitest';
import {createRequestSource} from '../../src/engine/workload/request-source.js';
import {parseTraceLines} from '../../src/engine/workload/trace.js';
import {createRng} from '../../src/rng/rng.js';
import {buildSimulation} from '../../src/sim/build.js';
import {testConfig} from '../sim/helpers.js';

describe('workloads that share prefixes', () => {
	it('a class system prompt is prepended to every request of the class, as its prefix group', () => {
		const source = createRequestSource({
			arrival: {kind: 'poisson', rate: 10},
			classes: [
				{name: 'a', weight: 1, prompt: {kind: 'fixed', value: 10}, output: {kind: 'fixed', value: 5}, sharedPrefixTokens: 300},
				{name: 'b', weight: 1, prompt: {kind: 'fixed', value: 10}, output: {kind: 'fixed', value: 5}},
			],
			rng: createRng(1),
		});
		const specs = Array.from({length: 40}, () => source.next()!);
		for (const s of specs) {
			if (s.classIndex === 0) expect([s.promptTokens, s.sharedPrefixTokens, s.prefixGroup]).toEqual([310, 300, 0]);
			else expect([s.promptTokens, s.sharedPrefixTokens]).toEqual([10, undefined]);
		}
		expect(new Set(specs.map(s => s.classIndex)).size).toBe(2);
	});

	it('reads prefix groups and conversations from a trace, and names a bad field', () => {
		const lines = [
			'{"arrival_time": 0, "prompt_tokens": 100, "output_tokens": 5, "prefix_group": "sys-a", "prefix_tokens": 64}',
			'{"arrival_time": 1, "prompt_tokens": 90, "output_tokens": 5, "prefix_group": "sys-b", "prefix_tokens": 64, "conversation": 7}',
			'{"arrival_time": 2, "prompt_tokens": 120, "output_tokens": 5, "prefix_group": "sys-a", "prefix_tokens": 64, "conversation": 7}',
		];
		const specs = [...parseTraceLines(lines, 't.jsonl')];
		expect(specs.map(s => [s.prefixGroup, s.sharedPrefixTokens, s.stream])).toEqual([
			[0, 64, undefined],
			[1, 64, 0],
			[0, 64, 0],
		]);
		const bad = (line: string) => () => [...parseTraceLines([line], 't.jsonl')];
		expect(bad('{"arrival_time": 0, "prompt_tokens": 10, "output_tokens": 5, "prefix_group": 1, "prefix_tokens": 11}')).toThrow(
			't.jsonl:1: prefix_tokens must be an integer in [0, prompt_tokens = 10], got 11',
		);
		expect(bad('{"arrival_time": 0, "prompt_tokens": 10, "output_tokens": 5, "prefix_tokens": 4}')).toThrow(
			't.jsonl:1: prefix_tokens needs a prefix_group',
		);
		expect(bad('{"arrival_time": 0, "prompt_tokens": 10, "output_tokens": 5, "prefix_group": 2}')).toThrow(/t.jsonl:1: prefix_tokens is missing/);
	});

	it('a shared prefix longer than max_model_len is an error naming the preset field', () => {
		const config = testConfig({
			scheduler: {maxModelLen: 1024},
			workload: {classes: [{name: 'sys', weight: 1, prompt: {kind: 'fixed', value: 8}, output: {kind: 'fixed', value: 8}, sharedPrefixTokens: 2000}]},
		});
		expect(() => buildSimulation(config)).toThrow(
			'workload.classes[0].sharedPrefixTokens: sharedPrefixTokens (2000) must leave room for a prompt token and an output token within scheduler.maxModelLen (1024)',
		);
	});

	it('a shared system prompt raises the prefix-cache hit rate and shortens TTFT; --no-enable-prefix-caching turns it off', () => {
		const run = (enablePrefixCaching: boolean) => {
			const config = testConfig({
				scheduler: {enablePrefixCaching},
				workload: {
					arrival: {kind: 'poisson', rate: 4},
					classes: [{name: 'sys', weight: 1, prompt: {kind: 'fixed', value: 64}, output: {kind: 'fixed', value: 32}, sharedPrefixTokens: 2048}],
				},
			});
			const built = buildSimulation(config, {seed: 3});
			let queries = 0;
			let hits = 0;
			let prefill = 0;
			built.simulation.subscribe({
				onStep: out => {
					queries += out.prefixCache.queries;
					hits += out.prefixCache.hits;
					prefill += out.numPrefillTokens;
				},
			});
			built.simulation.runUntil(60);
			return {queries, hits, prefill, ttft: built.metrics[0]!.ttftSketch.quantile(0.5)};
		};
		const on = run(true);
		const off = run(false);
		// Every request after the first finds the 2048-token system prompt's 128 full blocks.
		expect(on.hits / on.queries).toBeGreaterThan(0.9);
		expect(off.queries).toBe(0);
		expect(on.prefill).toBeLessThan(off.prefill / 10);
		expect(on.ttft).toBeLessThan(off.ttft);
	});
});
