import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect} from 'vitest';
import {blockContentKey, chainHash, KvCache} from '../../src/engine/kv-cache.js';
import {SimRequest} from '../../src/engine/request.js';
import {spec} from './fakes.js';

/**
 * vLLM's block pool in its plainest form: every full block is hashed (from the start of the
 * chain) and entered in a `Map` the moment it fills, the free queue is an array (allocation
 * takes the front, freeing appends), eviction removes the block's hash. KvCache defers the
 * blocks of a request's own stream until a preemption; lookups, allocations and block ids must
 * come out the same as here.
 */
class ReferencePool {
	readonly refCount: number[];
	readonly hash: Array<number | undefined>;
	readonly free: number[];
	readonly cached = new Map<number, number>();

	readonly blockSize: number;

	constructor(numBlocks: number, blockSize: number) {
		this.blockSize = blockSize;
		this.refCount = new Array<number>(numBlocks).fill(0);
		this.hash = new Array<number | undefined>(numBlocks).fill(undefined);
		this.free = Array.from({length: numBlocks}, (_, i) => i);
	}

	lookup(request: SimRequest): number[] {
		const hits: number[] = [];
		let parent = 0;
		for (let i = 0; i < Math.floor((request.numTokens - 1) / this.blockSize); i++) {
			parent = chainHash(parent, blockContentKey(request, i, this.blockSize));
			const block = this.cached.get(parent);
			if (block === undefined) break;
			hits.push(block);
		}
		return hits;
	}

	allocate(request: SimRequest, numTokensNeedSlot: number, numTokensToCache: number, hits: readonly number[]): boolean {
		const table = request.blockTable;
		const numNew = Math.max(0, Math.ceil(numTokensNeedSlot / this.blockSize) - table.length - hits.length);
		const evictable = hits.filter(b => this.refCount[b] === 0).length;
		if (numNew + evictable > this.free.length) return false;
		for (const block of hits) {
			if (this.refCount[block] === 0) this.free.splice(this.free.indexOf(block), 1);
			this.refCount[block]! += 1;
			table.push(block);
		}
		for (let i = 0; i < numNew; i++) {
			const block = this.free.shift()!;
			const h = this.hash[block];
			if (h !== undefined && this.cached.get(h) === block) this.cached.delete(h);
			this.hash[block] = undefined;
			this.refCount[block] = 1;
			table.push(block);
		}
		let parent = 0;
		for (let i = 0; i < Math.min(Math.floor(numTokensToCache / this.blockSize), table.length); i++) {
			parent = chainHash(parent, blockContentKey(request, i, this.blockSize));
			const block = table[i]!;
			if (this.hash[block] === undefined) {
				this.hash[block] = parent;
				if (!this.cached.has(parent)) this.cached.set(parent, block);
			}
		}
		return true;
	}

	release(request: SimRequest): void {
		const table = request.blockTable;
		for (let i = table.length - 1; i >= 0; i--) {
			this.refCount[table[i]!]! -= 1;
			if (this.refCount[table[i]!] === 0) this.free.push(table[i]!);
		}
		table.length = 0;
	}
}

const requestArb = fc.record({
	prompt: fc.integer({min: 1, max: 60}),
	shared: fc.integer({min: 0, max: 40}),
	group: fc.integer({min: 0, max: 1}),
	// undefined: a stream of its own (the deferred case); a number: a stream other requests may share.
	stream: fc.option(fc.integer({min: 0, max: 2}), {nil: undefined}),
});

const opArb = fc.record({
	kind: fc.constantFrom('admit', 'admit', 'grow', 'grow', 'grow', 'preempt', 'finish'),
	request: fc.nat(),
	tokens: fc.integer({min: 1, max: 12}),
});

describe('KvCache against a reference block pool that hashes every block when it fills', () => {
	fcTest.prop(
		[fc.constantFrom(1, 4, 8), fc.integer({min: 12, max: 40}), fc.array(requestArb, {minLength: 1, maxLength: 8}), fc.array(opArb, {maxLength: 200})],
		{
			numRuns: 300,
		},
	)('same hits, same allocations, same block ids, whatever the order of fills, preemptions and finishes', (blockSize, numBlocks, requests, ops) => {
		const kv = new KvCache(numBlocks, blockSize, true);
		const ref = new ReferencePool(numBlocks, blockSize);
		const make = (id: number) => {
			const r = requests[id]!;
			return new SimRequest({...spec(id, 0, r.prompt + r.shared, 1000), sharedPrefixTokens: r.shared, prefixGroup: r.group, stream: r.stream}, 0);
		};
		const pairs = requests.map((_, id) => ({real: make(id), mirror: make(id)}));
		const lookahead = 2;
		for (const op of ops) {
			const {real, mirror} = pairs[op.request % pairs.length]!;
			if (op.kind === 'admit' && real.status === 'waiting') {
				const hits = ref.lookup(mirror);
				expect(kv.findCachedPrefix(real)).toBe(hits.length * blockSize);
				const ok = kv.allocateSlots(real, real.numTokens, real.numTokens, true);
				expect(ref.allocate(mirror, mirror.numTokens, mirror.numTokens, hits)).toBe(ok);
				if (ok) real.status = mirror.status = 'running';
			} else if (op.kind === 'grow' && real.status === 'running') {
				real.numOutputTokens += op.tokens;
				mirror.numOutputTokens += op.tokens;
				const ok = kv.allocateSlots(real, real.numTokens + lookahead, real.numTokens);
				expect(ref.allocate(mirror, mirror.numTokens + lookahead, mirror.numTokens, [])).toBe(ok);
			} else if (op.kind === 'preempt' && real.status === 'running') {
				kv.free(real); // still running while freed, as the scheduler's preemption does
				ref.release(mirror);
				real.status = mirror.status = 'waiting';
			} else if (op.kind === 'finish' && real.status === 'running') {
				real.status = mirror.status = 'finished';
				kv.free(real);
				ref.release(mirror);
			}
			expect(real.blockTable).toEqual(mirror.blockTable);
			expect(kv.freeBlocks).toBe(ref.free.length);
		}
		// Every request still waiting finds what the reference finds.
		for (const {real, mirror} of pairs) if (real.status === 'waiting') expect(kv.findCachedPrefix(real)).toBe(ref.lookup(mirror).length * blockSize);
	});
});
