import type {Rng} from '../rng/rng.js';
import {SpecDecodingStats} from '../metrics/stats/spec-decoding-stats.js';
import {KvCache} from './kv-cache.js';
import type {EngineAcceptance, EngineCost, EngineProposer} from './ports.js';
import {type FinishReason, SimRequest, type RequestSpec} from './request.js';
import type {SchedulingPolicy} from './request-queue.js';
import {Scheduler} from './scheduler.js';
import {clampToModelLen, validateConfig, type SchedulerConfig} from './scheduler-config.js';
import {StepOutcome} from './step-outcome.js';
import {StepPlan} from './step-plan.js';

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
 * One simulated vLLM v1 engine core: a {@link Scheduler} (continuous batching under a token
 * budget with chunked prefill, `max_num_seqs`, `max_model_len`, a paged KV cache with preemption
 * by recompute) around a simulated model: the proposer drafts, the acceptance model verifies, the
 * cost model prices the step, and speculative decoding is accounted as vLLM's scheduler does
 * (`update_from_output`, docs/accounting.md).
 *
 * A step is two calls: `beginStep(t)` schedules ({@link Scheduler.schedule}), verifies and prices
 * the batch (returns its end time); `completeStep()` applies the result at that end time
 * ({@link Scheduler.updateFromOutput}) and returns the step's {@link StepOutcome}. Between them
 * the engine is busy. Nothing allocates per step except requests themselves.
 */
export class Engine {
	readonly index: number;
	readonly config: Required<SchedulerConfig>;
	readonly kv: KvCache;
	readonly outcome: StepOutcome;
	readonly scheduler: Scheduler;
	#parts: EngineParts;
	#acceptanceRng: Rng;
	#stats: SpecDecodingStats;
	#plan: StepPlan;
	#accepted: Int32Array;
	#stepStartAt = 0;
	#stepEndAt = 0;
	#busy = false;
	/** Requests aborted or failed outside a step, reported in the next outcome's `finished`. */
	#finishedOutside: SimRequest[] = [];
	/** vLLM's sleep level while asleep (1 or 2), 0 while awake. */
	#sleepLevel = 0;
	/**
	 * A request arrived while asleep: the next step (an empty one) reports the longer queue, as
	 * vLLM's engine core publishes scheduler stats from its loop while paused with requests waiting.
	 */
	#queueChangedAsleep = false;

	constructor(index: number, config: SchedulerConfig, numSpecTokens: number, parts: EngineParts, policy: SchedulingPolicy = 'fcfs') {
		this.index = index;
		this.config = {
			blockSize: 16,
			chunkedPrefill: true,
			longPrefillTokenThreshold: 0,
			clampAcceptedAtMaxTokens: false,
			enablePrefixCaching: true,
			...config,
		};
		validateConfig(this.config);
		this.kv = new KvCache(this.config.numKvBlocks, this.config.blockSize, this.config.enablePrefixCaching);
		if (this.kv.numBlocks * this.kv.blockSize < this.config.maxModelLen + numSpecTokens) {
			throw new RangeError(
				`KV cache (${this.kv.numBlocks} blocks × ${this.kv.blockSize} tokens) cannot hold one request of maxModelLen=${this.config.maxModelLen} plus ${numSpecTokens} lookahead tokens`,
			);
		}
		this.#parts = parts;
		this.#acceptanceRng = parts.rng.fork('acceptance');
		this.#stats = new SpecDecodingStats(Math.max(1, numSpecTokens));
		const n = this.config.maxNumSeqs;
		this.#plan = new StepPlan(n);
		this.#accepted = new Int32Array(n);
		this.outcome = new StepOutcome(index, n);
		this.outcome.shape = this.#plan.shape;
		this.scheduler = new Scheduler(
			this.config,
			this.kv,
			numSpecTokens,
			{
				propose: (request, k, maxDraft) => this.#parts.proposer.propose(request, k, maxDraft),
				fixedLength: parts.proposer.fixedLength === true,
				onFirstAdmit: request => {
					request.acceptanceProfile = this.#parts.acceptance.drawProfile(request);
					this.#parts.proposer.initRequest(request);
				},
			},
			policy,
		);
	}

	/** `num_speculative_tokens` (0 = speculative decoding off). */
	get numSpecTokens(): number {
		return this.scheduler.numSpecTokens;
	}

	/**
	 * Change k from the next step (live teaching control). A step in flight was drafted under the
	 * old k and is accounted under it: its stats keep the old size until the next `beginStep`.
	 */
	setNumSpecTokens(k: number): void {
		if (!Number.isInteger(k) || k < 0) throw new RangeError(`numSpecTokens must be a non-negative integer, got ${k}`);
		this.scheduler.numSpecTokens = k;
	}

	/** k of the step in flight when busy (a live change applies from the next step), else {@link numSpecTokens}. */
	get inFlightNumSpecTokens(): number {
		return this.#busy ? this.#plan.shape.draftLength : this.scheduler.numSpecTokens;
	}

	/** Swap the acceptance model from the next step (profiles already drawn stay valid). */
	setAcceptance(acceptance: EngineAcceptance): void {
		this.#parts = {...this.#parts, acceptance};
	}

	get numRunning(): number {
		return this.scheduler.running.length;
	}

	/**
	 * Requests routed to this engine that arrived but are only counted, not materialised: the
	 * simulation's waiting queue beyond its cap (set by the simulation, part of `numWaiting`).
	 */
	numUnmaterialisedWaiting = 0;

	/** `vllm:num_requests_waiting`: queued requests, materialised or only counted. */
	get numWaiting(): number {
		return this.scheduler.waiting.size + this.numUnmaterialisedWaiting;
	}

	/** Materialised queued requests (what the simulation caps). */
	get numQueued(): number {
		return this.scheduler.waiting.size;
	}

	/** Requests queued or running: the router's load signal. */
	get load(): number {
		return this.scheduler.running.length + this.numWaiting;
	}

	get busy(): boolean {
		return this.#busy;
	}

	/** True when a step would do something: requests to run or admit, or finished requests to report. */
	get hasWork(): boolean {
		const s = this.scheduler;
		return s.running.length > 0 || (s.waiting.size > 0 && !s.paused) || this.#finishedOutside.length > 0 || this.#queueChangedAsleep;
	}

	/** End time of the step in flight. */
	get stepEndAt(): number {
		return this.#stepEndAt;
	}

	/** An arriving request joins the waiting queue (at the current virtual time: its `arrivalAt`). */
	enqueue(spec: RequestSpec): SimRequest {
		const request = new SimRequest(clampToModelLen(spec, this.config.maxModelLen), this.scheduler.numSpecTokens);
		this.scheduler.addRequest(request);
		if (this.scheduler.paused) this.#queueChangedAsleep = true;
		return request;
	}

	/**
	 * Finish a queued or running request now (client abort, `error`): its KV is freed at once and
	 * it is reported in the next step's `finished` (a step with nothing else to do takes no time).
	 * Returns false when the request is not (or no longer) in this engine.
	 */
	abort(request: SimRequest, t: number, reason: FinishReason = 'abort'): boolean {
		if (!this.scheduler.finishRequest(request, reason, t)) return false;
		this.#finishedOutside.push(request);
		return true;
	}

	/** vLLM's sleep level: 0 awake, 1 weights offloaded, 2 weights discarded (`vllm:engine_sleep_state`). */
	get sleepLevel(): number {
		return this.#sleepLevel;
	}

	/**
	 * Go to sleep now, as vLLM's `sleep(level, mode="abort")` (the default of `POST /sleep`): every
	 * queued and running request is aborted (finish reason `abort`, KV freed, reported in the next
	 * step, in arrival order), the scheduler admits nothing until {@link wakeUp} (requests that
	 * arrive meanwhile wait), and the prefix cache is reset. Returns the aborted requests and
	 * whether the prefix cache was reset (it always is: no block is still referenced).
	 *
	 * With `abortAll` false (`mode="wait"`, once the running requests have drained: see
	 * {@link pauseAdmissions}) the queued requests are kept and wait for the wake-up.
	 */
	sleep(level: 1 | 2, t: number, abortAll = true): {aborted: SimRequest[]; prefixCacheReset: boolean} {
		if (this.#sleepLevel !== 0) throw new Error(`engine ${this.index} is already asleep`);
		const aborted = abortAll ? [...this.requests()].sort((a, b) => a.arrivalAt - b.arrivalAt || a.id - b.id) : [];
		for (const request of aborted) this.abort(request, t, 'abort');
		this.scheduler.paused = true;
		this.#sleepLevel = level;
		return {aborted, prefixCacheReset: this.kv.resetPrefixCache()};
	}

	/**
	 * Admit nothing more but let running requests finish (vLLM's `pause_scheduler(mode="wait")`,
	 * `PAUSED_NEW`); `resume` undoes it. A sleep in `wait` mode starts here and completes with
	 * {@link sleep} once nothing runs.
	 */
	pauseAdmissions(resume = false): void {
		if (this.#sleepLevel !== 0) throw new Error(`engine ${this.index} is asleep`);
		this.scheduler.paused = !resume;
	}

	/** Wake up (vLLM's `wake_up()`): the scheduler admits again from the next step. */
	wakeUp(): void {
		if (this.#sleepLevel === 0) throw new Error(`engine ${this.index} is not asleep`);
		this.scheduler.paused = false;
		this.#sleepLevel = 0;
	}

	/** Schedule, draft, verify and price one step starting at `startAt`; returns its end time. */
	beginStep(startAt: number): number {
		if (this.#busy) throw new Error(`engine ${this.index} is already running a step`);
		const parts = this.#parts;
		const plan = this.#plan;
		const k = this.scheduler.numSpecTokens;
		// The step's stats are sized for the k it drafts with (a live change applies here, at a step boundary).
		if (k > 0 && k !== this.#stats.numSpecTokens) this.#stats = new SpecDecodingStats(k);
		if (this.kv.residency !== undefined) this.kv.residency.now = startAt;
		this.scheduler.schedule(plan, startAt);
		this.outcome.numPreemptions = plan.numPreempted;
		this.outcome.prefixCache.reset();
		this.outcome.prefixCache.add(plan.prefixCache);

		// Verify drafts: one uniform per draft, in request order; none for requests without one.
		const accepted = this.#accepted;
		const acceptance = parts.acceptance;
		const rng = this.#acceptanceRng;
		const numSpecs = plan.numSpec;
		const profiles = plan.acceptanceProfile;
		if (acceptance.sampleAcceptedBatch !== undefined) {
			acceptance.sampleAcceptedBatch(profiles, numSpecs, plan.size, rng, accepted);
		} else {
			for (let j = 0; j < plan.size; j++) {
				const numSpec = numSpecs[j]!;
				accepted[j] = numSpec > 0 ? acceptance.sampleAccepted(profiles[j]!, numSpec, rng.next()) : 0;
			}
		}

		this.#stepStartAt = startAt;
		// An empty step (only finished requests to report) takes no time.
		const shape = plan.shape;
		const latency = plan.size > 0 ? parts.cost.stepLatencyS(shape) : 0;
		this.outcome.latencyS = latency;
		// The same batch without speculation, for the live speedup estimate.
		const {numScheduledSpecTokens, numDraftingRequests, draftLength} = shape;
		if (numDraftingRequests > 0) {
			shape.numScheduledSpecTokens = 0;
			shape.numDraftingRequests = 0;
			shape.draftLength = 0;
			this.outcome.noSpecLatencyS = parts.cost.stepLatencyS(shape);
			shape.numScheduledSpecTokens = numScheduledSpecTokens;
			shape.numDraftingRequests = numDraftingRequests;
			shape.draftLength = draftLength;
		} else {
			this.outcome.noSpecLatencyS = latency;
		}
		this.#stepEndAt = startAt + latency;
		this.#busy = true;
		return this.#stepEndAt;
	}

	/**
	 * Apply the step in flight at its end time: roll back rejected drafts, append accepted plus
	 * bonus tokens, record spec-decode stats (vLLM's rules: counted before stop truncation),
	 * finish requests and free their KV.
	 */
	completeStep(): StepOutcome {
		if (!this.#busy) throw new Error(`engine ${this.index} has no step in flight`);
		const t = this.#stepEndAt;
		const out = this.outcome;
		out.reset(t, this.#stepStartAt);
		const stats = this.#stats;
		stats.reset();
		const outside = this.#finishedOutside;
		// An array's length store is a runtime call: skip it on the common step with nothing to report.
		if (outside.length > 0) {
			for (let i = 0; i < outside.length; i++) out.finished.push(outside[i]!);
			outside.length = 0;
		}
		this.scheduler.updateFromOutput(this.#plan, this.#accepted, t, out, stats);
		out.releaseTokenRequests();
		out.specStats = stats.numDrafts > 0 ? stats : undefined;
		const s = this.scheduler;
		out.numRunning = s.running.length;
		const waiting = s.waiting.size + this.numUnmaterialisedWaiting;
		out.numWaiting = waiting;
		out.numWaitingCapacity = s.paused ? 0 : waiting;
		out.numWaitingDeferred = s.paused ? waiting : 0;
		out.kvUsage = this.kv.usage;
		out.sleepLevel = this.#sleepLevel;
		this.#queueChangedAsleep = false;
		this.#busy = false;
		return out;
	}

	/** Running and waiting requests (snapshots, tests). */
	*requests(): Generator<SimRequest> {
		yield* this.scheduler.running;
		yield* this.scheduler.waiting;
	}
}
