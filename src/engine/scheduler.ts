import type {SpecDecodingStats} from '../metrics/stats/spec-decoding-stats.js';
import type {KvCache} from './kv-cache.js';
import type {FinishReason, SimRequest} from './request.js';
import {createRequestQueue, type RequestQueue, type SchedulingPolicy} from './request-queue.js';
import type {SchedulerConfig} from './scheduler-config.js';
import type {StepOutcome} from './step-outcome.js';
import type {StepPlan} from './step-plan.js';

/** What the scheduler asks of the rest of the engine. */
export type SchedulerHooks = {
	/** Draft length in [0, maxDraft] for a scheduled decoding request (the proposer). */
	propose(request: SimRequest, numSpecTokens: number, maxDraft: number): number;
	/** A request is admitted for the first time (draw its acceptance profile, init the proposer). */
	onFirstAdmit(request: SimRequest): void;
	/** `propose` always drafts `maxDraft` and draws nothing (`EngineProposer.fixedLength`): it is not called. */
	readonly fixedLength?: boolean;
};

/**
 * vLLM v1's scheduler (`vllm/v1/core/sched/scheduler.py`), in its shape: {@link schedule} turns
 * the running and waiting queues into a {@link StepPlan} (vLLM's `SchedulerOutput`);
 * {@link updateFromOutput} applies the model's result to the requests (rejected drafts rolled
 * back, tokens appended, stop checks, KV freed) and fills the step's {@link StepOutcome}.
 *
 * Rules, each with a table test in `test/engine/scheduler.test.ts`:
 * - running requests first, in order, under the token budget (`max_num_batched_tokens`); a
 *   request that gets 0 new tokens is skipped, not a stop;
 * - a decoding request's draft is trimmed to the budget and to `max_model_len - 1`; a draft
 *   trimmed to 0 is no draft;
 * - when the KV cache cannot grow, the lowest-priority running request is preempted (FCFS: the
 *   newest; priority: the largest `(priority, arrival)`), its KV freed and its computed tokens
 *   forgotten (recompute); if that is the request itself, scheduling of running requests stops;
 * - no waiting request is admitted in a step that preempted; none beyond `max_num_seqs`; none
 *   while paused (asleep); without chunked prefill a prompt larger than the budget blocks the queue;
 * - a newly admitted request reserves no lookahead slots (vLLM: `effective_lookahead_tokens` is 0
 *   when `num_computed_tokens == 0`); running requests reserve `k`.
 *
 * Everything runs in preallocated buffers: no allocation per step.
 */
export class Scheduler {
	readonly config: Required<SchedulerConfig>;
	readonly kv: KvCache;
	readonly policy: SchedulingPolicy;
	readonly running: SimRequest[] = [];
	readonly waiting: RequestQueue;
	/** `num_speculative_tokens` (also the lookahead slots a running request reserves). */
	numSpecTokens: number;
	/** Admit nothing from the waiting queue (an engine asleep: vLLM's `PAUSED_NEW`). */
	paused = false;
	#hooks: SchedulerHooks;

	constructor(config: Required<SchedulerConfig>, kv: KvCache, numSpecTokens: number, hooks: SchedulerHooks, policy: SchedulingPolicy = 'fcfs') {
		this.config = config;
		this.kv = kv;
		this.numSpecTokens = numSpecTokens;
		this.#hooks = hooks;
		this.policy = policy;
		this.waiting = createRequestQueue(policy);
	}

	addRequest(request: SimRequest): void {
		request.status = 'waiting';
		this.waiting.add(request);
	}

	/** Decide the next step into `plan` (vLLM's `schedule()`). */
	schedule(plan: StepPlan, now: number): void {
		const k = this.numSpecTokens;
		const lookahead = k; // vLLM reserves num_lookahead_tokens = k KV slots per running request
		const maxModelLen = this.config.maxModelLen;
		const kv = this.kv;
		const caching = kv.enablePrefixCaching === true;
		const blockSize = kv.blockSize;
		const running = this.running;
		const fixedLength = this.#hooks.fixedLength === true;
		plan.reset(now, k);
		let budget = this.config.maxNumBatchedTokens;

		// 1. Running requests, in order; preempt when the KV cache cannot grow. The loop body is kept
		// small (rare paths in methods of their own) so that V8 inlines the calls every request makes.
		for (let i = 0; i < running.length && budget > 0; i++) {
			const request = running[i]!;
			const computed = request.numComputedTokens;
			const numTokens = request.promptTokens + request.numOutputTokens;
			// SimRequest.isPrefilling, read from the fields already loaded.
			const prefill = request.numOutputTokens === 0 || numTokens - computed > 1;
			let numNew: number;
			let numSpec = 0;
			if (prefill) {
				numNew = this.#prefillChunk(request, budget);
			} else {
				// The budget and max_model_len caps go to the proposer up front (vLLM trims the draft list
				// to them); a draft trimmed to 0 is not a draft.
				// Math.min and Math.max written as comparisons: every operand is an integer, and the
				// functions compare as doubles.
				const left = maxModelLen - 1 - computed;
				// biome-ignore lint/complexity/useMathMinMax: integers (see above)
				const room = budget < left ? budget : left;
				// biome-ignore lint/complexity/useMathMinMax: integers (see above)
				const maxDraft = room - 1 < k ? (room - 1 > 0 ? room - 1 : 0) : k;
				if (k > 0 && maxDraft > 0) numSpec = fixedLength ? maxDraft : this.#hooks.propose(request, k, maxDraft);
				// biome-ignore lint/complexity/useMathMinMax: integers (see above)
				numNew = 1 + numSpec < room ? 1 + numSpec : room;
			}
			if (numNew <= 0) continue;
			const needSlots = computed + numNew + lookahead;
			// Never unverified drafts (Math.min as a comparison, as above).
			// biome-ignore lint/complexity/useMathMinMax: integers, compared as integers
			const toCache = computed + numNew < numTokens ? computed + numNew : numTokens;
			// KvCache.allocateSlots has nothing to do while the table holds the slots and no block
			// becomes full (most steps): that test is made here, without the call.
			if (needSlots > request.numSlotTokens || (caching && toCache >= (request.numHashedBlocks + 1) * blockSize)) {
				if (!kv.allocateSlots(request, needSlots, toCache)) {
					const scheduled = this.#preemptFor(request, i, needSlots, toCache, plan);
					i -= this.#removedBefore;
					budget += this.#returnedBudget;
					if (!scheduled) break;
				}
			}
			plan.push(request, numNew, numSpec, prefill);
			budget -= numNew;
		}

		// 2. Waiting requests, only if nothing was preempted this step (vLLM v1) and not paused.
		if (plan.numPreempted === 0 && !this.paused) this.#admitWaiting(plan, budget, now);
		plan.release();
	}

	/** Of the last {@link #preemptFor}: requests scheduled earlier this step that it preempted, and their tokens. */
	#removedBefore = 0;
	#returnedBudget = 0;

	/**
	 * Preempt running requests (lowest priority first) until the KV cache gives `request`, at index
	 * `i` of the running list, its slots; false when `request` itself was preempted. Requests
	 * scheduled earlier this step that lose their slot (priority) leave the plan: their count and
	 * tokens are left in {@link #removedBefore} and {@link #returnedBudget}.
	 */
	#preemptFor(request: SimRequest, i: number, needSlots: number, toCache: number, plan: StepPlan): boolean {
		const running = this.running;
		this.#removedBefore = 0;
		this.#returnedBudget = 0;
		for (;;) {
			const victimIndex = this.#victimIndex();
			const victim = running[victimIndex]!;
			if (victimIndex === running.length - 1) running.pop();
			else running.splice(victimIndex, 1);
			if (victimIndex < i - this.#removedBefore) {
				// Priority: a request scheduled earlier this step loses its slot and gives back its tokens.
				this.#returnedBudget += plan.remove(victim);
				this.#removedBefore += 1;
			}
			this.#preempt(victim, plan);
			if (victim === request) return false;
			if (this.kv.allocateSlots(request, needSlots, toCache)) return true;
		}
	}

	/** Admit waiting requests under the rest of the budget (step 2 of {@link schedule}). */
	#admitWaiting(plan: StepPlan, budget: number, now: number): void {
		const {maxNumSeqs, chunkedPrefill} = this.config;
		const kv = this.kv;
		const running = this.running;
		while (budget > 0 && running.length < maxNumSeqs && this.waiting.size > 0) {
			const request = this.waiting.peek()!;
			// Prefix-cache lookup, counted on every attempt as vLLM does (queries = num_tokens).
			const hit = kv.findCachedPrefix(request);
			if (kv.enablePrefixCaching) plan.prefixCache.record(request.numTokens, hit, request.numPreemptions > 0);
			const remaining = request.numTokens - hit;
			if (!chunkedPrefill && remaining > budget) break;
			const numNew = this.#prefillChunk(request, budget, hit);
			// A request with nothing computed reserves no lookahead (vLLM's effective_lookahead_tokens).
			if (!kv.allocateSlots(request, hit + numNew, Math.min(hit + numNew, request.numTokens), true)) break;
			this.waiting.pop();
			request.numComputedTokens = hit;
			request.status = 'running';
			if (Number.isNaN(request.scheduledAt)) request.scheduledAt = now;
			if (request.numCachedTokens < 0) {
				request.numCachedTokens = hit;
				this.#hooks.onFirstAdmit(request);
			}
			running.push(request);
			plan.numAdmitted += 1;
			plan.push(request, numNew, 0, true);
			budget -= numNew;
		}
	}

	/**
	 * Apply a step's result at its end time `t` (vLLM's `update_from_output`): `accepted[j]` draft
	 * tokens of scheduled request j were accepted. Rolls back rejected drafts, appends accepted
	 * plus bonus tokens, records spec-decode stats (before stop truncation, as vLLM), finishes
	 * requests and frees their KV.
	 */
	updateFromOutput(plan: StepPlan, accepted: Int32Array, t: number, out: StepOutcome, stats: SpecDecodingStats): void {
		// Booleans compared with true: a field's value is not known to be a boolean, and a plain test
		// costs a generic truthiness check.
		const clamp = this.config.clampAcceptedAtMaxTokens === true;
		const maxModelLen = this.config.maxModelLen;
		const requests = plan.requests;
		const size = plan.size;
		const interTokenLatency = out.interTokenLatency;
		// The step's inter-token latencies as the current run of equal values (RunBuffer's runs), kept in
		// locals and pushed when the value changes: every request decoded in the previous step has the same.
		let itlValue = 0;
		let itlCount = 0;
		// The step's sums, kept in locals and added to the outcome once.
		let scheduledTokens = 0;
		let generationTokens = 0;
		let decodeRequests = 0;
		let anyFinished = false;
		// SpecDecodingStats.observeDraft and the outcome's draft pairs, with the sums and the count in locals.
		const statsK = stats.numSpecTokens;
		const acceptedHistogram = stats.acceptedHistogram;
		const draftedHistogram = stats.draftedHistogram;
		const draftPairs = out.draftPairs;
		let numDraftPairs = out.numDraftPairs;
		let numDrafts = 0;
		let numDraftTokens = 0;
		let numAcceptedTokens = 0;
		// The outcome's token requests, with the count in a local.
		const tokenRequests = out.tokenRequests;
		const newTokens = out.newTokens;
		let numTokenRequests = out.numTokenRequests;
		// The loop body is kept small (prefill completion, errors and finishing in methods of their
		// own) so that V8 inlines the calls every decoding request makes.
		for (let j = 0; j < size; j++) {
			const request = requests[j]!;
			if (request.status !== 'running') continue; // aborted while the step ran
			if (request.failsWithError === true) {
				this.#finishFromStep(request, 'error', t, out);
				anyFinished = true;
				continue;
			}
			// The request's plan entry is in its own fields (SimRequest.stepNumNew): no typed-array reads.
			const numNew = request.stepNumNew;
			scheduledTokens += numNew;
			let generated: number;
			if (request.stepPrefill === true) {
				// A resumed request's latency goes to the buffer directly: the run so far goes first.
				if (itlCount > 0) {
					interTokenLatency.pushRun(itlValue, itlCount);
					itlCount = 0;
				}
				generated = this.#prefillComputed(request, numNew, t, out);
				if (generated === 0) continue; // more chunks to go
			} else {
				const numSpec = request.stepNumSpec;
				let numAccepted = accepted[j]!;
				if (clamp) numAccepted = Math.min(numAccepted, Math.max(0, request.maxTokens - request.numOutputTokens - 1));
				// Rejected draft tokens are rolled back: their KV slots are recomputed next step.
				request.numComputedTokens += numNew - (numSpec - numAccepted);
				generated = numAccepted + 1;
				decodeRequests += 1;
				const itl = t - request.lastTokenAt;
				if (itlCount > 0 && itl === itlValue) {
					itlCount += 1;
				} else {
					if (itlCount > 0) interTokenLatency.pushRun(itlValue, itlCount);
					itlValue = itl;
					itlCount = 1;
				}
				if (numSpec > 0) {
					// observeDraft's range check; observeDraft itself throws, naming the values.
					if (!(numAccepted >= 0 && numAccepted <= numSpec && numSpec <= statsK)) stats.observeDraft(numSpec, numAccepted);
					numDrafts += 1;
					numDraftTokens += numSpec;
					numAcceptedTokens += numAccepted;
					acceptedHistogram[numAccepted]! += 1;
					draftedHistogram[numSpec]! += 1;
					request.recordSpecStep(numSpec, numAccepted);
					draftPairs[2 * numDraftPairs] = numSpec;
					draftPairs[2 * numDraftPairs + 1] = numAccepted;
					numDraftPairs += 1;
				}
			}
			// Stop handling after the stats (vLLM's order): tokens past the end are dropped.
			const numOutputBefore = request.numOutputTokens;
			const numTokensBefore = request.promptTokens + numOutputBefore;
			const maxTokens = request.maxTokens;
			const appended = Math.min(generated, maxTokens - numOutputBefore, maxModelLen - numTokensBefore);
			// A request at the index it had in the previous step (most of a steady batch) is not written
			// again: writing a young request into the outcome's old array costs a write barrier.
			if (tokenRequests[numTokenRequests] !== request) tokenRequests[numTokenRequests] = request;
			newTokens[numTokenRequests] = appended;
			numTokenRequests += 1;
			const numOutput = numOutputBefore + appended;
			request.numOutputTokens = numOutput;
			generationTokens += appended;
			// firstTokenAt is set the first time a step reaches here, so it is NaN only while nothing was
			// output before: test that first and leave the (boxed) time unread on every decode step.
			if (numOutputBefore === 0 && Number.isNaN(request.firstTokenAt)) request.firstTokenAt = t;
			request.lastTokenAt = t;
			if (numOutput >= maxTokens || numTokensBefore + appended >= maxModelLen) {
				this.#finishFromStep(request, numOutput >= maxTokens ? request.endReason : 'length', t, out);
				anyFinished = true;
			}
		}
		if (itlCount > 0) interTokenLatency.pushRun(itlValue, itlCount);
		out.numScheduledTokens += scheduledTokens;
		out.generationTokens += generationTokens;
		out.numDecodeRequests += decodeRequests;
		out.numDraftPairs = numDraftPairs;
		out.numTokenRequests = numTokenRequests;
		stats.numDrafts += numDrafts;
		stats.numDraftTokens += numDraftTokens;
		stats.numAcceptedTokens += numAcceptedTokens;
		if (anyFinished) this.#compactRunning();
	}

	/**
	 * A prefill chunk of `numNew` tokens was computed: the tokens it sampled (1 once the whole
	 * prompt, or history after a preemption, is computed; 0 while chunks remain), with the first
	 * token's TTFT and prompt counts or, for a resumed request, its inter-token latency.
	 */
	#prefillComputed(request: SimRequest, numNew: number, t: number, out: StepOutcome): number {
		request.numComputedTokens += numNew;
		out.numPrefillTokens += numNew;
		if (request.numComputedTokens < request.numTokens) return 0;
		if (request.numOutputTokens === 0) {
			out.promptTokens += request.promptTokens;
			out.promptTokensCached += request.numCachedTokens;
			out.ttft.push(t - request.arrivalAt);
		} else {
			out.interTokenLatency.push(t - request.lastTokenAt);
		}
		return 1;
	}

	/** Finish a request of the step (stop, length, or an injected `error`, whose output is lost as vLLM's FINISHED_ERROR; docs/faults.md). */
	#finishFromStep(request: SimRequest, reason: FinishReason, t: number, out: StepOutcome): void {
		this.#finish(request, reason, t);
		out.finished.push(request);
	}

	/**
	 * Finish a queued or running request from outside the step loop (client abort, engine error):
	 * vLLM's `finish_requests`. Returns false if the request is not in this scheduler.
	 */
	finishRequest(request: SimRequest, reason: FinishReason, t: number): boolean {
		if (request.status === 'waiting') {
			if (!this.waiting.remove(request)) return false;
		} else if (request.status === 'running') {
			const i = this.running.indexOf(request);
			if (i < 0) return false;
			this.running.splice(i, 1);
		} else {
			return false;
		}
		this.#finish(request, reason, t);
		return true;
	}

	#finish(request: SimRequest, reason: FinishReason, t: number): void {
		request.status = 'finished';
		request.finishedAt = t;
		request.finishReason = reason;
		this.kv.free(request);
	}

	#compactRunning(): void {
		// In place: no new array per step.
		const running = this.running;
		let kept = 0;
		for (let i = 0; i < running.length; i++) {
			const request = running[i]!;
			if (request.status !== 'running') continue;
			// Only moved entries are written (a write of a young request costs a barrier; see StepPlan.reset).
			if (kept !== i) running[kept] = request;
			kept += 1;
		}
		// Popped rather than `length = kept`: a length store is a call into V8's runtime, which also
		// gives the array a smaller backing store that the next admissions grow again.
		while (running.length > kept) running.pop();
	}

	#prefillChunk(request: SimRequest, budget: number, numComputed = request.numComputedTokens): number {
		let numNew = Math.min(request.numTokens - numComputed, budget);
		const threshold = this.config.longPrefillTokenThreshold;
		if (threshold > 0) numNew = Math.min(numNew, threshold);
		return Math.min(numNew, this.config.maxModelLen - numComputed);
	}

	/** Index of the running request to preempt: FCFS the newest; priority the largest `(priority, arrival)`. */
	#victimIndex(): number {
		const running = this.running;
		let worst = running.length - 1;
		if (this.policy !== 'priority') return worst;
		for (let i = running.length - 2; i >= 0; i--) {
			const a = running[i]!;
			const b = running[worst]!;
			if (a.priority > b.priority || (a.priority === b.priority && a.arrivalAt > b.arrivalAt)) worst = i;
		}
		return worst;
	}

	/** Preemption by recompute: free the KV, forget computed tokens and drafts, requeue. */
	#preempt(request: SimRequest, plan: StepPlan): void {
		this.kv.free(request);
		request.numComputedTokens = 0;
		request.status = 'waiting';
		request.numPreemptions += 1;
		plan.numPreempted += 1;
		this.waiting.prepend(request);
	}
}
