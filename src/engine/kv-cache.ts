import type {KvBlockResidency} from './kv-block-residency.js';
import type {SimRequest} from './request.js';

/**
 * The paged KV cache of one engine with vLLM v1's automatic prefix caching
 * (`vllm/v1/core/block_pool.py`, `kv_cache_manager.py`; docs/prefix-caching.md):
 *
 * - blocks have ids and reference counts; a free block sits in a free queue (LRU order: freed
 *   blocks join the tail, allocation takes the head);
 * - a full block is identified by the hash chain of its token contents (parent hash, block
 *   content); the cache maps hash -> block. A cached block whose reference count drops to 0 stays
 *   cached in the free queue until allocation evicts it (LRU);
 * - a waiting request looks up its full blocks in order, at most `num_tokens - 1` tokens (one
 *   token must be computed for logits), and starts with those computed;
 * - `usage` is `1 - free / total` as vLLM's: cached blocks nobody references are free;
 * - the blocks of a request's own token stream enter the cache when it is preempted rather than
 *   when they fill ({@link ownStreamBlocksFrom}): every lookup sees what vLLM's would.
 *
 * Token contents are not simulated; a block's content is named by the request's content keys
 * ({@link blockContentKey}): blocks inside a shared prefix are the same for every request of
 * that prefix group, the others belong to the request's own token stream (a conversation's turns
 * share theirs). vLLM's null block is not modelled: all `numBlocks` are usable.
 *
 * Everything is in typed arrays allocated once; per step, nothing is allocated (a request's block
 * table is a plain array that grows to its longest length and is reused after preemption).
 */
export class KvCache {
	readonly numBlocks: number;
	readonly blockSize: number;
	readonly enablePrefixCaching: boolean;
	/**
	 * Per block, side by side in one cache line (`META_STRIDE` entries from `block * META_STRIDE`):
	 * reference count, free-queue links (a doubly linked list over block ids; -1 ends it) and
	 * whether the block holds a cached hash. Allocation takes the least recently freed block, the
	 * one least likely to be in the CPU cache: one line to fetch rather than one per array.
	 */
	#meta: Int32Array;
	/** Block hash, or NaN when the block holds no full cached block (then `CACHED` is 0). */
	#hash: Float64Array;
	#head = -1;
	#tail = -1;
	#numFree: number;
	#cached: BlockHashTable;
	/** Scratch for a lookup's hit blocks. */
	#hits: Int32Array;
	#numHits = 0;
	/** `--kv-cache-metrics`: sampled block residency, told of allocations, hits and resets; none when off. */
	residency: KvBlockResidency | undefined;

	constructor(numBlocks: number, blockSize: number, enablePrefixCaching = false) {
		if (!Number.isInteger(numBlocks) || numBlocks < 1) throw new RangeError(`numKvBlocks must be a positive integer, got ${numBlocks}`);
		if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
		this.numBlocks = numBlocks;
		this.blockSize = blockSize;
		this.enablePrefixCaching = enablePrefixCaching;
		this.#meta = new Int32Array(numBlocks * META_STRIDE);
		this.#hash = new Float64Array(numBlocks).fill(Number.NaN);
		for (let i = 0; i < numBlocks; i++) {
			this.#meta[i * META_STRIDE + PREV] = i - 1;
			this.#meta[i * META_STRIDE + NEXT] = i + 1 < numBlocks ? i + 1 : -1;
		}
		this.#head = 0;
		this.#tail = numBlocks - 1;
		this.#numFree = numBlocks;
		this.#hits = new Int32Array(numBlocks);
		this.#cached = new BlockHashTable(numBlocks);
	}

	/** Blocks referenced by some request. */
	get usedBlocks(): number {
		return this.numBlocks - this.#numFree;
	}

	/** Blocks in the free queue (including cached blocks nobody references: evictable). */
	get freeBlocks(): number {
		return this.#numFree;
	}

	/** Distinct full-block contents in the prefix cache (referenced or not). */
	get numCachedBlocks(): number {
		return this.#cached.size;
	}

	/** `vllm:kv_cache_usage_perc`: used fraction, 0..1. */
	get usage(): number {
		return this.usedBlocks / this.numBlocks;
	}

	/** Blocks needed to hold `tokens` tokens. */
	blocksFor(tokens: number): number {
		return Math.ceil(tokens / this.blockSize);
	}

	/** Reference count of a block (tests). */
	refCount(block: number): number {
		return this.#meta[block * META_STRIDE + REF]!;
	}

	/** True when `block` holds a cached full block (tests). */
	isCached(block: number): boolean {
		return !Number.isNaN(this.#hash[block]!);
	}

	/**
	 * Look up a waiting request's full blocks in the cache (vLLM's `get_computed_blocks`): the
	 * longest run of cached blocks from the start, at most `num_tokens - 1` tokens. Returns the hit
	 * tokens (a multiple of the block size) and keeps the blocks for {@link allocateSlots}; touches
	 * nothing. 0 when prefix caching is off.
	 */
	findCachedPrefix(request: SimRequest): number {
		this.#numHits = 0;
		if (!this.enablePrefixCaching) return 0;
		const maxBlocks = Math.floor((request.numTokens - 1) / this.blockSize);
		let parent = 0;
		for (let i = 0; i < maxBlocks; i++) {
			parent = chainHash(parent, blockContentKey(request, i, this.blockSize));
			const block = this.#cached.get(parent);
			if (block < 0) break;
			this.#hits[this.#numHits++] = block;
		}
		return this.#numHits * this.blockSize;
	}

	/**
	 * Give `request` slots for `numTokensNeedSlot` tokens (computed, new and lookahead), first
	 * taking the blocks of the last {@link findCachedPrefix} when `withHits` (vLLM's
	 * `allocate_slots`), then cache the full blocks of its first `numTokensToCache` tokens. False,
	 * changing nothing, when the free queue cannot cover the new blocks plus the hit blocks that
	 * are themselves free (evictable).
	 */
	allocateSlots(request: SimRequest, numTokensNeedSlot: number, numTokensToCache: number, withHits = false): boolean {
		// The common step, kept small enough for V8 to inline into the scheduler's loop: the table
		// already has the slots (a new block is needed every blockSize tokens) and no block is newly full.
		if (numTokensNeedSlot <= request.numSlotTokens && (!withHits || this.#numHits === 0)) {
			if (this.enablePrefixCaching && numTokensToCache >= (request.numHashedBlocks + 1) * this.blockSize) {
				this.#cacheFullBlocks(request, numTokensToCache);
			}
			return true;
		}
		return this.#allocateNewSlots(request, numTokensNeedSlot, numTokensToCache, withHits ? this.#numHits : 0);
	}

	/** {@link allocateSlots} when the table must grow or hit blocks must be taken. */
	#allocateNewSlots(request: SimRequest, numTokensNeedSlot: number, numTokensToCache: number, numHits: number): boolean {
		const table = request.blockTable;
		const wanted = this.blocksFor(numTokensNeedSlot);
		const numNew = Math.max(0, wanted - table.length - numHits);
		let evictableHits = 0;
		const meta = this.#meta;
		for (let i = 0; i < numHits; i++) if (meta[this.#hits[i]! * META_STRIDE + REF] === 0) evictableHits++;
		if (numNew + evictableHits > this.#numFree) return false;
		for (let i = 0; i < numHits; i++) {
			const block = this.#hits[i]!;
			if (meta[block * META_STRIDE + REF] === 0) this.#unlink(block);
			meta[block * META_STRIDE + REF]! += 1;
			table.push(block);
			this.residency?.onAccessed(block);
		}
		if (numHits > 0) {
			request.numHashedBlocks = numHits;
			request.lastBlockHash = this.#hash[this.#hits[numHits - 1]!]!;
		}
		for (let i = 0; i < numNew; i++) table.push(this.#popFree());
		request.numSlotTokens = table.length * this.blockSize;
		if (this.enablePrefixCaching) this.#cacheFullBlocks(request, numTokensToCache);
		return true;
	}

	/**
	 * Forget every cached block hash (vLLM's `BlockPool.reset_prefix_cache`, called when an engine
	 * goes to sleep): only possible when no block is referenced. Returns false, changing nothing,
	 * while some block is still in use.
	 */
	resetPrefixCache(): boolean {
		if (this.usedBlocks > 0) return false;
		this.#hash.fill(Number.NaN);
		for (let i = CACHED; i < this.#meta.length; i += META_STRIDE) this.#meta[i] = 0;
		this.#cached = new BlockHashTable(this.numBlocks);
		this.residency?.reset();
		return true;
	}

	/** Free a request's blocks, tail first so that its last blocks are evicted first (vLLM). */
	free(request: SimRequest): void {
		const table = request.blockTable;
		// Preempted (not finished): its own-stream blocks enter the cache now, so that it finds them
		// when it is admitted again, exactly as if they had been entered when they filled.
		if (request.status !== 'finished' && request.numHashedBlocks > this.#ownBlocksFrom(request)) {
			this.#enterBlocks(request, 0, request.numHashedBlocks, 0);
		}
		// #append for each block whose count drops to 0, with the queue's ends in locals.
		const meta = this.#meta;
		let head = this.#head;
		let tail = this.#tail;
		let appended = 0;
		// Popped, tail first, rather than read by index and emptied with `length = 0` (a call into V8's runtime).
		while (table.length > 0) {
			const block = table.pop()!;
			const at = block * META_STRIDE;
			const ref = meta[at + REF]! - 1;
			meta[at + REF] = ref;
			if (ref === 0) {
				meta[at + PREV] = tail;
				meta[at + NEXT] = -1;
				if (tail >= 0) meta[tail * META_STRIDE + NEXT] = block;
				else head = block;
				tail = block;
				appended += 1;
			} else if (ref < 0) {
				this.#head = head;
				this.#tail = tail;
				this.#numFree += appended;
				throw new RangeError(`freed KV block ${block} more often than it was referenced`);
			}
		}
		this.#head = head;
		this.#tail = tail;
		this.#numFree += appended;
		request.numSlotTokens = 0;
		request.numHashedBlocks = 0;
		request.lastBlockHash = 0;
	}

	/**
	 * Hash the request's newly full blocks among its first `numTokens` tokens (vLLM's
	 * `cache_blocks`). Blocks of a request's own token stream ({@link ownStreamBlocksFrom}) are only
	 * counted here; {@link free} enters them when the request is preempted.
	 */
	#cacheFullBlocks(request: SimRequest, numTokens: number): void {
		const blockSize = this.blockSize;
		const done = request.numHashedBlocks;
		if (numTokens < (done + 1) * blockSize) return; // no newly full block: the common case, one compare
		const full = Math.min(Math.floor(numTokens / blockSize), request.blockTable.length);
		if (full <= done) return;
		const eager = Math.min(full, this.#ownBlocksFrom(request));
		if (done < eager) request.lastBlockHash = this.#enterBlocks(request, done, eager, request.lastBlockHash);
		request.numHashedBlocks = full;
	}

	/**
	 * Hash blocks `from..to-1` of the request's block table (`parent` is block `from - 1`'s hash, 0
	 * for the first) and enter them in the cache; returns the last hash.
	 */
	#enterBlocks(request: SimRequest, from: number, to: number, parent: number): number {
		const table = request.blockTable;
		for (let i = from; i < to; i++) {
			parent = chainHash(parent, blockContentKey(request, i, this.blockSize));
			const block = table[i]!;
			// A block with the same content computed twice at once is hashed too (vLLM keeps both); the
			// lookup map keeps the first.
			if (this.#meta[block * META_STRIDE + CACHED] === 0) {
				this.#hash[block] = parent;
				this.#meta[block * META_STRIDE + CACHED] = 1;
				if (this.#cached.get(parent) < 0) this.#cached.set(parent, block);
			}
		}
		return parent;
	}

	/** {@link ownStreamBlocksFrom} of the request, computed once and kept in it ({@link NOT_OWN} for Infinity). */
	#ownBlocksFrom(request: SimRequest): number {
		let from = request.ownBlocksFrom;
		if (from < 0) {
			from = Math.min(ownStreamBlocksFrom(request, this.blockSize), NOT_OWN);
			request.ownBlocksFrom = from;
		}
		return from;
	}

	/** Take the least recently freed block, evicting its cached content. */
	#popFree(): number {
		const block = this.#head;
		if (block < 0) throw new RangeError('KV cache has no free block');
		this.#unlink(block);
		const meta = this.#meta;
		const at = block * META_STRIDE;
		if (meta[at + CACHED] === 1) {
			const h = this.#hash[block]!;
			if (this.#cached.get(h) === block) this.#cached.delete(h);
			this.#hash[block] = Number.NaN;
			meta[at + CACHED] = 0;
		}
		meta[at + REF] = 1;
		this.residency?.onAllocated(block);
		return block;
	}

	#unlink(block: number): void {
		const meta = this.#meta;
		const p = meta[block * META_STRIDE + PREV]!;
		const n = meta[block * META_STRIDE + NEXT]!;
		if (p >= 0) meta[p * META_STRIDE + NEXT] = n;
		else this.#head = n;
		if (n >= 0) meta[n * META_STRIDE + PREV] = p;
		else this.#tail = p;
		this.#numFree -= 1;
	}
}

// Layout of KvCache's per-block metadata: 4 int32 per block, 4 blocks per 64-byte cache line.
const META_STRIDE = 4;
const REF = 0;
const PREV = 1;
const NEXT = 2;
/** 1 when the block's `#hash` holds a hash (cached content), 0 when it is NaN. */
const CACHED = 3;
/**
 * {@link ownStreamBlocksFrom}'s Infinity as a small integer (SimRequest.ownBlocksFrom stays a
 * small-integer field): above any block count, as `#meta` (4 int32 per block) cannot have 2^32 entries.
 */
const NOT_OWN = 2 ** 30;

/**
 * hash -> block id, open addressing with linear probing in typed arrays (a `Map` keyed by 53-bit
 * doubles costs a third of the engine's speed on a saturated batch). At most one entry per
 * block, so twice as many slots keep probes short; deletion shifts back, no tombstones.
 */
class BlockHashTable {
	#keys: Float64Array;
	#values: Int32Array;
	#mask: number;
	size = 0;

	constructor(maxEntries: number) {
		let capacity = 16;
		while (capacity < 2 * maxEntries) capacity *= 2;
		this.#keys = new Float64Array(capacity).fill(Number.NaN);
		this.#values = new Int32Array(capacity);
		this.#mask = capacity - 1;
	}

	/** The block cached under `hash`, or -1. */
	get(hash: number): number {
		const keys = this.#keys;
		for (let i = hash % (this.#mask + 1); ; i = (i + 1) & this.#mask) {
			const k = keys[i]!;
			if (k === hash) return this.#values[i]!;
			if (Number.isNaN(k)) return -1;
		}
	}

	set(hash: number, block: number): void {
		const keys = this.#keys;
		let i = hash % (this.#mask + 1);
		while (!Number.isNaN(keys[i]!) && keys[i] !== hash) i = (i + 1) & this.#mask;
		if (Number.isNaN(keys[i]!)) this.size += 1;
		keys[i] = hash;
		this.#values[i] = block;
	}

	delete(hash: number): void {
		const keys = this.#keys;
		const mask = this.#mask;
		let i = hash % (mask + 1);
		while (keys[i] !== hash) {
			if (Number.isNaN(keys[i]!)) return;
			i = (i + 1) & mask;
		}
		// Backward-shift deletion: move later entries of the run into the hole when their home allows.
		let hole = i;
		for (let j = (i + 1) & mask; !Number.isNaN(keys[j]!); j = (j + 1) & mask) {
			const home = keys[j]! % (mask + 1);
			if (((j - home) & mask) >= ((j - hole) & mask)) {
				keys[hole] = keys[j]!;
				this.#values[hole] = this.#values[j]!;
				hole = j;
			}
		}
		keys[hole] = Number.NaN;
		this.size -= 1;
	}
}

/**
 * The first block index from which a request's blocks are its own token stream's alone, or
 * `Infinity` when other requests may share them. A request without an explicit stream (`stream`
 * is `-1 - id`, {@link SimRequest}) shares only the full blocks of its shared prefix: no other
 * request can ever look up the rest, and the request itself only after a preemption. Those blocks
 * are therefore entered in the cache when the request is preempted instead of when they fill:
 * the lookups see the same cache either way, without a hash-table insert per block filled and a
 * delete per block evicted (a third of the engine's time on a saturated batch). A finished
 * request's own blocks are never entered: nothing can hit them.
 */
function ownStreamBlocksFrom(request: SimRequest, blockSize: number): number {
	// Blocks named by their real tokens can be anyone's.
	if (request.blockKeys !== undefined) return Number.POSITIVE_INFINITY;
	return request.stream === -1 - request.id ? Math.floor(request.sharedPrefixTokens / blockSize) : Number.POSITIVE_INFINITY;
}

/**
 * The content key of block `i` of a request: the key of its real tokens when the request has
 * them ({@link SimRequest.blockKeys}); else a shared-prefix block is named by its prefix group
 * and position, any other by the request's token stream and position (blocks straddling the end
 * of the shared prefix belong to the stream: their tokens differ).
 */
export function blockContentKey(request: SimRequest, i: number, blockSize: number): number {
	const keys = request.blockKeys;
	if (keys !== undefined && i < keys.length) return keys[i]!;
	if ((i + 1) * blockSize <= request.sharedPrefixTokens) return mix(mix(0x51ed27, request.prefixGroup), i);
	return mix(mix(0x2c1b3c6d, request.stream), i);
}

/** Hash of a block given its parent's hash and its content key: a 53-bit chain (vLLM chains sha256). */
export function chainHash(parent: number, key: number): number {
	const lo = mix(mix(parent % 0x100000000, key), Math.floor(parent / 0x100000000));
	const hi = mix(mix(key ^ 0x9e3779b9, parent % 0x100000000), lo);
	return (hi >>> 11) * 0x100000000 + (lo >>> 0);
}

function mix(a: number, b: number): number {
	let h = Math.imul(a ^ Math.imul(b | 0, 0x9e3779b1), 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}
