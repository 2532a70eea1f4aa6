import type {Rng} from '../rng/rng.js';

/** How many accesses a sampled block remembers (vLLM's `deque(maxlen=4)`): at most 3 reuse gaps per eviction. */
export const RESIDENCY_HISTORY = 4;

/** Receives one sampled block's eviction: lifetime, idle time, and `numGaps` reuse gaps in `gaps[0..numGaps)` (scratch, valid during the call). */
export type ResidencySink = (lifetimeS: number, idleS: number, gaps: Float64Array, numGaps: number) => void;

/**
 * vLLM's `KVCacheMetricsCollector` (`vllm/v1/core/kv_cache_metrics.py`, `--kv-cache-metrics`;
 * docs/vllm-metrics.md) on the simulated KV cache, in virtual time:
 *
 * - each allocation of a block from the free queue first evicts the block's tracking state, if
 *   any, reporting its lifetime (allocation to eviction), idle time (last access to eviction) and
 *   the gaps between its last accesses (`on_block_evicted`, called by `_maybe_evict_cached_block`,
 *   which vLLM only reaches with prefix caching on), then starts tracking it again with
 *   probability `sampleRate` (`on_block_allocated`: `random.random() < sample_rate`);
 * - a prefix-cache hit on a tracked block records an access (`touch` -> `on_block_accessed`);
 * - resetting the prefix cache forgets every tracked block (`reset`).
 *
 * The draws come from their own seeded stream, so enabling the metrics changes nothing else in
 * the run. Per-block state lives in typed arrays allocated once; nothing is allocated per event.
 */
export class KvBlockResidency {
	readonly sampleRate: number;
	/** Prefix caching on: allocations evict (and report) the previous tracking state. */
	readonly evictOnAllocate: boolean;
	/** Virtual time of the current step (vLLM reads `time.monotonic_ns()` in the scheduler). */
	now = 0;
	/** Where evictions of sampled blocks go; none: they are dropped. */
	sink: ResidencySink | undefined;
	readonly #rng: Rng;
	/** Allocation time of a tracked block, NaN when the block is not tracked. */
	readonly #birth: Float64Array;
	readonly #lastAccess: Float64Array;
	/** The block's last accesses, oldest first, `#numAccesses[block]` of them. */
	readonly #accesses: Float64Array;
	readonly #numAccesses: Uint8Array;
	readonly #gaps = new Float64Array(RESIDENCY_HISTORY - 1);

	/**
	 * @throws RangeError when `sampleRate` is not in (0, 1] (vLLM's `Field(gt=0, le=1)`).
	 */
	constructor(numBlocks: number, sampleRate: number, rng: Rng, evictOnAllocate: boolean) {
		if (!(sampleRate > 0 && sampleRate <= 1)) throw new RangeError(`kv cache metrics sample rate must be in (0, 1], got ${sampleRate}`);
		this.sampleRate = sampleRate;
		this.evictOnAllocate = evictOnAllocate;
		this.#rng = rng;
		this.#birth = new Float64Array(numBlocks).fill(Number.NaN);
		this.#lastAccess = new Float64Array(numBlocks);
		this.#accesses = new Float64Array(numBlocks * RESIDENCY_HISTORY);
		this.#numAccesses = new Uint8Array(numBlocks);
	}

	/** True while `block` is tracked (tests). */
	isTracked(block: number): boolean {
		return !Number.isNaN(this.#birth[block]!);
	}

	/** `block` leaves the free queue for a request (`get_new_blocks`). */
	onAllocated(block: number): void {
		if (this.evictOnAllocate) this.#evict(block);
		if (this.#rng.next() < this.sampleRate) {
			this.#birth[block] = this.now;
			this.#lastAccess[block] = this.now;
			this.#numAccesses[block] = 0;
		}
	}

	/** A prefix-cache hit takes `block` (`touch`). */
	onAccessed(block: number): void {
		if (Number.isNaN(this.#birth[block]!)) return;
		const now = this.now;
		this.#lastAccess[block] = now;
		const base = block * RESIDENCY_HISTORY;
		const n = this.#numAccesses[block]!;
		if (n < RESIDENCY_HISTORY) {
			this.#accesses[base + n] = now;
			this.#numAccesses[block] = n + 1;
		} else {
			this.#accesses.copyWithin(base, base + 1, base + RESIDENCY_HISTORY);
			this.#accesses[base + RESIDENCY_HISTORY - 1] = now;
		}
	}

	/** Forget every tracked block (`reset`, on a prefix-cache reset). */
	reset(): void {
		this.#birth.fill(Number.NaN);
	}

	#evict(block: number): void {
		const birth = this.#birth[block]!;
		if (Number.isNaN(birth)) return;
		this.#birth[block] = Number.NaN;
		const sink = this.sink;
		if (sink === undefined) return;
		const now = this.now;
		const base = block * RESIDENCY_HISTORY;
		const n = this.#numAccesses[block]!;
		const gaps = this.#gaps;
		for (let i = 1; i < n; i++) gaps[i - 1] = this.#accesses[base + i]! - this.#accesses[base + i - 1]!;
		sink(now - birth, now - this.#lastAccess[block]!, gaps, Math.max(0, n - 1));
	}
}
