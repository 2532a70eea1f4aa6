import type {BatchShape} from './ports.js';
import type {SimRequest} from './request.js';
import {PrefixCacheStats} from './step-outcome.js';

/**
 * What {@link Scheduler.schedule} decided for one step (vLLM's `SchedulerOutput`): the scheduled
 * requests in batch order with their new tokens (`num_scheduled_tokens`) and draft lengths
 * (`scheduled_spec_decode_tokens`), the batch shape the cost model prices, and what scheduling
 * did on the way (preemptions, prefix-cache lookups). One instance per engine, overwritten every
 * step, in preallocated buffers: scheduling allocates nothing.
 */
export class StepPlan {
	/**
	 * Scheduled requests, `requests[0..size)`. Each one's new tokens (prompt chunk, or 1 + draft
	 * tokens), draft tokens and whether it is (re)computing its prompt are in the request itself
	 * (`SimRequest.stepNumNew`, `stepNumSpec`, `stepPrefill`).
	 */
	readonly requests: Array<SimRequest | undefined>;
	/** Draft tokens per scheduled request (0 = no draft this step), for verification (`EngineAcceptance.sampleAcceptedBatch`). */
	readonly numSpec: Int32Array;
	/** Each scheduled request's acceptance profile, copied so that verification reads the plan, not the requests. */
	readonly acceptanceProfile: Int32Array;
	size = 0;
	/** Entries of `requests` that may hold a request: `[size, held)` are the previous step's, cleared by {@link release}. */
	#held = 0;
	/** Virtual time at which the step was scheduled (`scheduled_timestamp`). */
	scheduledAt = 0;
	/** Σ numNew: the step's iteration tokens (`total_num_scheduled_tokens`). */
	numScheduledTokens = 0;
	/** Requests preempted while scheduling this step (vLLM admits no waiting request then). */
	numPreempted = 0;
	/** Requests admitted from the waiting queue this step (new or resumed). */
	numAdmitted = 0;
	/** Prefix-cache lookups made while scheduling (vLLM's `PrefixCacheStats` of the step). */
	readonly prefixCache = new PrefixCacheStats();
	/** The batch as the cost model sees it. */
	readonly shape: BatchShape = {
		numPrefillTokens: 0,
		numDecodeRequests: 0,
		numScheduledSpecTokens: 0,
		numDraftingRequests: 0,
		draftLength: 0,
		contextTokens: 0,
		attentionTokenPairs: 0,
		expansionContextTokens: 0,
	};

	constructor(maxNumSeqs: number) {
		this.requests = new Array<SimRequest | undefined>(maxNumSeqs);
		this.numSpec = new Int32Array(maxNumSeqs);
		this.acceptanceProfile = new Int32Array(maxNumSeqs);
	}

	/**
	 * Start a new plan. The previous step's requests stay in `requests` beyond `size` until
	 * {@link release}: a request scheduled again at the same index (most of a steady batch) is not
	 * written again. Writing a young request into the plan's old array costs a write barrier (the
	 * remembered set of the generational GC), and a request usually lives its whole life young.
	 */
	reset(scheduledAt: number, draftLength: number): void {
		if (this.size > this.#held) this.#held = this.size;
		this.size = 0;
		this.scheduledAt = scheduledAt;
		this.numScheduledTokens = 0;
		this.numPreempted = 0;
		this.numAdmitted = 0;
		this.prefixCache.reset();
		const shape = this.shape;
		shape.numPrefillTokens = 0;
		shape.numDecodeRequests = 0;
		shape.numScheduledSpecTokens = 0;
		shape.numDraftingRequests = 0;
		shape.draftLength = draftLength;
		shape.contextTokens = 0;
		shape.attentionTokenPairs = 0;
		shape.expansionContextTokens = 0;
	}

	/** Append a scheduled request (its computed tokens are those before this step). */
	push(request: SimRequest, numNew: number, numSpec: number, prefill: boolean): void {
		const j = this.size++;
		if (this.requests[j] !== request) this.requests[j] = request;
		request.stepNumNew = numNew;
		request.stepNumSpec = numSpec;
		request.stepPrefill = prefill;
		this.numSpec[j] = numSpec;
		this.acceptanceProfile[j] = request.acceptanceProfile;
		this.numScheduledTokens += numNew;
		const shape = this.shape;
		shape.contextTokens += request.numComputedTokens + numNew;
		shape.attentionTokenPairs = (shape.attentionTokenPairs ?? 0) + attentionPairs(request.numComputedTokens, numNew);
		if (prefill) {
			shape.numPrefillTokens += numNew;
		} else {
			shape.numDecodeRequests += 1;
			if (numSpec > 0) {
				shape.numDraftingRequests += 1;
				shape.numScheduledSpecTokens += numSpec;
				shape.expansionContextTokens = (shape.expansionContextTokens ?? 0) + expansionContext(request.numComputedTokens, numSpec);
			}
		}
	}

	/** Drop the previous step's requests beyond `size` (call once the plan is complete): a plan retains no finished request. */
	release(): void {
		for (let j = this.size; j < this.#held; j++) this.requests[j] = undefined;
		this.#held = this.size;
	}

	/** Take a scheduled request out of the plan (priority preemption); returns its new tokens. */
	remove(request: SimRequest): number {
		const j = this.requests.indexOf(request);
		if (j < 0 || j >= this.size) return 0;
		const numNew = request.stepNumNew;
		const numSpec = request.stepNumSpec;
		const shape = this.shape;
		this.numScheduledTokens -= numNew;
		shape.contextTokens -= request.numComputedTokens + numNew;
		shape.attentionTokenPairs = (shape.attentionTokenPairs ?? 0) - attentionPairs(request.numComputedTokens, numNew);
		if (request.stepPrefill) {
			shape.numPrefillTokens -= numNew;
		} else {
			shape.numDecodeRequests -= 1;
			if (numSpec > 0) {
				shape.numDraftingRequests -= 1;
				shape.numScheduledSpecTokens -= numSpec;
				shape.expansionContextTokens = (shape.expansionContextTokens ?? 0) - expansionContext(request.numComputedTokens, numSpec);
			}
		}
		for (let i = j; i < this.size - 1; i++) {
			this.requests[i] = this.requests[i + 1];
			this.numSpec[i] = this.numSpec[i + 1]!;
			this.acceptanceProfile[i] = this.acceptanceProfile[i + 1]!;
		}
		this.size -= 1;
		this.requests[this.size] = undefined;
		return numNew;
	}
}

/** Causal attention of `numNew` new tokens after `computed` ones: query × context pairs (the cost model's attention FLOPs). */
function attentionPairs(computed: number, numNew: number): number {
	return numNew * (computed + (numNew + 1) / 2);
}

/** Extra context a batch-expansion scorer reads for `numSpec` drafts after `computed` tokens (see `StepShape.expansionContextTokens`). */
function expansionContext(computed: number, numSpec: number): number {
	return numSpec * computed + (numSpec * (numSpec + 1)) / 2;
}
