/**
 * vLLM's `CachingMetrics` (`vllm/v1/metrics/stats.py`): the prefix-cache hit rate over the most
 * recent `maxRecentRequests` requests. Each observation is one scheduler step's
 * `(requests, queries, hits)`; steps without a request are not kept (they would push useful ones
 * out); the oldest are dropped while more than `maxRecentRequests` requests are held, keeping the
 * newest whatever its size. A fixed ring (each kept step has at least one request, so at most
 * `maxRecentRequests + 1` are held): no allocation per step.
 */
export class CachingMetrics {
	readonly maxRecentRequests: number;
	#requests: Float64Array;
	#queries: Float64Array;
	#hits: Float64Array;
	#head = 0;
	#size = 0;
	#aggRequests = 0;
	#aggQueries = 0;
	#aggHits = 0;

	constructor(maxRecentRequests = 1000) {
		if (!Number.isSafeInteger(maxRecentRequests) || maxRecentRequests < 1) {
			throw new RangeError(`maxRecentRequests must be a positive integer, got ${maxRecentRequests}`);
		}
		this.maxRecentRequests = maxRecentRequests;
		const capacity = maxRecentRequests + 1;
		this.#requests = new Float64Array(capacity);
		this.#queries = new Float64Array(capacity);
		this.#hits = new Float64Array(capacity);
	}

	/** `observe(stats)`; `reset` first when the cache was reset before this update. */
	observe(requests: number, queries: number, hits: number, reset = false): void {
		if (reset) this.reset();
		if (requests === 0) return;
		const capacity = this.#requests.length;
		const at = (this.#head + this.#size) % capacity;
		this.#requests[at] = requests;
		this.#queries[at] = queries;
		this.#hits[at] = hits;
		this.#size += 1;
		this.#aggRequests += requests;
		this.#aggQueries += queries;
		this.#aggHits += hits;
		while (this.#size > 1 && this.#aggRequests > this.maxRecentRequests) {
			const old = this.#head;
			this.#aggRequests -= this.#requests[old]!;
			this.#aggQueries -= this.#queries[old]!;
			this.#aggHits -= this.#hits[old]!;
			this.#head = (old + 1) % capacity;
			this.#size -= 1;
		}
	}

	reset(): void {
		this.#head = 0;
		this.#size = 0;
		this.#aggRequests = 0;
		this.#aggQueries = 0;
		this.#aggHits = 0;
	}

	/** No request observed since the last reset. */
	get empty(): boolean {
		return this.#aggRequests === 0;
	}

	/** Hits over queries of the kept requests, 0 without queries. */
	get hitRate(): number {
		return this.#aggQueries === 0 ? 0 : this.#aggHits / this.#aggQueries;
	}
}
