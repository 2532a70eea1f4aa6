import type {Engine} from '../engine/engine.js';
import type {RequestSpec, SimRequest} from '../engine/request.js';
import {type RequestSource, refusedRequestInfo} from '../engine/workload/request-source.js';

export type {RequestSource} from '../engine/workload/request-source.js';
import type {StepOutcome} from '../engine/step-outcome.js';
import {checkContextLength, type ContextLengthError} from '../engine/scheduler-config.js';
import type {FaultLogSource, FaultSink, SimFaults, SleepOperation, SleepTag} from '../engine/faults.js';
import type {EngineStatsLogging, LogMessage} from '../metrics/log/engine-stats-logging.js';
import type {PerfMetricsLogging} from '../metrics/log/perf-metrics-logging.js';
import type {SpecDecodingLogging} from '../metrics/log/spec-decoding-logging.js';
import type {StepShape} from '../engine/cost/types.js';
import type {StepWork} from '../engine/step-work.js';

/**
 * Which vLLM logger call printed a line: the engine-initialised line, the `Engine 000:` line, the
 * spec-decode line, the MFU line (`--enable-mfu-metrics`) or a fault's line.
 */
export type LogSource = 'engine-init' | 'engine' | 'spec' | 'mfu' | FaultLogSource;

/** vLLM's MFU logging (`--enable-mfu-metrics`): one `PerfMetricsLogging` per engine and the per-step estimate. */
export type SimPerfLogging = {
	readonly loggers: readonly PerfMetricsLogging[];
	/** One step's `PerfStats` (`engine/step-work.ts`), written into `out`. */
	readonly stepWork: (shape: Readonly<StepShape>, out: StepWork) => StepWork;
};

/** One line of the server log, in vLLM's order. */
export type LogLine = LogMessage & {readonly source: LogSource};

/** How arrivals are spread over data-parallel engines. */
export type RoutingPolicy = 'round-robin' | 'least-loaded';

/** Sinks of a simulation: loggers, Prometheus, the UI store, file writers. None may mutate what it is given. */
export type SimObserver = {
	/** A step ended (`outcome.t`); the outcome object is reused: copy what you keep. */
	onStep?(outcome: StepOutcome): void;
	/** An engine's `SpecDecoding metrics:` message at a log tick. */
	onLog?(engine: number, t: number, message: string): void;
	/**
	 * Every line vLLM's stat loggers print, in order: each engine's `cache_config_info` line when
	 * the simulation starts, then at each tick each engine's `Engine 000:` line (DEBUG when idle)
	 * followed by its `SpecDecoding metrics:` line (when it drafted).
	 */
	onLogLine?(engine: number, t: number, line: LogLine): void;
	/** A log tick at `t` (after that tick's messages). */
	onTick?(t: number): void;
	/**
	 * An engine fell asleep (`level` 1 or 2) or woke up (`level` 0) at `t` (docs/faults.md): vLLM
	 * sets `vllm:engine_sleep_state` when the call returns, not at the next step.
	 */
	onSleepState?(engine: number, t: number, level: number): void;
	/**
	 * A scheduled sleep or wake-up call began or returned at `t` (`durationS`: its modelled
	 * duration, at `end`): what vLLM's API server times for `vllm:sleep_mode_operation_*`.
	 */
	onSleepOperation?(operation: SleepOperation, t: number, phase: 'begin' | 'end', durationS: number): void;
	/**
	 * The API server refused a request of the source at its arrival (`spec.arrivalAt`) with HTTP 400 (`error`):
	 * its prompt does not fit `max_model_len` (docs/serve.md). It never reaches an engine, so no
	 * engine metric or log line sees it; only the API server's HTTP families and the request
	 * records do.
	 */
	onRejected?(spec: RequestSpec, error: ContextLengthError): void;
};

export type SimulationOptions = {
	readonly engines: readonly Engine[];
	readonly source: RequestSource;
	/** One logger per engine (vLLM's per-engine `LoggingStatLogger`). */
	readonly loggers: readonly SpecDecodingLogging[];
	/** `VLLM_LOG_STATS_INTERVAL` in virtual seconds. @default 10 */
	readonly logIntervalS?: number;
	/** @default 'round-robin' */
	readonly routing?: RoutingPolicy;
	/** Virtual start time. @default 0 */
	readonly startS?: number;
	/** One `LoggingStatLogger` per engine for the `Engine 000:` lines; none: no such lines. */
	readonly engineLoggers?: readonly EngineStatsLogging[];
	/** `num_gpu_blocks` for the engine-initialised lines. */
	readonly numGpuBlocks?: number;
	/** The MFU line after each tick's spec-decode line (`--enable-mfu-metrics`); none when absent. */
	readonly perfLogging?: SimPerfLogging;
	/**
	 * Most requests materialised in the engines' waiting queues, per engine. Beyond it, arrivals
	 * of an open-loop source are counted, not materialised, and join the engines when their
	 * queues drain, with their own arrival times: memory stays bounded whatever the offered load,
	 * and `vllm:num_requests_waiting` still counts them. @default 4096
	 */
	readonly maxQueuedPerEngine?: number;
	/** Injected faults (errors, client aborts, sleep intervals; docs/faults.md); none when absent. */
	readonly faults?: SimFaults;
};

/**
 * The discrete-event loop around the engines. Events at the same virtual time run in this
 * order, on purpose: step completions (their stats reach the loggers), arrivals, log ticks (so a
 * tick sees every step that ended at or before it), then step starts (so a step sees every
 * request that arrived at or before it). Among engines, lower index first.
 *
 * A waiting queue beyond `maxQueuedPerEngine` per engine is counted, not materialised (open
 * loops): requests are pulled from the source, in arrival order, when queues drain below the
 * cap. With one engine this changes nothing but memory: the queue's order and every request's
 * arrival time are the same, and the scheduler admits at most `maxNumSeqs` a step from a queue
 * that is refilled before each step. With several engines, a request is routed when it is
 * materialised, and the counted remainder is split over engines as round-robin would route it.
 */
export class Simulation {
	readonly engines: readonly Engine[];
	readonly loggers: readonly SpecDecodingLogging[];
	readonly logIntervalS: number;
	readonly routing: RoutingPolicy;
	readonly startS: number;
	readonly engineLoggers: readonly EngineStatsLogging[];
	/** One MFU logger per engine with `--enable-mfu-metrics`, else empty. */
	readonly perfLoggers: readonly PerfMetricsLogging[];
	readonly #stepWork: SimPerfLogging['stepWork'] | undefined;
	readonly #work: StepWork = {flops: 0, readBytes: 0, writeBytes: 0};
	readonly #numGpuBlocks: number | undefined;
	#initialized = false;
	#source: RequestSource;
	/**
	 * The source counts arrivals (`countArrivalsBefore`), read once: loading a property the source may
	 * lack was a generic inline-cache call twice per event in the optimised loop.
	 */
	readonly #countsArrivals: boolean;
	readonly #faults: SimFaults | undefined;
	#observers: SimObserver[] = [];
	/** {@link onStepFirst}'s listeners. */
	#firstStepListeners: Array<(outcome: StepOutcome) => void> = [];
	// Initialised here, not only declared: a field declared without a value is first defined as
	// undefined, and V8 then keeps it as a tagged pointer, so every time written (once per event) was
	// a new heap number and a write barrier (docs/engine-performance.md, fourth round).
	#now = 0;
	#nextTickAt = 0;
	#ticks = 0;
	#roundRobin = 0;
	#arrived = 0;
	#finished = 0;
	#rejected = 0;
	#maxQueued: number;
	/** True once arrivals were left in the source because the queues were full. */
	#deferring = false;

	constructor(options: SimulationOptions) {
		if (options.engines.length === 0) throw new RangeError('a simulation needs at least one engine');
		if (options.loggers.length !== options.engines.length)
			throw new RangeError(`need one logger per engine, got ${options.loggers.length} for ${options.engines.length}`);
		this.engines = options.engines;
		this.loggers = options.loggers;
		this.logIntervalS = options.logIntervalS ?? 10;
		if (!(this.logIntervalS > 0)) throw new RangeError(`logIntervalS must be positive, got ${this.logIntervalS}`);
		this.routing = options.routing ?? 'round-robin';
		this.startS = options.startS ?? 0;
		this.engineLoggers = options.engineLoggers ?? [];
		if (this.engineLoggers.length !== 0 && this.engineLoggers.length !== options.engines.length)
			throw new RangeError(`need one engine logger per engine, got ${this.engineLoggers.length} for ${options.engines.length}`);
		this.perfLoggers = options.perfLogging?.loggers ?? [];
		if (this.perfLoggers.length !== 0 && this.perfLoggers.length !== options.engines.length)
			throw new RangeError(`need one MFU logger per engine, got ${this.perfLoggers.length} for ${options.engines.length}`);
		this.#stepWork = options.perfLogging?.stepWork;
		this.#numGpuBlocks = options.numGpuBlocks;
		this.#source = options.source;
		this.#countsArrivals = options.source.countArrivalsBefore !== undefined;
		this.#faults = options.faults;
		this.#now = this.startS;
		this.#nextTickAt = this.startS + this.logIntervalS;
		const perEngine = options.maxQueuedPerEngine ?? 4096;
		if (!(perEngine >= 1)) throw new RangeError(`maxQueuedPerEngine must be at least 1, got ${perEngine}`);
		this.#maxQueued = perEngine * options.engines.length;
	}

	/** Virtual now: the time up to which the simulation has run. */
	get now(): number {
		return this.#now;
	}

	get numArrived(): number {
		return this.#arrived;
	}

	get numFinished(): number {
		return this.#finished;
	}

	/** Requests of the source the API server refused with HTTP 400 (not counted in {@link numArrived}). */
	get numRejected(): number {
		return this.#rejected;
	}

	subscribe(observer: SimObserver): () => void {
		this.#observers.push(observer);
		return () => {
			this.#observers = this.#observers.filter(o => o !== observer);
		};
	}

	/**
	 * Hear every step's outcome as soon as its engine completes it: before the simulation's interval
	 * loggers observe it and before any {@link subscribe}d observer's `onStep` (listeners in the
	 * order they came). For a listener whose work waits on nothing else of the step and is
	 * latency-bound: `specsim serve` writes the new streams' first tokens there. Safe because the
	 * loggers and observers only accumulate what they are given (none reads another's state or
	 * changes the outcome, see {@link SimObserver}), so the order in which they hear a step changes
	 * nothing they output.
	 */
	onStepFirst(listener: (outcome: StepOutcome) => void): () => void {
		this.#firstStepListeners.push(listener);
		return () => {
			this.#firstStepListeners = this.#firstStepListeners.filter(l => l !== listener);
		};
	}

	/**
	 * True when nothing but log ticks is to come: no step in flight, no arrival or fault due. Only
	 * something from outside ({@link submit}) can change that.
	 */
	get idle(): boolean {
		for (const engine of this.engines) if (engine.busy) return false;
		if (this.#faults !== undefined && this.#faults.nextEventAt() !== Number.POSITIVE_INFINITY) return false;
		return this.#queuesFull() || this.#source.peekArrivalAt() === Number.POSITIVE_INFINITY;
	}

	/** The virtual time the earliest engine step in progress ends; Infinity when no engine is stepping. */
	nextStepEndAt(): number {
		const engines = this.engines;
		let next = Number.POSITIVE_INFINITY;
		for (let e = 0; e < engines.length; e++) {
			const engine = engines[e]!;
			if (engine.busy && engine.stepEndAt < next) next = engine.stepEndAt;
		}
		return next;
	}

	/**
	 * Run every event at or before `untilS`, then set the clock to `untilS`. With `stopWhenIdle`,
	 * stop as soon as the simulation is {@link idle} instead, the clock left at the last event:
	 * an idle simulation has nothing to simulate, and log ticks alone do not move it.
	 */
	runUntil(untilS: number, options: {stopWhenIdle?: boolean} = {}): void {
		if (!this.#initialized) this.#initialize();
		const engines = this.engines;
		const stopWhenIdle = options.stopWhenIdle === true;
		for (;;) {
			// Indexed loops, here and below: this runs once per event.
			const nextCompletion = this.nextStepEndAt();
			// Arrivals the queues have no room for wait in the source: they are not events.
			const nextArrival = this.#queuesFull() ? Number.POSITIVE_INFINITY : this.#source.peekArrivalAt();
			const nextFault = this.#faults === undefined ? Number.POSITIVE_INFINITY : this.#faults.nextEventAt();
			// Idle (nothing but log ticks to come): the clock stays at the last event.
			if (stopWhenIdle && Math.min(nextCompletion, nextArrival, nextFault) === Number.POSITIVE_INFINITY) return;
			const t = Math.min(nextCompletion, nextArrival, this.#nextTickAt, nextFault);
			if (t > untilS) break;
			this.#now = t;
			if (nextCompletion === t) {
				for (let e = 0; e < engines.length; e++) {
					const engine = engines[e]!;
					if (engine.busy && engine.stepEndAt === t) this.#complete(engine);
				}
			}
			while (this.#source.peekArrivalAt() <= t && !this.#queuesFull()) {
				const spec = this.#source.next();
				if (spec === undefined) break;
				if (!this.#rejects(spec, t)) this.#route(spec);
			}
			if (this.#deferring) this.#countBacklog(t);
			// Faults after arrivals (an engine that sleeps at t aborts what arrived at t), before the tick.
			if (nextFault <= t) this.#faults!.fire(t, this.#faultSink);
			if (this.#nextTickAt === t) this.#tick(t);
			for (let e = 0; e < engines.length; e++) {
				const engine = engines[e]!;
				if (!engine.busy && engine.hasWork) engine.beginStep(t);
			}
		}
		this.#now = Math.max(this.#now, untilS);
	}

	/**
	 * An external request (an HTTP client's) arrives now, at virtual {@link now}: it is routed like
	 * the source's arrivals and idle engines start a step at once, as vLLM's engine core picks a new
	 * request up without waiting for the next event. Returns the engine's request, whose fields
	 * (output tokens, finish reason, spec-decode counts) the caller reads as steps complete.
	 */
	submit(spec: Omit<RequestSpec, 'arrivalAt'>): SimRequest {
		return this.submitAll([spec])[0]!;
	}

	/**
	 * Several external requests arrive together (the `n` choices of one HTTP request, which vLLM
	 * adds to its engine core back to back): all are routed before an idle engine starts its step,
	 * so they are scheduled in the same step, as vLLM's engine core drains its input queue before
	 * each step. Submitting them one by one would start a step with only the first.
	 */
	submitAll(specs: readonly Omit<RequestSpec, 'arrivalAt'>[]): SimRequest[] {
		if (!this.#initialized) this.#initialize();
		const t = this.#now;
		const requests = specs.map(spec => this.#route({...spec, arrivalAt: t}, true));
		for (const engine of this.engines) if (!engine.busy && engine.hasWork) engine.beginStep(t);
		return requests;
	}

	/**
	 * Abort an external request now (its client went away, or the server shuts down): the engine
	 * holding it frees its KV at once and reports it finished with reason `abort` in a step that
	 * starts now (an idle engine starts one at once, taking no time), as vLLM's `abort_requests`.
	 * False when no engine holds it (already finished).
	 */
	abort(request: SimRequest): boolean {
		const t = this.#now;
		for (const engine of this.engines) {
			if (!engine.abort(request, t)) continue;
			if (!engine.busy) engine.beginStep(t);
			return true;
		}
		return false;
	}

	/**
	 * vLLM's `POST /sleep?level=&mode=` now (docs/faults.md): every engine sleeps as at a scheduled
	 * interval's start. Engines with requests to report (aborted ones) start a step at once.
	 *
	 * @throws Error without a fault injector (the simulation was built without a `faults` section).
	 */
	sleepNow(level: 1 | 2, mode: 'abort' | 'wait'): void {
		this.#faultsOrThrow().sleepNow?.(this.#now, level, mode, this.#faultSink);
		this.#startIdleEngines();
	}

	/** vLLM's `POST /wake_up[?tags=]` now: every engine wakes the tags (all when undefined); queued requests start. */
	wakeUpNow(tags: readonly SleepTag[] | undefined): void {
		this.#faultsOrThrow().wakeUpNow?.(this.#now, tags, this.#faultSink);
		this.#startIdleEngines();
	}

	/** vLLM's `is_sleeping` (an engine asleep or pausing to sleep), and whether a `wait`-mode sleep is draining. */
	sleepState(): {sleeping: boolean; draining: boolean} {
		return this.#faults?.sleepState?.() ?? {sleeping: false, draining: false};
	}

	#faultsOrThrow(): SimFaults {
		if (this.#faults === undefined) throw new Error('this simulation has no fault injector (no faults section)');
		return this.#faults;
	}

	#startIdleEngines(): void {
		if (!this.#initialized) this.#initialize();
		const t = this.#now;
		for (const engine of this.engines) if (!engine.busy && engine.hasWork) engine.beginStep(t);
	}

	/** `log_engine_initialized()`: the engines are ready when the simulation starts. */
	#initialize(): void {
		this.#initialized = true;
		if (this.#numGpuBlocks === undefined) return;
		for (let i = 0; i < this.engineLoggers.length; i++) {
			const line: LogLine = {...this.engineLoggers[i]!.initialized(this.#numGpuBlocks), source: 'engine-init'};
			for (const observer of this.#observers) observer.onLogLine?.(i, this.startS, line);
		}
	}

	/** True when the engines' materialised queues are at the cap and the source can count arrivals instead. */
	#queuesFull(): boolean {
		if (!this.#countsArrivals) return false;
		const engines = this.engines;
		let queued = 0;
		for (let e = 0; e < engines.length; e++) queued += engines[e]!.numQueued;
		if (queued < this.#maxQueued) return false;
		this.#deferring = true;
		return true;
	}

	/** Split the arrivals before `t` left in the source over the engines, as round-robin routes them. */
	#countBacklog(t: number): void {
		const arrived = this.#source.countArrivalsBefore?.(t) ?? 0;
		// A refused request arrived but was never routed: it is not waiting anywhere.
		const routed = this.#arrived + this.#rejected;
		const n = this.engines.length;
		for (const engine of this.engines) {
			const e = engine.index;
			engine.numUnmaterialisedWaiting = arrived > routed ? routedTo(arrived, e, n) - routedTo(routed, e, n) : 0;
		}
		if (arrived <= routed) this.#deferring = false;
	}

	#complete(engine: Engine): void {
		if (this.#deferring) this.#countBacklog(engine.stepEndAt);
		const outcome = engine.completeStep();
		const first = this.#firstStepListeners;
		for (let i = 0; i < first.length; i++) first[i]!(outcome);
		const logger = this.loggers[engine.index]!;
		if (outcome.specStats !== undefined) logger.observe(outcome.specStats);
		const engineLogger = this.engineLoggers[engine.index];
		if (engineLogger !== undefined) {
			const prefix = outcome.prefixCache;
			engineLogger.observeIteration(
				outcome.promptTokens,
				outcome.promptTokens - outcome.promptTokensCached,
				outcome.generationTokens,
				outcome.numPreemptions,
			);
			engineLogger.observeScheduler(outcome.numRunning, outcome.numWaitingCapacity, outcome.numWaitingDeferred, outcome.kvUsage);
			engineLogger.observePrefixCache(prefix.requests, prefix.queries, prefix.hits);
		}
		const perfLogger = this.perfLoggers[engine.index];
		// `SchedulerStats.perf_stats` of a scheduled batch, as the Prometheus side feeds its counters.
		if (perfLogger !== undefined && outcome.numScheduledTokens > 0 && outcome.shape !== undefined) {
			const work = this.#stepWork!(outcome.shape, this.#work);
			perfLogger.observe(work.flops, work.readBytes, work.writeBytes);
		}
		const observers = this.#observers;
		for (let i = 0; i < observers.length; i++) observers[i]!.onStep?.(outcome);
		this.#faults?.afterStep(engine, outcome.t, this.#faultSink);
		for (let i = 0; i < outcome.finished.length; i++) {
			this.#finished += 1;
			this.#source.requestFinished(outcome.t, outcome.finished[i]!);
		}
	}

	/**
	 * vLLM's API server check before a request reaches the engine (`checkContextLength`): the
	 * synthetic client sends no `max_tokens` (its output length is the model's end of sequence)
	 * unless the request ends with `length` (a trace's `max_tokens`). A refused request is reported
	 * to the observers and, at once, to the source (a closed-loop user thinks and sends its next
	 * request; a conversation ends, as a real client stops at a 400).
	 */
	#rejects(spec: RequestSpec, t: number): boolean {
		const maxTokens = spec.endReason === 'length' ? spec.maxTokens : undefined;
		const error = checkContextLength(spec.promptTokens, maxTokens, this.engines[0]!.config.maxModelLen);
		if (error === undefined) return false;
		this.#rejected += 1;
		for (const observer of this.#observers) observer.onRejected?.(spec, error);
		this.#source.requestFinished(t, refusedRequestInfo(spec));
		return true;
	}

	#route(spec: RequestSpec, external = false): SimRequest {
		this.#arrived += 1;
		const engines = this.engines;
		let target: Engine;
		if (this.routing === 'least-loaded') {
			target = engines[0]!;
			for (const engine of engines) if (engine.load < target.load) target = engine;
		} else {
			target = engines[this.#roundRobin]!;
			this.#roundRobin = (this.#roundRobin + 1) % engines.length;
		}
		const request = target.enqueue(spec);
		this.#faults?.onRouted(request, target, this.#now, external);
		return request;
	}

	readonly #faultSink: FaultSink = {
		logLine: (engine, line) => {
			for (const observer of this.#observers) observer.onLogLine?.(engine, this.#now, line);
		},
		sleepState: (engine, level) => {
			for (const observer of this.#observers) observer.onSleepState?.(engine, this.#now, level);
		},
		sleepOperation: (operation, phase, durationS) => {
			for (const observer of this.#observers) observer.onSleepOperation?.(operation, this.#now, phase, durationS);
		},
	};

	#tick(t: number): void {
		for (let i = 0; i < this.loggers.length; i++) {
			const engineLogger = this.engineLoggers[i];
			let level: LogLine['level'] = 'INFO';
			if (engineLogger !== undefined) {
				const line: LogLine = {...engineLogger.log(t), source: 'engine'};
				level = line.level;
				for (const observer of this.#observers) observer.onLogLine?.(i, t, line);
			}
			const message = this.loggers[i]!.log(t);
			if (message !== undefined) {
				// vLLM logs the spec-decode line with the Engine line's level (INFO: an interval with drafts is not idle).
				const line: LogLine = {message, level: 'INFO', source: 'spec'};
				for (const observer of this.#observers) {
					observer.onLog?.(i, t, message);
					observer.onLogLine?.(i, t, line);
				}
			}
			// Then `perf_metrics_logging.log(log_fn=log_fn, ...)`: the MFU line at the Engine line's level.
			const mfu = this.perfLoggers[i]?.log(t);
			if (mfu !== undefined) {
				const line: LogLine = {message: mfu, level, source: 'mfu'};
				for (const observer of this.#observers) observer.onLogLine?.(i, t, line);
			}
		}
		for (const observer of this.#observers) observer.onTick?.(t);
		// Multiply, not accumulate: tick n is exactly start + n × interval however long the run.
		this.#ticks += 1;
		this.#nextTickAt = this.startS + (this.#ticks + 1) * this.logIntervalS;
	}
}

/** How many of routed requests 0..x-1 go to engine `e` of `n` under round-robin (request j to engine j mod n). */
function routedTo(x: number, e: number, n: number): number {
	return x > e ? Math.floor((x - e - 1) / n) + 1 : 0;
}
