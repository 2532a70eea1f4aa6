import type {SpecDecodingStats} from '../metrics/stats/spec-decoding-stats.js';
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
	/** What the same batch would have cost without speculative decoding (cost model). */
	noSpecLatencyS = 0;
	/** Requests that received tokens this step (what a non-speculative step would have produced). */
	numTokenRequests = 0;
	numScheduledTokens = 0;
	numPrefillTokens = 0;
	numDecodeRequests = 0;
	numPreemptions = 0;
	/** Prompt tokens of requests that produced their first token this step (`vllm:prompt_tokens`). */
	promptTokens = 0;
	/** Output tokens appended this step (`vllm:generation_tokens`). */
	generationTokens = 0;
	numRunning = 0;
	numWaiting = 0;
	/** `vllm:kv_cache_usage_perc`, 0..1. */
	kvUsage = 0;
	/** This step's spec-decode stats, or undefined when nothing was drafted (vLLM sends None). */
	specStats: SpecDecodingStats | undefined;
	/** `[numDraftTokens, numAcceptedTokens]` per draft, in request order: `draftPairs[2i]`, `draftPairs[2i+1]`. */
	readonly draftPairs: Int32Array;
	numDraftPairs = 0;
	/** Time-to-first-token of requests that got their first token this step. */
	readonly ttft: FloatBuffer;
	/** One inter-token latency per request that got tokens this step after an earlier token. */
	readonly interTokenLatency: FloatBuffer;
	/** Requests that finished this step. */
	readonly finished: SimRequest[] = [];

	constructor(engine: number, maxNumSeqs: number) {
		this.engine = engine;
		this.draftPairs = new Int32Array(2 * maxNumSeqs);
		this.ttft = new FloatBuffer(16);
		this.interTokenLatency = new FloatBuffer(maxNumSeqs);
	}

	reset(t: number, startedAt: number): void {
		this.t = t;
		this.startedAt = startedAt;
		this.numScheduledTokens = 0;
		this.numPrefillTokens = 0;
		this.numDecodeRequests = 0;
		this.promptTokens = 0;
		this.generationTokens = 0;
		this.numTokenRequests = 0;
		this.specStats = undefined;
		this.numDraftPairs = 0;
		this.ttft.clear();
		this.interTokenLatency.clear();
		this.finished.length = 0;
	}

	pushDraft(numDraftTokens: number, numAccepted: number): void {
		this.draftPairs[2 * this.numDraftPairs] = numDraftTokens;
		this.draftPairs[2 * this.numDraftPairs + 1] = numAccepted;
		this.numDraftPairs += 1;
	}
}
