import type {SpecDecodingStats} from '../metrics/stats/spec-decoding-stats.js';
import type {StepShape} from './cost/types.js';
import type {SimRequest} from './request.js';

/** A growable float buffer reused across steps (no allocation once it is large enough). */
export class FloatBuffer {
	values: Float64Array;
	length = 0;

	constructor(capacity: number) {
		this.values = new Float64Array(Math.max(1, capacity));
	}

	push(value: number): void {
		if (this.length === this.values.length) {
			const grown = new Float64Array(this.values.length * 2);
			grown.set(this.values);
			this.values = grown;
		}
		this.values[this.length++] = value;
	}

	clear(): void {
		this.length = 0;
	}
}

/**
 * Values pushed one at a time, kept as runs of equal consecutive values: `values[i]` repeated
 * `counts[i]` times, `i < length`. A step gives every request decoded in the previous step the
 * same inter-token latency, so consumers observe one run instead of the whole batch (exactly what
 * observing each value would give: runs are split where `===` differs). Reused across steps.
 */
export class RunBuffer {
	values: Float64Array;
	counts: Float64Array;
	/** Runs. */
	length = 0;

	constructor(capacity: number) {
		this.values = new Float64Array(Math.max(1, capacity));
		this.counts = new Float64Array(Math.max(1, capacity));
	}

	push(value: number): void {
		const n = this.length;
		if (n > 0 && this.values[n - 1] === value) {
			this.counts[n - 1]! += 1;
			return;
		}
		if (n === this.values.length) {
			const values = new Float64Array(n * 2);
			values.set(this.values);
			this.values = values;
			const counts = new Float64Array(n * 2);
			counts.set(this.counts);
			this.counts = counts;
		}
		this.values[n] = value;
		this.counts[n] = 1;
		this.length = n + 1;
	}

	/** `count` pushes of `value` at once (the scheduler keeps the current run in locals). */
	pushRun(value: number, count: number): void {
		const n = this.length;
		if (n > 0 && this.values[n - 1] === value) {
			this.counts[n - 1]! += count;
			return;
		}
		this.push(value);
		// NaN is not === itself: each push of it is a run of its own.
		if (Number.isNaN(value)) for (let i = 1; i < count; i++) this.push(value);
		else this.counts[n]! += count - 1;
	}

	clear(): void {
		this.length = 0;
	}
}

/**
 * Prefix-cache lookups of one step, as vLLM's `PrefixCacheStats` counts them: one record per
 * lookup of a waiting request at admission, in tokens (`queries` = the request's `num_tokens`,
 * `hits` = tokens found in full cached blocks); previously preempted requests counted apart.
 */
export class PrefixCacheStats {
	requests = 0;
	queries = 0;
	hits = 0;
	preemptedRequests = 0;
	preemptedQueries = 0;
	preemptedHits = 0;

	record(numTokens: number, numHits: number, preempted: boolean): void {
		if (preempted) {
			this.preemptedRequests += 1;
			this.preemptedQueries += numTokens;
			this.preemptedHits += numHits;
		} else {
			this.requests += 1;
			this.queries += numTokens;
			this.hits += numHits;
		}
	}

	add(other: PrefixCacheStats): void {
		this.requests += other.requests;
		this.queries += other.queries;
		this.hits += other.hits;
		this.preemptedRequests += other.preemptedRequests;
		this.preemptedQueries += other.preemptedQueries;
		this.preemptedHits += other.preemptedHits;
	}

	reset(): void {
		this.requests = 0;
		this.queries = 0;
		this.hits = 0;
		this.preemptedRequests = 0;
		this.preemptedQueries = 0;
		this.preemptedHits = 0;
	}
}

/**
 * Everything one engine step produced, as of its end time: what vLLM's engine core hands its
 * stat loggers (`SchedulerStats`, `IterationStats`) plus the step's draft pairs for the event
 * stream. One instance per engine, overwritten every step: consumers copy what they keep.
 */
export class StepOutcome {
	readonly engine: number;
	/** Virtual time at which the step ended (its outputs are visible). */
	t = 0;
	startedAt = 0;
	latencyS = 0;
	/**
	 * The batch the step ran, as the cost model priced it: the engine's own plan, read in place (no
	 * copy), valid until the engine's next `beginStep` (observers run before it). Feeds the MFU
	 * estimate (`--enable-mfu-metrics`). Undefined for an outcome no engine owns.
	 */
	shape: Readonly<StepShape> | undefined;
	/** What the same batch would have cost without speculative decoding (cost model). */
	noSpecLatencyS = 0;
	/** Requests that received tokens this step (what a non-speculative step would have produced). */
	numTokenRequests = 0;
	numScheduledTokens = 0;
	numPrefillTokens = 0;
	numDecodeRequests = 0;
	/** Requests preempted while this step was scheduled (`IterationStats.num_preempted_reqs`). */
	numPreemptions = 0;
	/** Prompt tokens of requests that produced their first token this step (`vllm:prompt_tokens`). */
	promptTokens = 0;
	/** Of `promptTokens`, those served from the prefix cache (`prompt_tokens_by_source`, `local_cache_hit`). */
	promptTokensCached = 0;
	/** Output tokens appended this step (`vllm:generation_tokens`). */
	generationTokens = 0;
	numRunning = 0;
	/** `vllm:num_requests_waiting`: queued requests, materialised or not (see the simulation's waiting cap). */
	numWaiting = 0;
	/**
	 * `vllm:num_requests_waiting_by_reason`: `capacity` waits for KV blocks, a batch slot or token
	 * budget; `deferred` is held back by something else (here: the engine is asleep). They sum to
	 * `numWaiting`.
	 */
	numWaitingCapacity = 0;
	numWaitingDeferred = 0;
	/** `vllm:engine_sleep_state`-style level: 0 awake, 1 asleep (weights offloaded), 2 asleep (weights discarded). */
	sleepLevel = 0;
	/** Prefix-cache lookups made while scheduling this step (`SchedulerStats.prefix_cache_stats`). */
	readonly prefixCache = new PrefixCacheStats();
	/** `vllm:kv_cache_usage_perc`, 0..1. */
	kvUsage = 0;
	/** This step's spec-decode stats, or undefined when nothing was drafted (vLLM sends None). */
	specStats: SpecDecodingStats | undefined;
	/** `[numDraftTokens, numAcceptedTokens]` per draft, in request order: `draftPairs[2i]`, `draftPairs[2i+1]`. */
	readonly draftPairs: Int32Array;
	numDraftPairs = 0;
	/** Time-to-first-token of requests that got their first token this step. */
	readonly ttft: FloatBuffer;
	/** One inter-token latency per request that got tokens this step after an earlier token, as runs of equal values. */
	readonly interTokenLatency: RunBuffer;
	/**
	 * Requests that received tokens this step, `tokenRequests[0..numTokenRequests)`, with `newTokens[i]` tokens each (written by
	 * the scheduler; an entry the same as the previous step's is not written again).
	 */
	readonly tokenRequests: Array<SimRequest | undefined>;
	readonly newTokens: Int32Array;
	/** Entries of `tokenRequests` that may hold a request (`[numTokenRequests, held)`: the previous step's). */
	#heldTokenRequests = 0;
	/**
	 * Requests that finished this step (stop, length, or aborted/errored since the last step),
	 * with their timestamps (`arrivalAt`, `scheduledAt`, `firstTokenAt`, `lastTokenAt`,
	 * `finishedAt`), `finishReason` and `numCachedTokens`: vLLM's `FinishedRequestStats`.
	 */
	readonly finished: SimRequest[] = [];

	constructor(engine: number, maxNumSeqs: number) {
		this.engine = engine;
		this.draftPairs = new Int32Array(2 * maxNumSeqs);
		this.ttft = new FloatBuffer(16);
		this.interTokenLatency = new RunBuffer(16);
		this.tokenRequests = new Array<SimRequest | undefined>(maxNumSeqs);
		this.newTokens = new Int32Array(maxNumSeqs);
	}

	reset(t: number, startedAt: number): void {
		this.t = t;
		this.startedAt = startedAt;
		this.numScheduledTokens = 0;
		this.numPrefillTokens = 0;
		this.numDecodeRequests = 0;
		this.promptTokens = 0;
		this.promptTokensCached = 0;
		this.generationTokens = 0;
		// The previous step's token requests stay until releaseTokenRequests: the scheduler rewrites only changed entries.
		if (this.numTokenRequests > this.#heldTokenRequests) this.#heldTokenRequests = this.numTokenRequests;
		this.numTokenRequests = 0;
		this.specStats = undefined;
		this.numDraftPairs = 0;
		this.ttft.clear();
		this.interTokenLatency.clear();
		// Popped: an array's length store is a call into V8's runtime that also drops the backing store,
		// which the next step's finished requests then allocate again.
		const finished = this.finished;
		while (finished.length > 0) finished.pop();
	}

	/** Drop the previous step's token requests beyond `numTokenRequests` (once the step's are pushed): an outcome retains no finished request. */
	releaseTokenRequests(): void {
		for (let i = this.numTokenRequests; i < this.#heldTokenRequests; i++) this.tokenRequests[i] = undefined;
		this.#heldTokenRequests = this.numTokenRequests;
	}
}
