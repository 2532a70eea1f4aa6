import {Registry} from './prom-client.js';
import type {BuiltSimulation} from '../../sim/build.js';
import {cacheConfigInfo} from '../../sim/cache-config-info.js';
import {fillFinishedRequestStats} from '../../sim/finished-request.js';
import {createStepWork, type StepWork} from '../../engine/step-work.js';
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
 * Feed a simulation's steps into prom-client families exactly as vLLM's `PrometheusStatLogger`
 * records an engine's `SchedulerStats` and `IterationStats`: spec-decode counters per step,
 * queue gauges, token, preemption and prompt-source counters, tokens per step, TTFT at a
 * request's first token, one inter-token latency per request per step, and at finish the request
 * counters and histograms (latency phases, sizes, parameters).
 */
export function attachPrometheus(built: BuiltSimulation, registry: Registry = new Registry(), options: AttachOptions = {}): SimPrometheus {
	const {config} = built;
	const maxModelLen = config.scheduler.maxModelLen;
	const spec: SpecDecodingProm[] = [];
	const core: CoreProm[] = [];
	// vLLM creates the spec-decoding families before the core ones (family order on /metrics).
	for (const engine of built.engines) {
		spec.push(
			createSpecDecodingProm({
				registry,
				modelName: config.servedModelName,
				engine: engine.index,
				numSpecTokens: Math.max(1, engine.numSpecTokens),
				perPositionDrafted: config.logging.format === 'coverage',
			}),
		);
	}
	const info = cacheConfigInfo(config, built.numKvBlocks);
	for (const engine of built.engines) {
		core.push(
			createCoreProm({
				registry,
				modelName: config.servedModelName,
				engine: engine.index,
				maxModelLen,
				showHiddenMetrics: options.showHiddenMetrics ?? false,
				kvCacheMetrics: engine.kv.residency !== undefined,
				cacheConfigInfo: info,
			}),
		);
		// vLLM drains the sampled evictions into the histograms with each SchedulerStats; here they go straight in.
		const c = core.at(-1)!;
		if (engine.kv.residency !== undefined) engine.kv.residency.sink = (lifetime, idle, gaps, n) => c.observeKvBlockEviction(lifetime, idle, gaps, n);
		// A registry attached while an engine sleeps (a restart) starts with the engine's state, not awake.
		if (engine.sleepLevel > 0) core.at(-1)!.setSleepState(1, engine.sleepLevel);
	}
	const finished = newFinishedRequestStats();
	const sleepMode = createSleepModeProm(registry);
	const epochS = options.epochS ?? ((t: number) => t);
	const stepWork = options.enableMfuMetrics === true ? createStepWork(built.model, built.hardware) : undefined;
	const work: StepWork = {flops: 0, readBytes: 0, writeBytes: 0};
	const unsubscribe = built.simulation.subscribe({
		onStep(out) {
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
				if (stepWork !== undefined && out.shape !== undefined) {
					stepWork(out.shape, work);
					c.addPerfStats(work.flops, work.readBytes, work.writeBytes);
				}
			}
			for (let i = 0; i < out.ttft.length; i++) c.observeTimeToFirstToken(out.ttft.values[i]!);
			// Requests decoded in consecutive steps share the step's latency: the outcome keeps runs, observed once each.
			const itl = out.interTokenLatency;
			for (let i = 0; i < itl.length; i++) c.observeInterTokenLatency(itl.values[i]!, itl.counts[i]!);
			for (let i = 0; i < out.finished.length; i++) c.finishRequest(fillFinishedRequestStats(finished, out.finished[i]!, maxModelLen));
		},
		onSleepState(engine, _t, level) {
			core[engine]!.setSleepState(level > 0 ? 1 : 0, level);
		},
		onSleepOperation(operation, t, phase, durationS) {
			if (phase === 'begin') sleepMode.begin(operation);
			else sleepMode.end(operation, durationS, epochS(t));
		},
	});
	return {
		registry,
		ensurePositions(k: number): void {
			for (const s of spec) s.ensurePositions(k);
		},
		carrySleepMode(previous: SimPrometheus): void {
			const carried = previous.sleepModeInFlight();
			if (carried !== undefined) sleepMode.resume(carried);
		},
		sleepModeInFlight: () => sleepMode.inFlight(),
		detach(): void {
			unsubscribe();
			for (const engine of built.engines) if (engine.kv.residency !== undefined) engine.kv.residency.sink = undefined;
		},
	};
}
