import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {Engine} from '../../src/engine/engine.js';
import {KvCache} from '../../src/engine/kv-cache.js';
import {type RequestSpec, SimRequest} from '../../src/engine/request.js';
import type {SchedulerConfig} from '../../src/engine/scheduler-config.js';
import type {StepOutcome} from '../../src/engine/step-outcome.js';
import {createRng} from '../../src/rng/rng.js';
import {fullDrafts, iidAcceptance, linearCost, spec} from './fakes.js';

const config: SchedulerConfig = {maxNumSeqs: 8, maxNumBatchedTokens: 512, maxModelLen: 512, numKvBlocks: 64, blockSize: 16};

function engine(overrides: Partial<SchedulerConfig> = {}, k = 0): Engine {
	return new Engine(0, {...config, ...overrides}, k, {
		proposer: fullDrafts,
		acceptance: iidAcceptance(0.7),
		cost: linearCost(0.01, 1e-4),
		rng: createRng(0),
	});
}

/** Run until idle; the outcomes' copies that matter. */
function drain(e: Engine, t0 = 0) {
	let t = t0;
	const steps: Array<{t: number; prefill: number; queries: number; hits: number; preemptedQueries: number; finished: SimRequest[]}> = [];
	while (e.hasWork) {
		t = e.beginStep(t);
		const out: StepOutcome = e.completeStep();
		const pc = out.prefixCache;
		steps.push({
			t: out.t,
			prefill: out.numPrefillTokens,
			queries: pc.queries,
			hits: pc.hits,
			preemptedQueries: pc.preemptedQueries,
			finished: [...out.finished],
		});
	}
	return {t, steps};
}

describe('prefix caching (vLLM v1 automatic prefix caching)', () => {
	// [prompt tokens, hit tokens the second time]: full 16-token blocks, at most num_tokens - 1 tokens.
	const rows: Array<[number, number]> = [
		[50, 48], // 3 full blocks
		[48, 32], // the last full block is never a hit: one token must be computed
		[49, 48],
		[17, 16],
		[16, 0],
		[10, 0],
	];
	it.each(rows)('a %i-token prompt sent twice hits on %i tokens the second time', (prompt, hits) => {
		const e = engine();
		const same = {stream: 7};
		e.enqueue({...spec(0, 0, prompt, 4), ...same});
		const first = drain(e);
		expect(first.steps[0]!).toMatchObject({queries: prompt, hits: 0, prefill: prompt});
		const r = e.enqueue({...spec(1, first.t, prompt, 4), ...same});
		const second = drain(e, first.t);
		expect(second.steps[0]!).toMatchObject({queries: prompt, hits, prefill: prompt - hits});
		expect(r.numCachedTokens).toBe(hits);
		// Less prefill work: the second request's first token comes sooner.
		const ttft = (x: SimRequest) => x.firstTokenAt - x.arrivalAt;
		const r0 = first.steps.at(-1)!.finished[0]!;
		if (hits > 0) expect(ttft(r)).toBeLessThan(ttft(r0));
	});

	it('shares a class system prompt across requests of different streams, but not the block that straddles its end', () => {
		const e = engine();
		const withPrefix = (id: number, at: number): RequestSpec => ({...spec(id, at, 100, 2), sharedPrefixTokens: 40, prefixGroup: 3});
		e.enqueue(withPrefix(0, 0));
		const first = drain(e);
		e.enqueue(withPrefix(1, first.t));
		e.enqueue({...withPrefix(2, first.t), prefixGroup: 4}); // another group: no hit
		const second = drain(e, first.t);
		// 40 shared tokens = 2 full blocks (the 3rd block, tokens 32..47, mixes prefix and own tokens).
		expect(second.steps[0]).toMatchObject({queries: 200, hits: 32});
	});

	it('finished requests leave cached blocks that are free: usage drops to 0, the cache keeps them until evicted (LRU)', () => {
		// 8 blocks of 16 tokens.
		const e = engine({numKvBlocks: 8, maxModelLen: 128});
		e.enqueue({...spec(0, 0, 65, 1), stream: 1}); // 5 blocks: 4 full (hashed) + 1 partial
		const a = drain(e);
		expect(e.kv.usage).toBe(0);
		expect(e.kv.numCachedBlocks).toBe(4);
		// A new 64-token prompt needs 4 blocks: 3 never-cached free blocks, then the least recently freed cached block goes.
		e.enqueue({...spec(1, a.t, 64, 1), stream: 2});
		const b = drain(e, a.t);
		expect(b.steps[0]!.hits).toBe(0);
		// Stream 1 was freed tail first, so its first block was freed last and survives longest.
		e.enqueue({...spec(2, b.t, 65, 1), stream: 1});
		const c = drain(e, b.t);
		expect(c.steps[0]!.hits).toBeGreaterThan(0);
	});

	it('counts every admission attempt as a query (a request blocked at the head is looked up again), preempted ones apart', () => {
		// 6 blocks of 4 tokens; a 20-token prompt needs 5 blocks but a running request holds 2.
		const e = engine({numKvBlocks: 6, blockSize: 4, maxModelLen: 23, maxNumBatchedTokens: 64});
		e.enqueue(spec(0, 0, 5, 3));
		e.beginStep(0);
		e.completeStep(); // request 0 holds 2 blocks (5 prompt + 1 output token)
		e.enqueue(spec(1, 0, 20, 2));
		const {steps} = drain(e, 0.01);
		const attempts = steps.filter(s => s.queries > 0).length;
		expect(attempts).toBeGreaterThan(1);
		expect(steps.reduce((a, s) => a + s.queries, 0)).toBe(20 * attempts + 0);
	});

	it('turned off: no lookups, no hits, no stats', () => {
		const e = engine({enablePrefixCaching: false});
		e.enqueue({...spec(0, 0, 50, 2), stream: 1});
		const first = drain(e);
		e.enqueue({...spec(1, first.t, 50, 2), stream: 1});
		const second = drain(e, first.t);
		expect(second.steps[0]).toMatchObject({queries: 0, hits: 0, prefill: 50});
		expect(e.kv.numCachedBlocks).toBe(0);
	});
});

describe('prefix caching properties under random workloads', () => {
	const workload = fc.record({
		blockSize: fc.constantFrom(1, 4, 16),
		extraBlocks: fc.integer({min: 0, max: 30}),
		k: fc.integer({min: 0, max: 3}),
		requests: fc.array(
			fc.record({
				gap: fc.double({min: 0, max: 0.05, noNaN: true}),
				prompt: fc.integer({min: 1, max: 90}),
				output: fc.integer({min: 1, max: 30}),
				shared: fc.integer({min: 0, max: 60}),
				group: fc.integer({min: 0, max: 2}),
				stream: fc.integer({min: 0, max: 3}),
			}),
			{minLength: 1, maxLength: 30},
		),
	});

	fcTest.prop([workload], {numRuns: 120})(
		'hits <= queries, a referenced block is never evicted, usage counts only referenced blocks, all blocks return',
		w => {
			const maxModelLen = 128;
			const numKvBlocks = Math.ceil((maxModelLen + w.k) / w.blockSize) + w.extraBlocks;
			const e = engine({blockSize: w.blockSize, numKvBlocks, maxModelLen, maxNumBatchedTokens: 64}, w.k);
			let at = 0;
			for (const [id, r] of w.requests.entries()) {
				at += r.gap;
				e.enqueue({...spec(id, at, r.prompt + r.shared, r.output), sharedPrefixTokens: r.shared, prefixGroup: r.group, stream: r.stream});
			}
			let t = 0;
			let queries = 0;
			let hits = 0;
			let finished = 0;
			// Violations are collected in plain code and asserted once per step: an expect() per block
			// made this test ~20x slower (close to its timeout on a loaded machine) for the same checks.
			const violations: string[] = [];
			for (let i = 0; i < 5000 && e.hasWork; i++) {
				t = e.beginStep(t);
				const out = e.completeStep();
				const pc = out.prefixCache;
				if (pc.hits > pc.queries) violations.push(`step ${i}: hits ${pc.hits} > queries ${pc.queries}`);
				if (pc.preemptedHits > pc.preemptedQueries) violations.push(`step ${i}: preempted hits ${pc.preemptedHits} > ${pc.preemptedQueries}`);
				queries += pc.queries + pc.preemptedQueries;
				hits += pc.hits + pc.preemptedHits;
				finished += out.finished.length;
				// Every block a live request references is counted used, and its hashed blocks are still cached.
				let referenced = 0;
				const seen = new Set<number>();
				for (const r of e.requests()) {
					const table = r.blockTable;
					for (let j = 0; j < table.length; j++) {
						const block = table[j]!;
						if (!(e.kv.refCount(block) > 0)) violations.push(`step ${i}: request ${r.id} holds block ${block} with refCount ${e.kv.refCount(block)}`);
						if (j < r.numHashedBlocks && !e.kv.isCached(block)) violations.push(`step ${i}: request ${r.id}'s hashed block ${block} was evicted`);
						if (!seen.has(block)) referenced++;
						seen.add(block);
					}
				}
				if (e.kv.usedBlocks !== referenced) violations.push(`step ${i}: ${e.kv.usedBlocks} blocks used, ${referenced} referenced`);
				if (!(Math.abs(out.kvUsage - referenced / numKvBlocks) < 5e-13))
					violations.push(`step ${i}: kvUsage ${out.kvUsage}, ${referenced}/${numKvBlocks} referenced`);
				if (violations.length > 0) break;
			}
			expect(violations).toEqual([]);
			expect(finished).toBe(w.requests.length);
			expect(hits).toBeLessThanOrEqual(queries);
			expect(e.kv.usedBlocks).toBe(0);
			expect(e.kv.freeBlocks).toBe(numKvBlocks);
		},
	);
});

describe('KvCache block pool', () => {
	it('frees a request tail first and allocates the least recently freed block first', () => {
		const kv = new KvCache(4, 1, true);
		const a = new SimRequest({...spec(0, 0, 3, 1), stream: 1}, 0);
		expect(kv.allocateSlots(a, 3, 3)).toBe(true);
		expect(a.blockTable).toEqual([0, 1, 2]);
		kv.free(a); // free queue: 3, then 2, 1, 0 (tail first)
		const b = new SimRequest({...spec(1, 0, 4, 1), stream: 2}, 0);
		expect(kv.allocateSlots(b, 1, 0)).toBe(true);
		expect(b.blockTable).toEqual([3]);
		expect(kv.allocateSlots(b, 2, 0)).toBe(true);
		expect(b.blockTable).toEqual([3, 2]); // evicts a's last block first
		expect(kv.isCached(0)).toBe(true);
		expect(kv.isCached(2)).toBe(false);
	});

	it('a hit on a free cached block takes it out of the free queue; the free check counts it', () => {
		const kv = new KvCache(3, 2, true);
		const a = new SimRequest({...spec(0, 0, 5, 1), stream: 1}, 0);
		kv.allocateSlots(a, 5, 5); // 3 blocks, 2 full and cached
		kv.free(a);
		const b = new SimRequest({...spec(1, 0, 5, 1), stream: 1}, 0);
		expect(kv.findCachedPrefix(b)).toBe(4);
		// 2 evictable hit blocks + 1 new block = 3 <= 3 free.
		expect(kv.allocateSlots(b, 5, 5, true)).toBe(true);
		expect(b.blockTable.slice(0, 2)).toEqual([0, 1]);
		expect([kv.refCount(0), kv.refCount(1), kv.freeBlocks]).toEqual([1, 1, 0]);
	});
});
