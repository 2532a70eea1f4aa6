import type {Engine} from '../engine/engine.js';
import type {RequestSpec} from '../engine/request.js';
import type {RequestSource} from '../engine/workload/request-source.js';

export type {RequestSource} from '../engine/workload/request-source.js';
import type {StepOutcome} from '../engine/step-outcome.js';
import type {EngineStatsLogging, LogMessage} from '../metrics/log/engine-stats-logging.js';
import type {SpecDecodingLogging} from '../metrics/log/spec-decoding-logging.js';

/** Which vLLM logger call printed a line: the engine-initialised line, the `Engine 000:` line or the spec-decode line. */
export type LogSource = 'engine-init' | 'engine' | 'spec';

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
};

/**
 * The discrete-event loop around the engines. Events at the same virtual time run in this
 * order, on purpose: step completions (their stats reach the loggers), arrivals, log ticks (so a
 * tick sees every step that ended at or before it), then step starts (so a step sees every
 * request that arrived at or before it). Among engines, lower index first.
 */
export class Simulation {
	readonly engines: readonly Engine[];
	readonly loggers: readonly SpecDecodingLogging[];
	readonly logIntervalS: number;
	readonly routing: RoutingPolicy;
	readonly startS: number;
	readonly engineLoggers: readonly EngineStatsLogging[];
	readonly #numGpuBlocks: number | undefined;
	#initialized = false;
	#source: RequestSource;
	#observers: SimObserver[] = [];
	#now: number;
	#nextTickAt: number;
	#ticks = 0;
	#roundRobin = 0;
	#arrived = 0;
	#finished = 0;

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
		this.#numGpuBlocks = options.numGpuBlocks;
		this.#source = options.source;
		this.#now = this.startS;
		this.#nextTickAt = this.startS + this.logIntervalS;
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

	subscribe(observer: SimObserver): () => void {
		this.#observers.push(observer);
		return () => {
			this.#observers = this.#observers.filter(o => o !== observer);
		};
	}

	/** Run every event at or before `untilS`, then set the clock to `untilS`. */
	runUntil(untilS: number): void {
		if (!this.#initialized) this.#initialize();
		const engines = this.engines;
		for (;;) {
			let nextCompletion = Number.POSITIVE_INFINITY;
			for (const engine of engines) if (engine.busy && engine.stepEndAt < nextCompletion) nextCompletion = engine.stepEndAt;
			const nextArrival = this.#source.peekArrivalAt();
			const t = Math.min(nextCompletion, nextArrival, this.#nextTickAt);
			if (t > untilS) break;
			this.#now = t;
			if (nextCompletion === t) {
				for (const engine of engines) if (engine.busy && engine.stepEndAt === t) this.#complete(engine);
			}
			while (this.#source.peekArrivalAt() <= t) {
				const spec = this.#source.next();
				if (spec === undefined) break;
				this.#route(spec);
			}
			if (this.#nextTickAt === t) this.#tick(t);
			for (const engine of engines) if (!engine.busy && engine.hasWork) engine.beginStep(t);
		}
		this.#now = Math.max(this.#now, untilS);
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

	#complete(engine: Engine): void {
		const outcome = engine.completeStep();
		const logger = this.loggers[engine.index]!;
		if (outcome.specStats !== undefined) logger.observe(outcome.specStats);
		const engineLogger = this.engineLoggers[engine.index];
		if (engineLogger !== undefined) {
			engineLogger.observeIteration(outcome.promptTokens, outcome.promptTokens, outcome.generationTokens, outcome.numPreemptions);
			engineLogger.observeScheduler(outcome.numRunning, outcome.numWaiting, 0, outcome.kvUsage);
		}
		for (const observer of this.#observers) observer.onStep?.(outcome);
		for (let i = 0; i < outcome.finished.length; i++) {
			this.#finished += 1;
			this.#source.requestFinished(outcome.t);
		}
	}

	#route(spec: RequestSpec): void {
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
		target.enqueue(spec);
	}

	#tick(t: number): void {
		for (let i = 0; i < this.loggers.length; i++) {
			const engineLogger = this.engineLoggers[i];
			if (engineLogger !== undefined) {
				const line: LogLine = {...engineLogger.log(t), source: 'engine'};
				for (const observer of this.#observers) observer.onLogLine?.(i, t, line);
			}
			const message = this.loggers[i]!.log(t);
			if (message === undefined) continue;
			// vLLM logs the spec-decode line with the Engine line's level (INFO: an interval with drafts is not idle).
			const line: LogLine = {message, level: 'INFO', source: 'spec'};
			for (const observer of this.#observers) {
				observer.onLog?.(i, t, message);
				observer.onLogLine?.(i, t, line);
			}
		}
		for (const observer of this.#observers) observer.onTick?.(t);
		// Multiply, not accumulate: tick n is exactly start + n × interval however long the run.
		this.#ticks += 1;
		this.#nextTickAt = this.startS + (this.#ticks + 1) * this.logIntervalS;
	}
}
