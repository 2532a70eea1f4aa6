import {Registry} from 'prom-client';
import type {SimConfig} from '../config/schema.js';
import {attachPrometheus, type SimPrometheus} from '../metrics/prom/attach.js';
import {buildSimulation, type BuildOptions, type BuiltSimulation} from '../sim/build.js';
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
};

/**
 * A running simulation with everything around it: the built engines, its Prometheus registry
 * and the wall-clock runner. The dashboard's keys, the headless runner and the `/metrics` server
 * all act through it.
 */
export class Session {
	readonly config: SimConfig;
	readonly built: BuiltSimulation;
	readonly runner: Runner;
	readonly startEpochMs: number;
	#prometheus: SimPrometheus;
	#acceptanceScale = 1;
	#createdS: number;
	readonly #createdSeries: boolean;

	constructor(config: SimConfig, options: SessionOptions = {}) {
		this.config = config;
		this.built = buildSimulation(config, options);
		this.startEpochMs = options.startEpochMs ?? DEFAULT_START_EPOCH_MS;
		this.#prometheus = attachPrometheus(this.built);
		this.#createdS = this.startEpochMs / 1000;
		this.#createdSeries = options.createdSeries ?? true;
		this.runner = new Runner(this.built.simulation, {
			...(options.speed === undefined ? {} : {speed: options.speed}),
			...(options.durationS === undefined ? {} : {durationS: options.durationS}),
		});
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

	/** Change k from the next step; new position series appear on `/metrics` at 0. */
	setNumSpecTokens(k: number): void {
		this.#prometheus.ensurePositions(k);
		this.built.setNumSpecTokens(k);
	}

	/** Multiply conditional acceptance by `factor` from the next step. */
	scaleAcceptance(factor: number): void {
		this.#acceptanceScale *= factor;
		this.built.scaleAcceptance(factor);
	}

	/**
	 * Reset every counter as a restarted engine would: a fresh registry (counters back to 0,
	 * new `_created`), fresh interval loggers and metrics. Requests in flight carry on.
	 */
	restart(): void {
		const now = this.built.simulation.now;
		this.#prometheus.detach();
		this.#prometheus = attachPrometheus(this.built, new Registry());
		// A step drafted under a larger k may still be in flight: it completes into the fresh registry.
		this.#prometheus.ensurePositions(Math.max(1, ...this.built.engines.map(e => e.inFlightNumSpecTokens)));
		this.#createdS = this.epochMsAt(now) / 1000;
		for (const logger of this.built.simulation.loggers) logger.restart(now);
		for (const m of this.built.metrics) m.restart(now);
	}
}
