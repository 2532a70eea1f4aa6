import type {Rng} from '../rng/rng.js';
import {SpecDecodingStats} from '../metrics/stats/spec-decoding-stats.js';
import {Deque} from './deque.js';
import {KvCache} from './kv-cache.js';
import type {BatchShape, EngineAcceptance, EngineCost, EngineProposer} from './ports.js';
import {SimRequest, type RequestSpec} from './request.js';
import {clampToModelLen, validateConfig, type SchedulerConfig} from './scheduler-config.js';
import {StepOutcome} from './step-outcome.js';

export type {SchedulerConfig} from './scheduler-config.js';

/** The pluggable parts of one engine. */
export type EngineParts = {
	readonly proposer: EngineProposer;
	readonly acceptance: EngineAcceptance;
	readonly cost: EngineCost;
	/** This engine's stream; the engine forks `acceptance` from it. */
	readonly rng: Rng;
};

/**
 * One simulated vLLM v1 engine: continuous batching under a token budget with chunked prefill,
 * `max_num_seqs`, `max_model_len`, a paged KV cache with preemption by recompute (FCFS: the
 * newest running request is preempted), and speculative decoding accounted as vLLM's scheduler
 * does (`update_from_output`, reference §3).
 *
 * A step is two calls: `beginStep(t)` schedules, drafts, verifies and prices the batch (returns
 * its end time); `completeStep()` applies the results at that end time and returns the step's
 * {@link StepOutcome}. Between them the engine is busy. Nothing allocates per step except
 * requests themselves.
 */
export class Engine {
	readonly index: number;
	readonly config: Required<SchedulerConfig>;
	readonly kv: KvCache;
	readonly outcome: StepOutcome;
	#parts: EngineParts;
	#acceptanceRng: Rng;
	#numSpecTokens: number;
	#stats: SpecDecodingStats;
	#running: SimRequest[] = [];
	#waiting = new Deque<SimRequest>();
	// The step in flight, in preallocated buffers.
	#scheduled: Array<SimRequest | undefined>;
	#numNew: Int32Array;
	#numSpec: Int32Array;
	#accepted: Int32Array;
	#isPrefill: Uint8Array;
	#numScheduled = 0;
	#stepStartAt = 0;
	#stepEndAt = 0;
	#busy = false;
	#shape: BatchShape = {
		numPrefillTokens: 0,
		numDecodeRequests: 0,
		numScheduledSpecTokens: 0,
		numDraftingRequests: 0,
		draftLength: 0,
		contextTokens: 0,
	};

	constructor(index: number, config: SchedulerConfig, numSpecTokens: number, parts: EngineParts) {
		this.index = index;
		this.config = {
			blockSize: 16,
			chunkedPrefill: true,
			longPrefillTokenThreshold: 0,
			clampAcceptedAtMaxTokens: false,
			...config,
		};
		validateConfig(this.config);
		this.kv = new KvCache(this.config.numKvBlocks, this.config.blockSize);
		if (this.kv.numBlocks * this.kv.blockSize < this.config.maxModelLen + numSpecTokens) {
			throw new RangeError(
				`KV cache (${this.kv.numBlocks} blocks × ${this.kv.blockSize} tokens) cannot hold one request of maxModelLen=${this.config.maxModelLen} plus ${numSpecTokens} lookahead tokens`,
			);
		}
		this.#parts = parts;
		this.#acceptanceRng = parts.rng.fork('acceptance');
		this.#numSpecTokens = numSpecTokens;
		this.#stats = new SpecDecodingStats(Math.max(1, numSpecTokens));
		const n = this.config.maxNumSeqs;
		this.#scheduled = new Array<SimRequest | undefined>(n);
		this.#numNew = new Int32Array(n);
		this.#numSpec = new Int32Array(n);
		this.#accepted = new Int32Array(n);
		this.#isPrefill = new Uint8Array(n);
		this.outcome = new StepOutcome(index, n);
	}

	/** `num_speculative_tokens` (0 = speculative decoding off). */
	get numSpecTokens(): number {
		return this.#numSpecTokens;
	}

	/**
	 * Change k from the next step (live teaching control). A step in flight was drafted under the
	 * old k and is accounted under it: its stats keep the old size until the next `beginStep`.
	 */
	setNumSpecTokens(k: number): void {
		if (!Number.isInteger(k) || k < 0) throw new RangeError(`numSpecTokens must be a non-negative integer, got ${k}`);
		this.#numSpecTokens = k;
	}

	/** k of the step in flight when busy (a live change applies from the next step), else {@link numSpecTokens}. */
	get inFlightNumSpecTokens(): number {
		return this.#busy ? this.#shape.draftLength : this.#numSpecTokens;
	}

	/** Swap the acceptance model from the next step (profiles already drawn stay valid). */
	setAcceptance(acceptance: EngineAcceptance): void {
		this.#parts = {...this.#parts, acceptance};
	}

	get numRunning(): number {
		return this.#running.length;
	}

	get numWaiting(): number {
		return this.#waiting.size;
	}

	/** Requests queued or running: the router's load signal. */
	get load(): number {
		return this.#running.length + this.#waiting.size;
	}

	get busy(): boolean {
		return this.#busy;
	}

	get hasWork(): boolean {
		return this.#running.length > 0 || this.#waiting.size > 0;
	}

	/** End time of the step in flight. */
	get stepEndAt(): number {
		return this.#stepEndAt;
	}

	/** An arriving request joins the waiting queue (FCFS). */
	enqueue(spec: RequestSpec): SimRequest {
		const request = new SimRequest(clampToModelLen(spec, this.config.maxModelLen), this.#numSpecTokens);
		this.#waiting.pushBack(request);
		return request;
	}

	/** Schedule, draft, verify and price one step starting at `startAt`; returns its end time. */
	beginStep(startAt: number): number {
		if (this.#busy) throw new Error(`engine ${this.index} is already running a step`);
		const k = this.#numSpecTokens;
		// The step's stats are sized for the k it drafts with (a live change applies here, at a step boundary).
		if (k > 0 && k !== this.#stats.numSpecTokens) this.#stats = new SpecDecodingStats(k);
		const lookahead = k; // vLLM reserves num_lookahead_tokens = k KV slots per request
		const parts = this.#parts;
		const shape = this.#shape;
		shape.numPrefillTokens = 0;
		shape.numDecodeRequests = 0;
		shape.numScheduledSpecTokens = 0;
		shape.numDraftingRequests = 0;
		shape.draftLength = k;
		shape.contextTokens = 0;
		this.outcome.numPreemptions = 0;
		let budget = this.config.maxNumBatchedTokens;
		let n = 0;
		let preempted = false;

		// 1. Running requests, in order; preempt from the back when the KV cache is full.
		for (let i = 0; i < this.#running.length && budget > 0; i++) {
			const request = this.#running[i]!;
			const prefill = request.isPrefilling;
			let numNew: number;
			let numSpec = 0;
			if (prefill) {
				numNew = this.#prefillChunk(request, budget);
			} else {
				// The budget and max_model_len caps go to the proposer up front (vLLM trims the draft list
				// to them); a draft trimmed to 0 is not a draft.
				const room = Math.min(budget, this.config.maxModelLen - 1 - request.numComputedTokens);
				const maxDraft = Math.max(0, Math.min(k, room - 1));
				numSpec = k > 0 && maxDraft > 0 ? parts.proposer.propose(request, k, maxDraft) : 0;
				numNew = Math.min(1 + numSpec, room);
			}
			if (numNew <= 0) continue;
			const wanted = this.kv.blocksFor(request.numComputedTokens + numNew + lookahead);
			let scheduled = true;
			while (!this.kv.tryGrow(request.numBlocks, wanted)) {
				const victim = this.#running.pop()!;
				this.#preempt(victim);
				preempted = true;
				if (victim === request) {
					scheduled = false;
					break;
				}
			}
			if (!scheduled) break;
			request.numBlocks = Math.max(request.numBlocks, wanted);
			n = this.#stage(n, request, numNew, numSpec, prefill);
			budget -= numNew;
		}

		// 2. Waiting requests, FCFS, only if nothing was preempted this step (vLLM v1).
		while (!preempted && budget > 0 && this.#running.length < this.config.maxNumSeqs && this.#waiting.size > 0) {
			const request = this.#waiting.peekFront()!;
			const remaining = request.numTokens - request.numComputedTokens;
			if (!this.config.chunkedPrefill && remaining > budget) break;
			const numNew = this.#prefillChunk(request, budget);
			const wanted = this.kv.blocksFor(numNew + lookahead);
			if (!this.kv.tryGrow(0, wanted)) break;
			this.#waiting.popFront();
			request.numBlocks = wanted;
			request.status = 'running';
			if (Number.isNaN(request.scheduledAt)) request.scheduledAt = startAt;
			if (request.numPreemptions === 0 && request.numOutputTokens === 0) {
				request.acceptanceProfile = parts.acceptance.drawProfile(request);
				parts.proposer.initRequest(request);
			}
			this.#running.push(request);
			n = this.#stage(n, request, numNew, 0, true);
			budget -= numNew;
		}

		// 3. Verify drafts: one uniform per draft, in request order; none for requests without one.
		for (let j = 0; j < n; j++) {
			const numSpec = this.#numSpec[j]!;
			this.#accepted[j] =
				numSpec > 0 ? parts.acceptance.sampleAccepted(this.#scheduled[j]!.acceptanceProfile, numSpec, this.#acceptanceRng.next()) : 0;
		}

		this.#numScheduled = n;
		this.#stepStartAt = startAt;
		const latency = parts.cost.stepLatencyS(shape);
		this.outcome.latencyS = latency;
		// The same batch without speculation, for the live speedup estimate.
		const {numScheduledSpecTokens, numDraftingRequests} = shape;
		shape.numScheduledSpecTokens = 0;
		shape.numDraftingRequests = 0;
		shape.draftLength = 0;
		this.outcome.noSpecLatencyS = numDraftingRequests > 0 ? parts.cost.stepLatencyS(shape) : latency;
		shape.numScheduledSpecTokens = numScheduledSpecTokens;
		shape.numDraftingRequests = numDraftingRequests;
		shape.draftLength = k;
		this.#stepEndAt = startAt + latency;
		this.#busy = true;
		return this.#stepEndAt;
	}

	/**
	 * Apply the step in flight at its end time: roll back rejected drafts, append accepted plus
	 * bonus tokens, record spec-decode stats (vLLM's rules: counted before stop truncation),
	 * finish requests and free their KV blocks.
	 */
	completeStep(): StepOutcome {
		if (!this.#busy) throw new Error(`engine ${this.index} has no step in flight`);
		const t = this.#stepEndAt;
		const out = this.outcome;
		out.reset(t, this.#stepStartAt);
		const stats = this.#stats;
		stats.reset();
		const clamp = this.config.clampAcceptedAtMaxTokens;
		const maxModelLen = this.config.maxModelLen;
		let anyFinished = false;
		for (let j = 0; j < this.#numScheduled; j++) {
			const request = this.#scheduled[j]!;
			this.#scheduled[j] = undefined; // do not retain finished requests
			const numNew = this.#numNew[j]!;
			out.numScheduledTokens += numNew;
			let generated: number;
			if (this.#isPrefill[j]) {
				request.numComputedTokens += numNew;
				out.numPrefillTokens += numNew;
				if (request.numComputedTokens < request.numTokens) continue; // more chunks to go
				generated = 1;
				if (request.numOutputTokens === 0) {
					out.promptTokens += request.promptTokens;
					out.ttft.push(t - request.arrivalAt);
				} else {
					out.interTokenLatency.push(t - request.lastTokenAt);
				}
			} else {
				const numSpec = this.#numSpec[j]!;
				let accepted = this.#accepted[j]!;
				if (clamp) accepted = Math.min(accepted, Math.max(0, request.maxTokens - request.numOutputTokens - 1));
				request.numComputedTokens += numNew - (numSpec - accepted);
				generated = accepted + 1;
				out.numDecodeRequests += 1;
				out.interTokenLatency.push(t - request.lastTokenAt);
				if (numSpec > 0) {
					stats.observeDraft(numSpec, accepted);
					request.recordSpecStep(numSpec, accepted);
					out.pushDraft(numSpec, accepted);
				}
			}
			// Stop handling after the stats (vLLM's order): tokens past the end are dropped.
			const room = Math.min(request.maxTokens - request.numOutputTokens, maxModelLen - request.numTokens);
			const appended = Math.min(generated, room);
			out.numTokenRequests += 1;
			request.numOutputTokens += appended;
			out.generationTokens += appended;
			if (Number.isNaN(request.firstTokenAt)) request.firstTokenAt = t;
			request.lastTokenAt = t;
			if (request.numOutputTokens >= request.maxTokens || request.numTokens >= maxModelLen) {
				request.status = 'finished';
				request.finishedAt = t;
				request.finishReason = request.numOutputTokens >= request.maxTokens ? 'stop' : 'length';
				this.kv.free(request.numBlocks);
				request.numBlocks = 0;
				out.finished.push(request);
				anyFinished = true;
			}
		}
		if (anyFinished) {
			// Compact in place: no new array per step.
			const running = this.#running;
			let kept = 0;
			for (let i = 0; i < running.length; i++) if (running[i]!.status === 'running') running[kept++] = running[i]!;
			running.length = kept;
		}
		out.specStats = stats.numDrafts > 0 ? stats : undefined;
		out.numRunning = this.#running.length;
		out.numWaiting = this.#waiting.size;
		out.kvUsage = this.kv.usage;
		this.#busy = false;
		return out;
	}

	/** Running and waiting requests (snapshots, tests). */
	*requests(): Generator<SimRequest> {
		yield* this.#running;
		yield* this.#waiting;
	}

	#prefillChunk(request: SimRequest, budget: number): number {
		let numNew = Math.min(request.numTokens - request.numComputedTokens, budget);
		const threshold = this.config.longPrefillTokenThreshold;
		if (threshold > 0) numNew = Math.min(numNew, threshold);
		return Math.min(numNew, this.config.maxModelLen - request.numComputedTokens);
	}

	#stage(n: number, request: SimRequest, numNew: number, numSpec: number, prefill: boolean): number {
		this.#scheduled[n] = request;
		this.#numNew[n] = numNew;
		this.#numSpec[n] = numSpec;
		this.#isPrefill[n] = prefill ? 1 : 0;
		const shape = this.#shape;
		shape.contextTokens += request.numComputedTokens + numNew;
		if (prefill) {
			shape.numPrefillTokens += numNew;
		} else {
			shape.numDecodeRequests += 1;
			if (numSpec > 0) {
				shape.numDraftingRequests += 1;
				shape.numScheduledSpecTokens += numSpec;
			}
		}
		return n + 1;
	}

	/** Preemption by recompute: free the KV, forget computed tokens and drafts, requeue at the front. */
	#preempt(request: SimRequest): void {
		this.kv.free(request.numBlocks);
		request.numBlocks = 0;
		request.numComputedTokens = 0;
		request.status = 'waiting';
		request.numPreemptions += 1;
		this.outcome.numPreemptions += 1;
		this.#waiting.pushFront(request);
	}
}
