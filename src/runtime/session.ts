import {Registry} from '../metrics/prom/prom-client.js';
import type {SimConfig} from '../config/schema.js';
import {type AttachOptions, attachEngineFeed, attachPrometheus, promShapeOf, type SimPrometheus} from '../metrics/prom/attach.js';
import {type ProcessStats, registerHttpFamilies, registerProcessFamilies} from '../metrics/prom/server-prom.js';
import {createSimulatedProm, subscribeServerFeed} from '../metrics/prom/simulated-server.js';
import {buildSimulation, type BuildOptions, type BuiltSimulation} from '../sim/build.js';
import type {EngineMetrics} from '../sim/engine-metrics.js';
import type {StepOutcome} from '../engine/step-outcome.js';
import type {SimObserver} from '../sim/simulation.js';
import type {AcceptanceExpectation} from '../speculative/acceptance/model-types.js';
import {MAX_NUM_SPEC_TOKENS} from '../speculative/limits.js';
import type {LiveSession, SessionInfo} from './live-session.js';
import {Runner, type Speed} from './runner.js';

/** The virtual clock's wall-clock origin when no `--start` is given: fixed, so output is reproducible. */
export const DEFAULT_START_EPOCH_MS = Date.UTC(2026, 0, 1);

export type SessionOptions = BuildOptions & {
	readonly speed?: Speed;
	readonly durationS?: number;
	/** Wall-clock time (ms since the epoch) that virtual time 0 maps to, for log timestamps and `_created`. */
	readonly startEpochMs?: number;
	/**
	 * Expose `_created` companions like Python's prometheus_client in single-process mode (vLLM's
	 * default); off mirrors vLLM with `PROMETHEUS_MULTIPROC_DIR` (api_server_count > 1). @default true
	 */
	readonly createdSeries?: boolean;
	/** Also expose vLLM's deprecated families (`--show-hidden-metrics`). @default false */
	readonly showHiddenMetrics?: boolean;
	/** At `max` speed, an idle clock waits for the next outside request (the runner's `waitWhenIdle`). @default false */
	readonly waitWhenIdle?: boolean;
	/**
	 * The API server's own families (`process_*` before vLLM's, `http_*` after): `simulated` derives
	 * them from the simulated requests (`generate`); `{readProcess}` reads a real process and leaves
	 * the HTTP families to a real server's instrumentation (`run`, `serve`). Omitted: none.
	 */
	readonly server?: 'simulated' | {readonly readProcess: () => ProcessStats | undefined};
	/**
	 * `false`: no Prometheus side here (an empty registry, fed by nothing): the caller rebuilds it
	 * elsewhere from the simulation's events (`generate`, on its serialising thread). @default true
	 */
	readonly prometheus?: boolean;
};

/**
 * A running simulation with everything around it: the built engines, its Prometheus registry
 * and the wall-clock runner. The headless runner and the `/metrics` server act through it; the
 * dashboard sees it only as a {@link LiveSession}.
 */
export class Session implements LiveSession {
	readonly config: SimConfig;
	readonly built: BuiltSimulation;
	readonly runner: Runner;
	readonly startEpochMs: number;
	readonly info: SessionInfo;
	#prometheus: SimPrometheus;
	#acceptanceScale = 1;
	#createdS: number;
	readonly #createdSeries: boolean;
	readonly #showHiddenMetrics: boolean;
	readonly #enableMfuMetrics: boolean;
	readonly #server: SessionOptions['server'];
	readonly #withPrometheus: boolean;
	#disconnectServer: () => void = () => undefined;

	constructor(config: SimConfig, options: SessionOptions = {}) {
		this.config = config;
		this.built = buildSimulation(config, options);
		this.startEpochMs = options.startEpochMs ?? DEFAULT_START_EPOCH_MS;
		this.#showHiddenMetrics = options.showHiddenMetrics ?? false;
		this.#enableMfuMetrics = options.enableMfuMetrics ?? false;
		this.#server = options.server;
		this.#withPrometheus = options.prometheus ?? true;
		this.#createdS = this.startEpochMs / 1000;
		this.#prometheus = this.#attach();
		this.#createdSeries = options.createdSeries ?? true;
		this.runner = new Runner(this.built.simulation, {
			...(options.speed === undefined ? {} : {speed: options.speed}),
			...(options.durationS === undefined ? {} : {durationS: options.durationS}),
			...(options.waitWhenIdle === undefined ? {} : {waitWhenIdle: options.waitWhenIdle}),
		});
		const s = config.scheduler;
		this.info = {
			preset: config.name,
			model: config.servedModelName,
			method: this.built.method,
			seed: this.built.seed,
			numEngines: this.built.engines.length,
			logIntervalS: this.built.simulation.logIntervalS,
			logFormat: config.logging.format,
			speculative: this.built.method !== 'none' && this.built.engines[0]!.numSpecTokens > 0,
			// A draft and its verified token must fit one step's budget, and one full-length request plus
			// k lookahead slots the KV cache (the engine's start-up check).
			maxNumSpecTokens: Math.max(
				this.built.engines[0]!.numSpecTokens,
				Math.min(MAX_NUM_SPEC_TOKENS, s.maxNumBatchedTokens - 1, this.built.numKvBlocks * s.blockSize - s.maxModelLen),
			),
		};
	}

	get now(): number {
		return this.built.simulation.now;
	}

	get elapsedS(): number {
		return this.runner.elapsedS;
	}

	get speed(): Speed {
		return this.runner.speed;
	}

	get paused(): boolean {
		return this.runner.paused;
	}

	get done(): boolean {
		return this.runner.done;
	}

	get metrics(): readonly EngineMetrics[] {
		return this.built.metrics;
	}

	expected(): AcceptanceExpectation {
		return this.built.expected();
	}

	subscribe(observer: SimObserver): () => void {
		return this.built.simulation.subscribe(observer);
	}

	/** Hear every step's outcome before the loggers and observers do (`Simulation.onStepFirst`). */
	onStepFirst(listener: (outcome: StepOutcome) => void): () => void {
		return this.built.simulation.onStepFirst(listener);
	}

	onAdvance(listener: () => void): () => void {
		return this.runner.onAdvance(listener);
	}

	togglePause(): void {
		this.runner.togglePause();
	}

	setSpeed(speed: Speed): void {
		this.runner.setSpeed(speed);
	}

	/** The registry `/metrics` serves (replaced by `restart`). */
	get registry(): Registry {
		return this.#prometheus.registry;
	}

	/** `_created` timestamps: when the (virtual) engine started, in Unix seconds. */
	get createdS(): number | undefined {
		return this.#createdSeries ? this.#createdS : undefined;
	}

	/** Wall-clock milliseconds of a virtual time. */
	epochMsAt(virtualS: number): number {
		return this.startEpochMs + virtualS * 1000;
	}

	get numSpecTokens(): number {
		return this.built.engines[0]!.numSpecTokens;
	}

	get acceptanceScale(): number {
		return this.#acceptanceScale;
	}

	/** Change k from each engine's next step; new position series appear on `/metrics` at 0. */
	setNumSpecTokens(k: number): void {
		if (!Number.isInteger(k) || k < 1 || k > this.info.maxNumSpecTokens)
			throw new RangeError(`numSpecTokens must be an integer in 1..${this.info.maxNumSpecTokens}, got ${k}`);
		this.#prometheus.ensurePositions(k);
		this.built.setNumSpecTokens(k);
	}

	/** Set the multiplier on conditional acceptance (relative to the preset's model) from the next step. */
	setAcceptanceScale(scale: number): void {
		if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`acceptance scale must be a finite number > 0, got ${scale}`);
		if (scale === this.#acceptanceScale) return;
		this.built.scaleAcceptance(scale / this.#acceptanceScale);
		this.#acceptanceScale = scale;
	}

	#attachOptions(): AttachOptions {
		return {showHiddenMetrics: this.#showHiddenMetrics, enableMfuMetrics: this.#enableMfuMetrics, epochS: t => this.epochMsAt(t) / 1000};
	}

	/** A fresh registry in vLLM's family order: the process collector, the engine's families, the HTTP families. */
	#attach(): SimPrometheus {
		const registry = new Registry();
		const server = this.#server;
		if (!this.#withPrometheus)
			return {
				registry,
				ensurePositions: () => undefined,
				detach: () => undefined,
				carrySleepMode: () => undefined,
				sleepModeInFlight: () => undefined,
			};
		if (server === undefined) return attachPrometheus(this.built, registry, this.#attachOptions());
		if (server === 'simulated') {
			const options = {
				...this.#attachOptions(),
				epochS: (t: number) => this.epochMsAt(t) / 1000,
				now: () => this.built.simulation.now,
				createdS: this.#createdS,
			};
			const feeds = createSimulatedProm(promShapeOf(this.built), registry, options);
			this.#disconnectServer = subscribeServerFeed(this.built, feeds.server);
			return attachEngineFeed(this.built, feeds.engine, registry, options);
		}
		registerProcessFamilies(registry, server.readProcess);
		const prometheus = attachPrometheus(this.built, registry, this.#attachOptions());
		registerHttpFamilies(registry, this.#createdS);
		return prometheus;
	}

	/**
	 * Reset every counter as a restarted engine would: a fresh registry (counters back to 0,
	 * new `_created`), fresh interval loggers and metrics. Requests in flight carry on, and so do
	 * sleep-mode calls: the sleep-mode families, once created, stay exposed (histogram empty).
	 */
	restart(): void {
		const now = this.built.simulation.now;
		const previous = this.#prometheus;
		previous.detach();
		this.#disconnectServer();
		this.#createdS = this.epochMsAt(now) / 1000;
		this.#prometheus = this.#attach();
		// The API server's sleep-mode families stay (reset), after the HTTP ones; calls in flight carry on.
		this.#prometheus.carrySleepMode(previous);
		// A step drafted under a larger k may still be in flight: it completes into the fresh registry.
		this.#prometheus.ensurePositions(Math.max(1, ...this.built.engines.map(e => e.inFlightNumSpecTokens)));
		for (const logger of this.built.simulation.loggers) logger.restart(now);
		for (const logger of this.built.simulation.engineLoggers) logger.restart(now);
		for (const logger of this.built.simulation.perfLoggers) logger.restart(now);
		for (const m of this.built.metrics) m.restart(now);
	}
}
