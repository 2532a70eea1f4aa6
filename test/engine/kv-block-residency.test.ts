import {describe, expect, it} from 'vitest';
import {Engine} from '../../src/engine/engine.js';
import {KvBlockResidency} from '../../src/engine/kv-block-residency.js';
import type {SchedulerConfig} from '../../src/engine/scheduler-config.js';
import {createRng} from '../../src/rng/rng.js';
import {fullDrafts, iidAcceptance, linearCost, spec} from './fakes.js';

type Eviction = {lifetime: number; idle: number; gaps: number[]};

function tracker(sampleRate = 1, evictOnAllocate = true, seed = 1): {r: KvBlockResidency; evictions: Eviction[]} {
	const r = new KvBlockResidency(8, sampleRate, createRng(seed), evictOnAllocate);
	const evictions: Eviction[] = [];
	r.sink = (lifetime, idle, gaps, n) => evictions.push({lifetime, idle, gaps: Array.from(gaps.subarray(0, n))});
	return {r, evictions};
}

describe("KV block residency (vLLM's KVCacheMetricsCollector, --kv-cache-metrics)", () => {
	it('reports lifetime, idle time and the gaps between accesses when a tracked block is allocated again', () => {
		const {r, evictions} = tracker();
		r.now = 1;
		r.onAllocated(0);
		for (const t of [2, 4, 7]) {
			r.now = t;
			r.onAccessed(0);
		}
		r.now = 10;
		r.onAllocated(0);
		expect(evictions).toEqual([{lifetime: 9, idle: 3, gaps: [2, 3]}]);
	});

	it('remembers only the last 4 accesses (deque(maxlen=4)): at most 3 gaps', () => {
		const {r, evictions} = tracker();
		r.onAllocated(3);
		for (const t of [2, 4, 7, 8, 15]) {
			r.now = t;
			r.onAccessed(3);
		}
		r.now = 20;
		r.onAllocated(3);
		expect(evictions).toEqual([{lifetime: 20, idle: 5, gaps: [3, 1, 7]}]);
	});

	it('a block never accessed has idle time = lifetime and no gap; an untracked block reports nothing', () => {
		const {r, evictions} = tracker();
		r.now = 5;
		r.onAllocated(1);
		r.onAccessed(2); // not allocated, so not tracked
		r.now = 6.5;
		r.onAllocated(1);
		r.onAllocated(2);
		expect(evictions).toEqual([{lifetime: 1.5, idle: 1.5, gaps: []}]);
	});

	it('without prefix caching nothing is evicted through the cache, so nothing is reported (vLLM calls on_block_evicted only from _maybe_evict_cached_block)', () => {
		const {r, evictions} = tracker(1, false);
		r.onAllocated(0);
		r.now = 3;
		r.onAllocated(0);
		expect(evictions).toEqual([]);
	});

	it('a prefix-cache reset forgets every tracked block', () => {
		const {r, evictions} = tracker();
		r.onAllocated(0);
		r.reset();
		r.now = 2;
		r.onAllocated(0);
		expect(r.isTracked(0)).toBe(true);
		expect(evictions).toEqual([]);
	});

	it('samples an allocation when its own stream draws below the rate: exactly the draws of that seeded stream', () => {
		const r = new KvBlockResidency(20_000, 0.25, createRng('kv'), true);
		const draws = createRng('kv');
		let tracked = 0;
		for (let b = 0; b < 20_000; b++) {
			r.onAllocated(b);
			expect(r.isTracked(b)).toBe(draws.next() < 0.25);
			if (r.isTracked(b)) tracked++;
		}
		// Binomial(20000, 0.25): mean 5000, sd 61.2; 5 sd either side.
		expect(Math.abs(tracked - 5000)).toBeLessThan(307);
	});

	it.each([0, -0.1, 1.5, Number.NaN])('rejects a sample rate of %s (vLLM: gt=0, le=1)', rate => {
		expect(() => new KvBlockResidency(4, rate, createRng(0), true)).toThrow(/sample rate must be in \(0, 1\]/);
	});
});

describe('KV block residency on the engine', () => {
	const config: SchedulerConfig = {
		maxNumSeqs: 4,
		maxNumBatchedTokens: 256,
		maxModelLen: 256,
		numKvBlocks: 24,
		blockSize: 16,
		enablePrefixCaching: true,
	};
	function run(withMetrics: boolean): {steps: string[]; evictions: Eviction[]} {
		const e = new Engine(0, config, 0, {proposer: fullDrafts, acceptance: iidAcceptance(0.7), cost: linearCost(0.01, 1e-4), rng: createRng(0)});
		const evictions: Eviction[] = [];
		if (withMetrics) {
			e.kv.residency = new KvBlockResidency(e.kv.numBlocks, 1, createRng('kv-cache-metrics'), true);
			e.kv.residency.sink = (lifetime, idle, gaps, n) => evictions.push({lifetime, idle, gaps: Array.from(gaps.subarray(0, n))});
		}
		// The same 40-token prompt five times (hits on its 2 full blocks), then new prompts that cycle the cache.
		for (let i = 0; i < 12; i++) e.enqueue({...spec(i, i * 0.5, 40 + (i < 5 ? 0 : 60), 8), stream: i < 5 ? 7 : 100 + i});
		const steps: string[] = [];
		let t = 0;
		while (e.hasWork) {
			t = e.beginStep(t);
			const out = e.completeStep();
			steps.push(`${out.t}/${out.numPrefillTokens}/${out.prefixCache.hits}/${out.finished.length}`);
		}
		return {steps, evictions};
	}

	it('changes nothing else in the run, and reports evictions whose idle time never exceeds the lifetime', () => {
		const off = run(false);
		const on = run(true);
		expect(on.steps).toEqual(off.steps);
		expect(on.evictions.length).toBeGreaterThan(0);
		for (const {lifetime, idle, gaps} of on.evictions) {
			expect(idle).toBeGreaterThanOrEqual(0);
			expect(idle).toBeLessThanOrEqual(lifetime);
			expect(gaps.length).toBeLessThanOrEqual(3);
			for (const g of gaps) expect(g).toBeGreaterThanOrEqual(0);
		}
		// The shared prompt's blocks were hit by the later copies: some eviction reports reuse gaps.
		expect(on.evictions.some(e => e.gaps.length > 0)).toBe(true);
		expect(run(true)).toEqual(on);
	});
});
