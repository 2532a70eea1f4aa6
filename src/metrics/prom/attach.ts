import {Registry} from './prom-client.js';
import type {SimConfig} from '../../config/schema.js';
import type {BuiltSimulation} from '../../sim/build.js';
import {cacheConfigInfo} from '../../sim/cache-config-info.js';
import {fillFinishedRequestStats, type FinishedRequestFields} from '../../sim/finished-request.js';
import {createStepWork, type StepWork} from '../../engine/step-work.js';
import type {SleepOperation} from '../../engine/faults.js';
import type {StepOutcome} from '../../engine/step-outcome.js';
import type {SpecDecodingStats} from '../stats/spec-decoding-stats.js';
import {newFinishedRequestStats} from '../stats/finished-request.js';
import {createCoreProm, type CoreProm} from './core-prom.js';
import {createSleepModeProm} from './sleep-mode-prom.js';
import {createSpecDecodingProm, type SpecDecodingProm} from './spec-decoding-prom.js';

/** A simulation's Prometheus side: one registry, one `SpecDecodingProm` and one core set per engine. */
export type SimPrometheus = {
	readonly registry: Registry;
	/** Create position series for a live increase of k (before the next step). */
	ensurePositions(k: number): void;
	/** Stop feeding the registry. */
	detach(): void;
	/**
	 * Take over the sleep-mode families of the registry this one replaces (a restart): if the
	 * server had created them, register them now (call after every other family, as they come
	 * last), empty but with the calls still in flight, which return into this registry.
	 */
	carrySleepMode(previous: SimPrometheus): void;
	/** Calls in flight per sleep-mode operation, `undefined` before the first call. */
	sleepModeInFlight(): ReadonlyMap<string, number> | undefined;
};

/** Options of {@link attachPrometheus}. */
export type AttachOptions = {
	/** Expose the deprecated families too (vLLM's `--show-hidden-metrics-for-version`). @default false */
	readonly showHiddenMetrics?: boolean;
	/**
	 * vLLM's `--enable-mfu-metrics`: feed `vllm:estimated_*_per_gpu_total` each step from the target
	 * roofline's FLOPs and bytes (`engine/step-work.ts`). Off, the three counters stay at 0 (vLLM
	 * creates them either way). @default false
	 */
	readonly enableMfuMetrics?: boolean;
	/**
	 * Unix seconds of virtual time `t`: the `_created` of a series created mid-run (a sleep-mode
	 * operation's first observation). @default the virtual time itself
	 */
	readonly epochS?: (t: number) => number;
};

/**
 * What the engine families are made from, without the simulation: the configuration, the KV
 * cache's size and per engine its k, whether it samples KV block residency and its sleep level
 * when the registry is made. Plain data: `generate` sends it to its serialising thread, which
 * rebuilds the families there.
 */
export type PromShape = {
	readonly config: SimConfig;
	readonly numKvBlocks: number;
	readonly engines: ReadonlyArray<{readonly numSpecTokens: number; readonly kvCacheMetrics: boolean; readonly sleepLevel: number}>;
};

/** The {@link PromShape} of a built simulation, as it is now. */
export function promShapeOf(built: BuiltSimulation): PromShape {
	return {
		config: built.config,
		numKvBlocks: built.numKvBlocks,
		engines: built.engines.map(e => ({numSpecTokens: e.numSpecTokens, kvCacheMetrics: e.kv.residency !== undefined, sleepLevel: e.sleepLevel})),
	};
}

/**
 * What {@link EngineFeed.step} reads of a step: the fields of the engine's `StepOutcome` that
 * vLLM's `SchedulerStats` and `IterationStats` carry (the outcome itself, or the same fields
 * read back from `generate`'s record batches). Its finished requests go to {@link EngineFeed.finished}.
 */
export type PromStepView = {
	readonly engine: number;
	readonly specStats: SpecDecodingStats | undefined;
	readonly numRunning: number;
	readonly numWaitingCapacity: number;
	readonly numWaitingDeferred: number;
	readonly kvUsage: number;
	readonly sleepLevel: number;
	readonly promptTokens: number;
	readonly promptTokensCached: number;
	readonly generationTokens: number;
	readonly prefixCache: {readonly queries: number; readonly hits: number};
	readonly numPreemptions: number;
	readonly numScheduledTokens: number;
	readonly ttft: {readonly length: number; readonly values: ArrayLike<number>};
	readonly interTokenLatency: {readonly length: number; readonly values: ArrayLike<number>; readonly counts: ArrayLike<number>};
};

/**
 * vLLM's engine families fed one event at a time, exactly as `PrometheusStatLogger` records an
 * engine's `SchedulerStats` and `IterationStats`: the one copy of that logic, called by
 * {@link attachPrometheus} from a simulation's steps (run, serve) and by `generate`'s serialising
 * thread from the records it is sent.
 */
export type EngineFeed = {
	/** One step's stats; `work`: its `PerfStats` with `--enable-mfu-metrics` (for a step that scheduled tokens). */
	step(out: PromStepView, work: StepWork | undefined): void;
	/** A request that finished in the step last given to {@link step} (in the step's order). */
	finished(engine: number, request: FinishedRequestFields): void;
	sleepState(engine: number, level: number): void;
	sleepOperation(operation: SleepOperation, t: number, phase: 'begin' | 'end', durationS: number): void;
	/** A sampled KV block eviction (`--kv-cache-metrics`). */
	eviction(engine: number, lifetimeS: number, idleS: number, gaps: ArrayLike<number>, numGaps: number): void;
	ensurePositions(k: number): void;
	carrySleepMode(inFlight: ReadonlyMap<string, number> | undefined): void;
	sleepModeInFlight(): ReadonlyMap<string, number> | undefined;
};

/** Register vLLM's engine families for `shape` in `registry` (vLLM's order) and return their feed. */
export function createEngineFeed(shape: PromShape, registry: Registry, options: AttachOptions = {}): EngineFeed {
	const {config} = shape;
	const maxModelLen = config.scheduler.maxModelLen;
	const spec: SpecDecodingProm[] = [];
	const core: CoreProm[] = [];
	// vLLM creates the spec-decoding families before the core ones (family order on /metrics).
	for (const [index, engine] of shape.engines.entries()) {
		spec.push(
			createSpecDecodingProm({
				registry,
				modelName: config.servedModelName,
				engine: index,
				numSpecTokens: Math.max(1, engine.numSpecTokens),
				perPositionDrafted: config.logging.format === 'coverage',
			}),
		);
	}
	const info = cacheConfigInfo(config, shape.numKvBlocks);
	for (const [index, engine] of shape.engines.entries()) {
		const c = createCoreProm({
			registry,
			modelName: config.servedModelName,
			engine: index,
			maxModelLen,
			showHiddenMetrics: options.showHiddenMetrics ?? false,
			kvCacheMetrics: engine.kvCacheMetrics,
			cacheConfigInfo: info,
		});
		core.push(c);
		// A registry attached while an engine sleeps (a restart) starts with the engine's state, not awake.
		if (engine.sleepLevel > 0) c.setSleepState(1, engine.sleepLevel);
	}
	const finished = newFinishedRequestStats();
	const sleepMode = createSleepModeProm(registry);
	const epochS = options.epochS ?? ((t: number) => t);
	return {
		step(out: PromStepView, work: StepWork | undefined): void {
			if (out.specStats !== undefined) spec[out.engine]!.observe(out.specStats);
			const c = core[out.engine]!;
			c.setQueue(out.numRunning, out.numWaitingCapacity, out.kvUsage, out.numWaitingDeferred);
			c.setSleepState(out.sleepLevel > 0 ? 1 : 0, out.sleepLevel);
			c.addTokens(out.promptTokens, out.generationTokens);
			const computed = out.promptTokens - out.promptTokensCached;
			c.addPromptTokenSources(computed, out.promptTokensCached, 0);
			if (out.prefixCache.queries > 0) c.addPrefixCache(out.prefixCache.queries, out.prefixCache.hits);
			if (out.numPreemptions > 0) c.addPreemptions(out.numPreemptions);
			// vLLM records iteration stats only for steps with outputs: not for an empty step that only
			// reports finished (aborted) requests or a queue waiting on an asleep engine.
			if (out.numScheduledTokens > 0) {
				c.observeIterationTokens(computed + out.generationTokens);
				// `SchedulerStats.perf_stats` of the scheduled batch (vLLM skips a step of all zeros).
				if (work !== undefined) c.addPerfStats(work.flops, work.readBytes, work.writeBytes);
			}
			for (let i = 0; i < out.ttft.length; i++) c.observeTimeToFirstToken(out.ttft.values[i]!);
			// Requests decoded in consecutive steps share the step's latency: the outcome keeps runs, observed once each.
			const itl = out.interTokenLatency;
			for (let i = 0; i < itl.length; i++) c.observeInterTokenLatency(itl.values[i]!, itl.counts[i]!);
		},
		finished(engine: number, request: FinishedRequestFields): void {
			core[engine]!.finishRequest(fillFinishedRequestStats(finished, request, maxModelLen));
		},
		sleepState(engine: number, level: number): void {
			core[engine]!.setSleepState(level > 0 ? 1 : 0, level);
		},
		sleepOperation(operation: SleepOperation, t: number, phase: 'begin' | 'end', durationS: number): void {
			if (phase === 'begin') sleepMode.begin(operation);
			else sleepMode.end(operation, durationS, epochS(t));
		},
		eviction(engine: number, lifetimeS: number, idleS: number, gaps: ArrayLike<number>, numGaps: number): void {
			core[engine]!.observeKvBlockEviction(lifetimeS, idleS, gaps, numGaps);
		},
		ensurePositions(k: number): void {
			for (const s of spec) s.ensurePositions(k);
		},
		carrySleepMode(inFlight: ReadonlyMap<string, number> | undefined): void {
			if (inFlight !== undefined) sleepMode.resume(inFlight);
		},
		sleepModeInFlight: () => sleepMode.inFlight(),
	};
}

/**
 * Feed a simulation's steps into prom-client families exactly as vLLM's `PrometheusStatLogger`
 * records an engine's `SchedulerStats` and `IterationStats`: spec-decode counters per step,
 * queue gauges, token, preemption and prompt-source counters, tokens per step, TTFT at a
 * request's first token, one inter-token latency per request per step, and at finish the request
 * counters and histograms (latency phases, sizes, parameters). The logic is {@link createEngineFeed}'s.
 */
export function attachPrometheus(built: BuiltSimulation, registry: Registry = new Registry(), options: AttachOptions = {}): SimPrometheus {
	return attachEngineFeed(built, createEngineFeed(promShapeOf(built), registry, options), registry, options);
}

/** {@link attachPrometheus} with the feed made: subscribe `feed` (of `registry`) to the simulation. */
export function attachEngineFeed(built: BuiltSimulation, feed: EngineFeed, registry: Registry, options: AttachOptions = {}): SimPrometheus {
	const stopEvictions = sinkEvictions(built, (engine, lifetime, idle, gaps, n) => feed.eviction(engine, lifetime, idle, gaps, n));
	const perf = perfWork(built, options.enableMfuMetrics === true);
	const unsubscribe = built.simulation.subscribe({
		onStep(out) {
			feed.step(out, perf(out));
			for (let i = 0; i < out.finished.length; i++) feed.finished(out.engine, out.finished[i]!);
		},
		onSleepState(engine, _t, level) {
			feed.sleepState(engine, level);
		},
		onSleepOperation(operation, t, phase, durationS) {
			feed.sleepOperation(operation, t, phase, durationS);
		},
	});
	return {
		registry,
		ensurePositions: k => feed.ensurePositions(k),
		carrySleepMode(previous: SimPrometheus): void {
			feed.carrySleepMode(previous.sleepModeInFlight());
		},
		sleepModeInFlight: () => feed.sleepModeInFlight(),
		detach(): void {
			unsubscribe();
			stopEvictions();
		},
	};
}

/**
 * Send every engine's sampled KV block evictions (`--kv-cache-metrics`) to `sink` as they happen
 * (vLLM drains them into the histograms with each SchedulerStats; here they go straight in).
 * Returns the function that stops it.
 */
export function sinkEvictions(
	built: BuiltSimulation,
	sink: (engine: number, lifetimeS: number, idleS: number, gaps: ArrayLike<number>, numGaps: number) => void,
): () => void {
	for (const engine of built.engines) {
		const index = engine.index;
		if (engine.kv.residency !== undefined) engine.kv.residency.sink = (lifetime, idle, gaps, n) => sink(index, lifetime, idle, gaps, n);
	}
	return () => {
		for (const engine of built.engines) if (engine.kv.residency !== undefined) engine.kv.residency.sink = undefined;
	};
}

/**
 * A step's `PerfStats` for `--enable-mfu-metrics` (`enabled`): the target roofline's FLOPs and bytes
 * of the batch it scheduled, or undefined (disabled, or a step that scheduled nothing: vLLM skips a
 * step of all zeros). The returned object is reused.
 */
export function perfWork(built: BuiltSimulation, enabled: boolean): (out: StepOutcome) => StepWork | undefined {
	if (!enabled) return () => undefined;
	const stepWork = createStepWork(built.model, built.hardware);
	const work: StepWork = {flops: 0, readBytes: 0, writeBytes: 0};
	return out => (out.shape !== undefined && out.numScheduledTokens > 0 ? stepWork(out.shape, work) : undefined);
}
