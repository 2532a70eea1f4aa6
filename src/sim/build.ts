import type {SimConfig} from '../config/schema.js';
import {createCostModel, kvCapacityTokens} from '../engine/cost-model.js';
import {BUILTIN_HARDWARE} from '../engine/cost/hardware.js';
import {BUILTIN_MODELS} from '../engine/cost/models.js';
import type {HardwareSpec, ModelCostSpec} from '../engine/cost/types.js';
import {Engine} from '../engine/engine.js';
import {FaultInjector} from '../engine/faults.js';
import type {EngineAcceptance, EngineProposer} from '../engine/ports.js';
import type {SimRequest} from '../engine/request.js';
import {BUILTIN_WORKLOAD_CLASSES} from '../engine/workload/builtin-classes.js';
import type {WorkloadClassSpec} from '../engine/workload/classes.js';
import {type ConversationCounts, createRequestSource, type RequestSource} from '../engine/workload/request-source.js';
import {createTraceSource} from '../engine/workload/trace.js';
import {EngineStatsLogging} from '../metrics/log/engine-stats-logging.js';
import {PerfMetricsLogging} from '../metrics/log/perf-metrics-logging.js';
import {createStepWork} from '../engine/step-work.js';
import {SpecDecodingLogging} from '../metrics/log/spec-decoding-logging.js';
import {KvBlockResidency} from '../engine/kv-block-residency.js';
import {createRng, type Rng} from '../rng/rng.js';
import {atPath, ConfigError} from '../util/config-error.js';
import {createAcceptanceModel} from '../speculative/acceptance/model.js';
import type {AcceptanceExpectation, AcceptanceModel} from '../speculative/acceptance/model-types.js';
import {resolveMethodName} from '../speculative/proposers/methods.js';
import {defaultDraftCost} from '../engine/cost/draft-defaults.js';
import {getProposerFactory} from '../speculative/proposers/registry.js';
import type {DraftMethod, DraftProposer, ProposeContext} from '../speculative/proposers/types.js';
import {EngineMetrics} from './engine-metrics.js';
import {Simulation} from './simulation.js';

/** Options of {@link buildSimulation}. */
export type BuildOptions = {
	/** Root seed; every random stream is forked from it by name. @default 0 */
	readonly seed?: number;
	/** Lines of the workload trace (`config.workload.trace`), read by the caller. */
	readonly traceLines?: Iterable<string>;
	/** Run without speculative decoding (k = 0): the baseline of a speedup. @default false */
	readonly speculationOff?: boolean;
	/** Virtual start time. @default 0 */
	readonly startS?: number;
	/**
	 * vLLM's `--kv-cache-metrics` with this `--kv-cache-metrics-sample` rate in (0, 1]: track sampled
	 * KV blocks' residency (each engine draws from its own `kv-cache-metrics` stream). Omitted: off.
	 */
	readonly kvCacheMetricsSample?: number;
	/**
	 * vLLM's `--enable-mfu-metrics`: print the `Engine 000: MFU: ...` line after each tick's
	 * spec-decode line (`PerfMetricsLogging`). The Prometheus counters read the same flag from
	 * their attach options. @default false
	 */
	readonly enableMfuMetrics?: boolean;
};

/** A simulation wired from a configuration, with handles on its parts. */
export type BuiltSimulation = {
	readonly config: SimConfig;
	readonly seed: number;
	readonly simulation: Simulation;
	readonly engines: readonly Engine[];
	readonly metrics: readonly EngineMetrics[];
	/** The resolved method, or `none` when the configuration turns speculation off. */
	readonly method: DraftMethod | 'none';
	readonly model: ModelCostSpec;
	readonly hardware: HardwareSpec;
	readonly classes: readonly WorkloadClassSpec[];
	readonly numKvBlocks: number;
	/** The acceptance model now in force (replaced by the live controls). */
	acceptance(): AcceptanceModel;
	/** Closed forms of the acceptance model at the current k, over the workload's class mix. */
	expected(): AcceptanceExpectation;
	/** Change k on every engine from the next step. */
	setNumSpecTokens(k: number): void;
	/** Multiply conditional acceptance (clamped to 1) from the next step. */
	scaleAcceptance(factor: number): void;
	/** Conversations so far, when a workload class has `conversation` (docs/prefix-caching.md). */
	conversations(): ConversationCounts | undefined;
};

/** Wire a validated configuration into engines, loggers and metrics. Pure: no I/O, no clock. */
export function buildSimulation(config: SimConfig, options: BuildOptions = {}): BuiltSimulation {
	const seed = options.seed ?? 0;
	const startS = options.startS ?? 0;
	const root = createRng(seed);
	const model = resolveModel(config.model);
	const hardware = resolveHardware(config.hardware, config.tensorParallel);
	const classes = config.workload.classes.map(resolveClass);
	const configuredOff = isSpeculationOff(config);
	const method: DraftMethod | 'none' =
		config.speculative.method === 'none' ? 'none' : atPath(['speculative', 'method'], () => resolveMethodName(config.speculative.method)).method;
	let k = options.speculationOff || configuredOff ? 0 : config.speculative.numSpecTokens;
	const s = config.scheduler;
	const numKvBlocks =
		s.numKvBlocks ?? atPath(['hardware'], () => Math.floor(kvCapacityTokens(model, hardware, s.gpuMemoryUtilization) / s.blockSize));
	const cost = atPath(['speculative', 'draftCost'], () =>
		createCostModel({
			model,
			hardware,
			draft: k === 0 || method === 'none' ? {kind: 'none'} : (config.speculative.draftCost ?? defaultDraftCost(method, model)),
			overheadS: s.stepOverheadS,
			...(config.stepTime === undefined ? {} : {fitted: config.stepTime}),
			...(config.speculative.scorer === undefined ? {} : {scorer: config.speculative.scorer}),
		}),
	);
	for (const [i, c] of classes.entries()) {
		const shared = c.sharedPrefixTokens ?? 0;
		if (shared > s.maxModelLen - 2) {
			throw new ConfigError(
				['workload', 'classes', i, 'sharedPrefixTokens'],
				`sharedPrefixTokens (${shared}) must leave room for a prompt token and an output token within scheduler.maxModelLen (${s.maxModelLen})`,
			);
		}
	}
	const classFactors = classes.map(c => c.acceptanceFactor ?? 1);
	const acceptanceSpec = config.speculative.acceptance ?? (configuredOff ? NO_ACCEPTANCE : undefined);
	if (acceptanceSpec === undefined)
		throw new ConfigError(['speculative', 'acceptance'], 'required while speculation is on (method "none" or numSpecTokens 0 turn it off)');
	let acceptance = atPath(['speculative', 'acceptance'], () =>
		createAcceptanceModel({
			spec: acceptanceSpec,
			k: Math.max(1, config.speculative.numSpecTokens),
			...(config.speculative.heterogeneity ? {heterogeneity: config.speculative.heterogeneity} : {}),
			classFactors,
			temperatureSensitivity: config.speculative.temperatureSensitivity,
		}),
	);
	const hitRates = config.speculative.proposer.hitRates ?? classes.map(c => c.ngramHitRate ?? 0.3);
	// With speculation off the proposer is never asked for a draft; `synthetic` stands in for `none`.
	const proposerFactory = getProposerFactory(method === 'none' ? 'synthetic' : method);
	const engines: Engine[] = [];
	const metrics: EngineMetrics[] = [];
	const loggers: SpecDecodingLogging[] = [];
	const engineLoggers: EngineStatsLogging[] = [];
	const acceptancePorts: Array<{set(model: AcceptanceModel): void}> = [];
	for (let i = 0; i < config.engines.count; i++) {
		const rng = root.fork(`engine:${i}`);
		const proposer = atPath(['speculative', 'proposer'], () => proposerFactory({...config.speculative.proposer, hitRates}));
		const port = acceptancePort(acceptance, rng.fork('profile'));
		acceptancePorts.push(port);
		engines.push(
			atPath(
				['scheduler'],
				() =>
					new Engine(
						i,
						{
							maxNumSeqs: s.maxNumSeqs,
							maxNumBatchedTokens: s.maxNumBatchedTokens,
							maxModelLen: s.maxModelLen,
							numKvBlocks,
							blockSize: s.blockSize,
							chunkedPrefill: s.chunkedPrefill,
							longPrefillTokenThreshold: s.longPrefillTokenThreshold,
							clampAcceptedAtMaxTokens: s.clampAcceptedAtMaxTokens,
							enablePrefixCaching: s.enablePrefixCaching,
						},
						k,
						{proposer: proposerPort(proposer, rng.fork('proposer')), acceptance: port.engine, cost, rng},
					),
			),
		);
		if (options.kvCacheMetricsSample !== undefined) {
			const kv = engines.at(-1)!.kv;
			kv.residency = new KvBlockResidency(kv.numBlocks, options.kvCacheMetricsSample, rng.fork('kv-cache-metrics'), kv.enablePrefixCaching);
		}
		metrics.push(new EngineMetrics(i, Math.max(1, k), startS));
		loggers.push(new SpecDecodingLogging({numSpecTokens: Math.max(1, k), format: config.logging.format, startS}));
		engineLoggers.push(new EngineStatsLogging({engineIndex: i, format: config.logging.format, startS}));
	}
	const source: RequestSource = atPath(['workload'], () =>
		options.traceLines !== undefined
			? createTraceSource(options.traceLines, config.workload.trace ?? 'trace', {classes, rng: root.fork('workload')})
			: createRequestSource({arrival: config.workload.arrival, classes, rng: root.fork('workload'), startS}),
	);
	const faults =
		config.faults === undefined ? undefined : buildFaults(config.faults, engines, root.fork('faults'), model, hardware, numKvBlocks * s.blockSize);
	const simulation = new Simulation({
		...(faults === undefined ? {} : {faults}),
		engines,
		source,
		loggers,
		engineLoggers,
		...(options.enableMfuMetrics === true
			? {perfLogging: {loggers: engines.map(e => new PerfMetricsLogging(e.index, startS)), stepWork: createStepWork(model, hardware)}}
			: {}),
		numGpuBlocks: numKvBlocks,
		logIntervalS: config.logging.intervalS,
		routing: config.engines.routing,
		startS,
	});
	simulation.subscribe({
		onStep: out => metrics[out.engine]!.observe(out),
		onSleepState: (engine, _t, level) => {
			metrics[engine]!.sleepLevel = level;
		},
	});
	const classWeights = classes.map(c => c.weight);
	return {
		config,
		seed,
		simulation,
		engines,
		metrics,
		method,
		model,
		hardware,
		classes,
		numKvBlocks,
		acceptance: () => acceptance,
		expected: () => acceptance.expected({classWeights}),
		conversations: () => source.conversations,
		setNumSpecTokens(next: number): void {
			if (!Number.isInteger(next) || next < 1) throw new RangeError(`numSpecTokens must be a positive integer, got ${next}`);
			// Nothing to draft with: a configuration without a method stays without speculation.
			if (method === 'none') return;
			k = next;
			acceptance = acceptance.withK(next);
			for (const port of acceptancePorts) port.set(acceptance);
			for (const engine of engines) engine.setNumSpecTokens(next);
		},
		scaleAcceptance(factor: number): void {
			acceptance = acceptance.scaled(factor);
			for (const port of acceptancePorts) port.set(acceptance);
		},
	};
}

/**
 * The fault injector of a `faults` section (docs/faults.md), its own stream forked from the root
 * so that faults change no other stream. A sleep interval naming an engine the configuration does
 * not have is an error at its field.
 */
function buildFaults(
	spec: NonNullable<SimConfig['faults']>,
	engines: readonly Engine[],
	rng: Rng,
	model: ModelCostSpec,
	hardware: HardwareSpec,
	kvTokens: number,
): FaultInjector {
	spec.sleep.forEach((interval, i) => {
		if (interval.engine !== undefined && interval.engine >= engines.length)
			throw new ConfigError(
				['faults', 'sleep', i, 'engine'],
				`no engine ${interval.engine}: engines.count is ${engines.length} (engines 0 to ${engines.length - 1})`,
			);
	});
	return new FaultInjector(spec, engines, rng, {
		weightBytesPerGpu: (model.params * model.bytesPerParam) / hardware.gpus,
		kvCacheBytesPerGpu: (kvTokens * model.kvBytesPerToken) / hardware.gpus,
	});
}

/** An acceptance model for configurations that never draft (it is never sampled). */
const NO_ACCEPTANCE = {kind: 'constant', alpha: 0} as const;

/**
 * True when the configuration itself turns speculative decoding off: `speculative.method` is
 * `none` or `numSpecTokens` is 0 (`--method none`, `--k 0`).
 */
export function isSpeculationOff(config: SimConfig): boolean {
	return config.speculative.method === 'none' || config.speculative.numSpecTokens === 0;
}

/** The engine's proposer port over a {@link DraftProposer}: one reused context, the proposer's own stream. */
function proposerPort(proposer: DraftProposer, rng: Rng): EngineProposer {
	const ctx: ProposeContext = {k: 0, maxDraft: 0, classIndex: 0, promptLength: 0, numOutputTokens: 0, state: {}};
	return {
		fixedLength: proposer.fixedLength === true,
		initRequest(request: SimRequest): void {
			request.proposerState = proposer.initRequest({classIndex: request.classIndex, promptLength: request.promptTokens});
		},
		propose(request: SimRequest, k: number, maxDraft: number): number {
			ctx.k = k;
			ctx.maxDraft = maxDraft;
			ctx.classIndex = request.classIndex;
			ctx.promptLength = request.promptTokens;
			ctx.numOutputTokens = request.numOutputTokens;
			ctx.state = request.proposerState as object;
			return proposer.propose(ctx, rng);
		},
	};
}

/** The engine's acceptance port; the model behind it can be swapped live. */
function acceptancePort(initial: AcceptanceModel, profileRng: Rng): {engine: EngineAcceptance; set(model: AcceptanceModel): void} {
	let model = initial;
	return {
		engine: {
			drawProfile: request => model.drawProfile(profileRng, request.classIndex, request.temperature),
			sampleAccepted: (profile, d, u) => model.sampleAccepted(profile, d, u),
			sampleAcceptedBatch: (profiles, d, count, rng, out) => model.sampleAcceptedBatch(profiles, d, count, rng, out),
		},
		set(next: AcceptanceModel): void {
			model = next;
		},
	};
}

function resolveModel(model: SimConfig['model']): ModelCostSpec {
	if (typeof model !== 'string') return model;
	const builtin = (BUILTIN_MODELS as Record<string, ModelCostSpec>)[model];
	if (builtin === undefined) throw new ConfigError(['model'], `unknown built-in model "${model}"; known: ${Object.keys(BUILTIN_MODELS).join(', ')}`);
	return builtin;
}

function resolveHardware(hardware: SimConfig['hardware'], tensorParallel: number | undefined): HardwareSpec {
	let spec: HardwareSpec;
	if (typeof hardware === 'string') {
		const builtin = (BUILTIN_HARDWARE as Record<string, HardwareSpec>)[hardware];
		if (builtin === undefined)
			throw new ConfigError(['hardware'], `unknown built-in hardware "${hardware}"; known: ${Object.keys(BUILTIN_HARDWARE).join(', ')}`);
		spec = builtin;
	} else {
		spec = hardware;
	}
	return tensorParallel === undefined ? spec : {...spec, gpus: tensorParallel};
}

/** A workload class of the configuration: a built-in one by name, or the spec itself. */
export function resolveClass(entry: string | WorkloadClassSpec, index: number): WorkloadClassSpec {
	if (typeof entry !== 'string') return entry;
	const builtin = (BUILTIN_WORKLOAD_CLASSES as Record<string, WorkloadClassSpec>)[entry];
	if (builtin === undefined)
		throw new ConfigError(
			['workload', 'classes', index],
			`unknown built-in class "${entry}"; known: ${Object.keys(BUILTIN_WORKLOAD_CLASSES).join(', ')}`,
		);
	return builtin;
}

export {DEFAULT_DRAFT_PASS_OVERHEAD_S, DEFAULT_DRAFT_STEP_OVERHEAD_S, defaultDraftCost} from '../engine/cost/draft-defaults.js';
