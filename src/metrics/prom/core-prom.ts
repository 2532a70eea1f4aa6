import type {Registry} from 'prom-client';
import {FINISH_REASONS, type FinishedRequestStats} from '../stats/finished-request.js';
import {
	INTER_TOKEN_LATENCY_BUCKETS,
	ITERATION_TOKENS_BUCKETS,
	KV_CACHE_RESIDENCY_BUCKETS,
	REQUEST_LATENCY_BUCKETS,
	REQUEST_PARAMS_N_BUCKETS,
	TIME_TO_FIRST_TOKEN_BUCKETS,
	build125Buckets,
} from '../stats/vllm-buckets.js';
import {
	addCounterSlot,
	addGaugeSlot,
	addHistogramChild,
	counterFamily,
	gaugeFamily,
	histogramFamily,
	type FamilySpec,
	type HistogramChild,
} from './registry-families.js';

const ENGINE_LABELS = ['model_name', 'engine'] as const;

/**
 * Every family of the newest vLLM's `PrometheusStatLogger` (`vllm/v1/metrics/loggers.py`) that a
 * deployment without KV connectors, LoRA, NaN checks or `--kv-cache-metrics` shows, with vLLM's
 * names (a counter's without `_total`), HELP texts and label names. The objects are in vLLM's
 * creation order, which is the order of `/metrics`; `hidden` ones exist only with
 * `--show-hidden-metrics` (the last declarations vLLM had before removing them). The three
 * `estimated_*_per_gpu` counters are `PerfMetricsProm`'s (`vllm/v1/metrics/perf.py`), which the
 * logger creates unconditionally right after the spec-decoding families: they stay at 0 unless
 * `--enable-mfu-metrics` feeds them.
 */
export const CORE_FAMILIES = Object.freeze({
	estimatedFlopsPerGpu: {
		name: 'vllm:estimated_flops_per_gpu',
		help: 'Estimated number of floating point operations per GPU (for Model Flops Utilization calculations).',
		labelNames: ENGINE_LABELS,
	},
	estimatedReadBytesPerGpu: {
		name: 'vllm:estimated_read_bytes_per_gpu',
		help: 'Estimated number of bytes read from memory per GPU (for Model Flops Utilization calculations).',
		labelNames: ENGINE_LABELS,
	},
	estimatedWriteBytesPerGpu: {
		name: 'vllm:estimated_write_bytes_per_gpu',
		help: 'Estimated number of bytes written to memory per GPU (for Model Flops Utilization calculations).',
		labelNames: ENGINE_LABELS,
	},
	numRequestsRunning: {name: 'vllm:num_requests_running', help: 'Number of requests in model execution batches.', labelNames: ENGINE_LABELS},
	numRequestsWaiting: {name: 'vllm:num_requests_waiting', help: 'Number of requests waiting to be processed.', labelNames: ENGINE_LABELS},
	numRequestsWaitingByReason: {
		name: 'vllm:num_requests_waiting_by_reason',
		help:
			"Number of waiting requests by reason. Reason labels: 'capacity' = waiting for scheduling capacity; " +
			"'deferred' = deferred by transient constraints (LoRA budget, KV transfer, blocked status). " +
			'Sum of all reasons equals vllm:num_requests_waiting.',
		labelNames: [...ENGINE_LABELS, 'reason'],
	},
	engineSleepState: {
		name: 'vllm:engine_sleep_state',
		help:
			'Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; ' +
			'weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.',
		labelNames: [...ENGINE_LABELS, 'sleep_state'],
	},
	gpuCacheUsagePerc: {
		name: 'vllm:gpu_cache_usage_perc',
		help: 'GPU KV-cache usage. 1 means 100 percent usage.DEPRECATED: Use vllm:kv_cache_usage_perc instead.',
		labelNames: ENGINE_LABELS,
		hidden: true,
	},
	gpuPrefixCacheQueries: {
		name: 'vllm:gpu_prefix_cache_queries',
		help: 'GPU prefix cache queries, in terms of number of queriedtokens. DEPRECATED: Use vllm:prefix_cache_queries instead.',
		labelNames: ENGINE_LABELS,
		hidden: true,
	},
	gpuPrefixCacheHits: {
		name: 'vllm:gpu_prefix_cache_hits',
		help: 'GPU prefix cache hits, in terms of number of cached tokens. DEPRECATED: Use vllm:prefix_cache_hits instead.',
		labelNames: ENGINE_LABELS,
		hidden: true,
	},
	kvCacheUsagePerc: {name: 'vllm:kv_cache_usage_perc', help: 'KV-cache usage. 1 means 100 percent usage.', labelNames: ENGINE_LABELS},
	prefixCacheQueries: {
		name: 'vllm:prefix_cache_queries',
		help: 'Prefix cache queries, in terms of number of queried tokens.',
		labelNames: ENGINE_LABELS,
	},
	prefixCacheHits: {name: 'vllm:prefix_cache_hits', help: 'Prefix cache hits, in terms of number of cached tokens.', labelNames: ENGINE_LABELS},
	externalPrefixCacheQueries: {
		name: 'vllm:external_prefix_cache_queries',
		help: 'External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens.',
		labelNames: ENGINE_LABELS,
	},
	externalPrefixCacheHits: {
		name: 'vllm:external_prefix_cache_hits',
		help: 'External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens.',
		labelNames: ENGINE_LABELS,
	},
	mmCacheQueries: {
		name: 'vllm:mm_cache_queries',
		help: 'Multi-modal cache queries, in terms of number of queried items.',
		labelNames: ENGINE_LABELS,
	},
	mmCacheHits: {name: 'vllm:mm_cache_hits', help: 'Multi-modal cache hits, in terms of number of cached items.', labelNames: ENGINE_LABELS},
	numPreemptions: {name: 'vllm:num_preemptions', help: 'Cumulative number of preemption from the engine.', labelNames: ENGINE_LABELS},
	promptTokens: {name: 'vllm:prompt_tokens', help: 'Number of prefill tokens processed.', labelNames: ENGINE_LABELS},
	promptTokensBySource: {name: 'vllm:prompt_tokens_by_source', help: 'Number of prompt tokens by source.', labelNames: [...ENGINE_LABELS, 'source']},
	promptTokensCached: {name: 'vllm:prompt_tokens_cached', help: 'Number of cached prompt tokens (local + external).', labelNames: ENGINE_LABELS},
	generationTokens: {name: 'vllm:generation_tokens', help: 'Number of generation tokens processed.', labelNames: ENGINE_LABELS},
	requestSuccess: {
		name: 'vllm:request_success',
		help: 'Count of successfully processed requests.',
		labelNames: [...ENGINE_LABELS, 'finished_reason'],
	},
	requestPromptTokens: {name: 'vllm:request_prompt_tokens', help: 'Number of prefill tokens processed.', labelNames: ENGINE_LABELS},
	requestGenerationTokens: {name: 'vllm:request_generation_tokens', help: 'Number of generation tokens processed.', labelNames: ENGINE_LABELS},
	iterationTokensTotal: {name: 'vllm:iteration_tokens_total', help: 'Histogram of number of tokens per engine_step.', labelNames: ENGINE_LABELS},
	requestMaxNumGenerationTokens: {
		name: 'vllm:request_max_num_generation_tokens',
		help: 'Histogram of maximum number of requested generation tokens.',
		labelNames: ENGINE_LABELS,
	},
	requestParamsN: {name: 'vllm:request_params_n', help: 'Histogram of the n request parameter.', labelNames: ENGINE_LABELS},
	requestParamsMaxTokens: {
		name: 'vllm:request_params_max_tokens',
		help: 'Histogram of the max_tokens request parameter.',
		labelNames: ENGINE_LABELS,
	},
	timeToFirstTokenSeconds: {
		name: 'vllm:time_to_first_token_seconds',
		help: 'Histogram of time to first token in seconds.',
		labelNames: ENGINE_LABELS,
	},
	timePerOutputTokenSeconds: {
		name: 'vllm:time_per_output_token_seconds',
		help: 'Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds instead.',
		labelNames: ENGINE_LABELS,
		hidden: true,
	},
	interTokenLatencySeconds: {
		name: 'vllm:inter_token_latency_seconds',
		help: 'Histogram of inter-token latency in seconds.',
		labelNames: ENGINE_LABELS,
	},
	requestTimePerOutputTokenSeconds: {
		name: 'vllm:request_time_per_output_token_seconds',
		help: 'Histogram of time_per_output_token_seconds per request.',
		labelNames: ENGINE_LABELS,
	},
	e2eRequestLatencySeconds: {
		name: 'vllm:e2e_request_latency_seconds',
		help: 'Histogram of e2e request latency in seconds.',
		labelNames: ENGINE_LABELS,
	},
	requestQueueTimeSeconds: {
		name: 'vllm:request_queue_time_seconds',
		help: 'Histogram of time spent in WAITING phase for request.',
		labelNames: ENGINE_LABELS,
	},
	requestInferenceTimeSeconds: {
		name: 'vllm:request_inference_time_seconds',
		help: 'Histogram of time spent in RUNNING phase for request.',
		labelNames: ENGINE_LABELS,
	},
	requestPrefillTimeSeconds: {
		name: 'vllm:request_prefill_time_seconds',
		help: 'Histogram of time spent in PREFILL phase for request.',
		labelNames: ENGINE_LABELS,
	},
	requestDecodeTimeSeconds: {
		name: 'vllm:request_decode_time_seconds',
		help: 'Histogram of time spent in DECODE phase for request.',
		labelNames: ENGINE_LABELS,
	},
	requestPrefillKvComputedTokens: {
		name: 'vllm:request_prefill_kv_computed_tokens',
		help: 'Histogram of new KV tokens computed during prefill (excluding cached tokens).',
		labelNames: ENGINE_LABELS,
	},
	kvBlockLifetimeSeconds: {
		name: 'vllm:kv_block_lifetime_seconds',
		help: 'Histogram of KV cache block lifetime from allocation to eviction. Sampled metrics (controlled by --kv-cache-metrics-sample).',
		labelNames: ENGINE_LABELS,
		kvCacheMetrics: true,
	},
	kvBlockIdleBeforeEvictSeconds: {
		name: 'vllm:kv_block_idle_before_evict_seconds',
		help: 'Histogram of idle time before KV cache block eviction. Sampled metrics (controlled by --kv-cache-metrics-sample).',
		labelNames: ENGINE_LABELS,
		kvCacheMetrics: true,
	},
	kvBlockReuseGapSeconds: {
		name: 'vllm:kv_block_reuse_gap_seconds',
		help:
			'Histogram of time gaps between consecutive KV cache block accesses. Only the most recent accesses are recorded ' +
			'(ring buffer). Sampled metrics (controlled by --kv-cache-metrics-sample).',
		labelNames: ENGINE_LABELS,
		kvCacheMetrics: true,
	},
} satisfies Record<string, FamilySpec & {hidden?: boolean; kvCacheMetrics?: boolean}>);

/** `vllm:cache_config_info`'s name and HELP (`PrometheusStatLogger.log_metrics_info`). */
export const CACHE_CONFIG_INFO = Object.freeze({name: 'vllm:cache_config_info', help: 'Information of the LLMEngine CacheConfig'});

export {FINISH_REASONS};

/** `reason` label values of `vllm:num_requests_waiting_by_reason` (`WAITING_REASON_*`). */
export const WAITING_REASONS: readonly string[] = Object.freeze(['capacity', 'deferred']);
/** `sleep_state` label values of `vllm:engine_sleep_state`, in vLLM's order. */
export const SLEEP_STATES: readonly string[] = Object.freeze(['awake', 'weights_offloaded', 'discard_all']);
/** `source` label values of `vllm:prompt_tokens_by_source` (`PromptTokenStats.ALL_SOURCES`). */
export const PROMPT_TOKEN_SOURCES: readonly string[] = Object.freeze(['local_compute', 'local_cache_hit', 'external_kv_transfer']);

/** Options of {@link createCoreProm}. */
export type CorePromOptions = {
	/** Where the families live; never prom-client's global registry. */
	readonly registry: Registry;
	/** `model_name` label: the served model name. */
	readonly modelName: string;
	/** `engine` label: the engine index, as vLLM's `str(idx)`. */
	readonly engine: string | number;
	/** `max_model_len`: the top of the token histograms' 1-2-5 buckets. */
	readonly maxModelLen: number;
	/** `finished_reason` values to pre-create, in order; default {@link FINISH_REASONS}. Same for every engine of a registry. */
	readonly finishReasons?: readonly string[];
	/** vLLM's `--show-hidden-metrics-for-version`: also expose the deprecated families. @default false */
	readonly showHiddenMetrics?: boolean;
	/** vLLM's `--kv-cache-metrics`: also expose the `vllm:kv_block_*_seconds` residency histograms. @default false */
	readonly kvCacheMetrics?: boolean;
	/**
	 * `CacheConfig.metrics_info()`: the labels (without `engine`, which is appended last, as vLLM
	 * does) of `vllm:cache_config_info`. Omitted: no info gauge (vLLM creates it when the engine has
	 * initialised its KV cache).
	 */
	readonly cacheConfigInfo?: Readonly<Record<string, string>>;
};

/** One engine's core metrics. Values are set by the simulation (virtual time), never pulled. */
export type CoreProm = {
	/** The `engine` label value. */
	readonly engine: string;
	/**
	 * `SchedulerStats`: running requests, requests waiting for capacity, `kv_cache_usage` (0..1) and
	 * requests deferred by transient constraints (`num_skipped_waiting_reqs`). `vllm:num_requests_waiting`
	 * shows waiting + deferred; `..._by_reason` splits them.
	 */
	setQueue(running: number, waiting: number, kvUsage: number, deferred?: number): void;
	/** `record_sleep_state(sleep, level)`: awake, or asleep at level 1 (weights offloaded) or 2 (discard all). */
	setSleepState(sleep: 0 | 1, level: number): void;
	/** `IterationStats.num_prompt_tokens` and `num_generation_tokens` of one step. */
	addTokens(prompt: number, generation: number): void;
	/** Prompt tokens of one step by source (`PromptTokenStats`); the two cached sources also feed `prompt_tokens_cached`. */
	addPromptTokenSources(computed: number, localCacheHit: number, externalKvTransfer: number): void;
	/** `IterationStats.num_preempted_reqs`. */
	addPreemptions(count: number): void;
	/**
	 * One step's `PerfStats` (`--enable-mfu-metrics`): estimated FLOPs, bytes read and bytes written
	 * per GPU. As `PerfMetricsProm.observe`, a step whose three values are all 0 adds nothing.
	 */
	addPerfStats(flops: number, readBytes: number, writeBytes: number): void;
	/** `PrefixCacheStats.queries` and `hits` (tokens) of one step. */
	addPrefixCache(queries: number, hits: number): void;
	/** One engine step's tokens (`prompt_token_stats.computed + num_generation_tokens`). */
	observeIterationTokens(tokens: number): void;
	/** One `time_to_first_tokens_iter` entry: observed when the request's first token is produced. */
	observeTimeToFirstToken(seconds: number): void;
	/** `count` observations (default 1) of one inter-token latency (`inter_token_latencies_iter`). */
	observeInterTokenLatency(seconds: number, count?: number): void;
	/** A finished request, as `PrometheusStatLogger.record` handles `finished_requests`. */
	finishRequest(request: Readonly<FinishedRequestStats>): void;
	/**
	 * One `KVCacheEvictionEvent` of a sampled block (lifetime, idle time, reuse gaps
	 * `gaps[0..numGaps)`); a no-op without `kvCacheMetrics`.
	 */
	observeKvBlockEviction(lifetimeS: number, idleS: number, gaps: ArrayLike<number>, numGaps: number): void;
};

// Gauge buffer: [running, waiting, capacity, deferred, awake, weights_offloaded, discard_all, kvUsage, gpuCacheUsage, info].
const G_RUNNING = 0;
const G_WAITING = 1;
const G_BY_REASON = 2;
const G_SLEEP = 4;
const G_KV = 7;
const G_GPU_KV = 8;
const G_INFO = 9;
const G_SIZE = 10;
// Counter buffer: the fixed slots, then success[reason]...
const C_PREFIX_QUERIES = 0;
const C_PREFIX_HITS = 1;
const C_EXT_QUERIES = 2;
const C_EXT_HITS = 3;
const C_MM_QUERIES = 4;
const C_MM_HITS = 5;
const C_PREEMPTIONS = 6;
const C_PROMPT = 7;
const C_BY_SOURCE = 8;
const C_CACHED = 11;
const C_GENERATION = 12;
const C_GPU_PREFIX_QUERIES = 13;
const C_GPU_PREFIX_HITS = 14;
const C_FLOPS = 15;
const C_READ_BYTES = 16;
const C_WRITE_BYTES = 17;
const C_SUCCESS = 18;

/**
 * Create one engine's core metrics in `registry`: get-or-create the families (several engines
 * share them) and add this engine's series at 0 (`engine_sleep_state{sleep_state="awake"}` at 1,
 * `cache_config_info` at 1), labelled children reason-major across engines like vLLM's loops.
 *
 * @throws RangeError on a bad `maxModelLen`, an engine already registered, or families declared
 *   differently by another engine of the same registry (e.g. another `maxModelLen`).
 */
export function createCoreProm(options: CorePromOptions): CoreProm {
	const {registry, modelName, maxModelLen} = options;
	const engine = String(options.engine);
	const reasons = options.finishReasons ?? FINISH_REASONS;
	const hidden = options.showHiddenMetrics ?? false;
	if (reasons.length === 0 || new Set(reasons).size !== reasons.length) {
		throw new RangeError(`finishReasons must be distinct and non-empty, got [${reasons.join(', ')}]`);
	}
	const tokenBuckets = build125Buckets(maxModelLen);
	const labels = {model_name: modelName, engine};
	const c = CORE_FAMILIES;
	const gauges = new Float64Array(G_SIZE);
	const counters = new Float64Array(C_SUCCESS + reasons.length);
	gauges[G_SLEEP] = 1; // record_sleep_state() at construction: awake
	gauges[G_INFO] = 1;

	// Resolve every family first, so a conflicting declaration throws before this engine adds a series.
	const perfFamilies = [
		[counterFamily(registry, c.estimatedFlopsPerGpu), C_FLOPS],
		[counterFamily(registry, c.estimatedReadBytesPerGpu), C_READ_BYTES],
		[counterFamily(registry, c.estimatedWriteBytesPerGpu), C_WRITE_BYTES],
	] as const;
	const running = gaugeFamily(registry, c.numRequestsRunning);
	const waiting = gaugeFamily(registry, c.numRequestsWaiting);
	const byReason = gaugeFamily(registry, c.numRequestsWaitingByReason);
	const sleepState = gaugeFamily(registry, c.engineSleepState);
	const gpuCacheUsage = hidden ? gaugeFamily(registry, c.gpuCacheUsagePerc) : undefined;
	const gpuPrefixQueries = hidden ? counterFamily(registry, c.gpuPrefixCacheQueries) : undefined;
	const gpuPrefixHits = hidden ? counterFamily(registry, c.gpuPrefixCacheHits) : undefined;
	const kvUsage = gaugeFamily(registry, c.kvCacheUsagePerc);
	const counterFamilies = [
		[c.prefixCacheQueries, C_PREFIX_QUERIES],
		[c.prefixCacheHits, C_PREFIX_HITS],
		[c.externalPrefixCacheQueries, C_EXT_QUERIES],
		[c.externalPrefixCacheHits, C_EXT_HITS],
		[c.mmCacheQueries, C_MM_QUERIES],
		[c.mmCacheHits, C_MM_HITS],
		[c.numPreemptions, C_PREEMPTIONS],
		[c.promptTokens, C_PROMPT],
	] as const;
	const simpleCounters = counterFamilies.map(([spec, slot]) => [counterFamily(registry, spec), slot] as const);
	const bySource = counterFamily(registry, c.promptTokensBySource);
	const cached = counterFamily(registry, c.promptTokensCached);
	const generation = counterFamily(registry, c.generationTokens);
	const success = counterFamily(registry, c.requestSuccess);
	const h = (spec: FamilySpec, buckets: readonly number[]) => histogramFamily(registry, spec, buckets);
	const histograms = {
		promptTokens: h(c.requestPromptTokens, tokenBuckets),
		generationTokens: h(c.requestGenerationTokens, tokenBuckets),
		iterationTokens: h(c.iterationTokensTotal, ITERATION_TOKENS_BUCKETS),
		maxNumGenerationTokens: h(c.requestMaxNumGenerationTokens, tokenBuckets),
		paramsN: h(c.requestParamsN, REQUEST_PARAMS_N_BUCKETS),
		paramsMaxTokens: h(c.requestParamsMaxTokens, tokenBuckets),
		ttft: h(c.timeToFirstTokenSeconds, TIME_TO_FIRST_TOKEN_BUCKETS),
		tpotHidden: hidden ? h(c.timePerOutputTokenSeconds, INTER_TOKEN_LATENCY_BUCKETS) : undefined,
		itl: h(c.interTokenLatencySeconds, INTER_TOKEN_LATENCY_BUCKETS),
		requestTpot: h(c.requestTimePerOutputTokenSeconds, INTER_TOKEN_LATENCY_BUCKETS),
		e2e: h(c.e2eRequestLatencySeconds, REQUEST_LATENCY_BUCKETS),
		queue: h(c.requestQueueTimeSeconds, REQUEST_LATENCY_BUCKETS),
		inference: h(c.requestInferenceTimeSeconds, REQUEST_LATENCY_BUCKETS),
		prefill: h(c.requestPrefillTimeSeconds, REQUEST_LATENCY_BUCKETS),
		decode: h(c.requestDecodeTimeSeconds, REQUEST_LATENCY_BUCKETS),
		prefillKvComputed: h(c.requestPrefillKvComputedTokens, tokenBuckets),
	};
	const residency =
		options.kvCacheMetrics === true
			? {
					lifetime: h(c.kvBlockLifetimeSeconds, KV_CACHE_RESIDENCY_BUCKETS),
					idle: h(c.kvBlockIdleBeforeEvictSeconds, KV_CACHE_RESIDENCY_BUCKETS),
					reuseGap: h(c.kvBlockReuseGapSeconds, KV_CACHE_RESIDENCY_BUCKETS),
				}
			: undefined;
	const infoLabels = options.cacheConfigInfo === undefined ? undefined : {...options.cacheConfigInfo, engine};
	const info = infoLabels === undefined ? undefined : gaugeFamily(registry, {...CACHE_CONFIG_INFO, labelNames: Object.keys(infoLabels)});

	for (const [family, slot] of perfFamilies) addCounterSlot(family, labels, counters, slot);
	addGaugeSlot(running, labels, gauges, G_RUNNING);
	addGaugeSlot(waiting, labels, gauges, G_WAITING);
	WAITING_REASONS.forEach((reason, i) => {
		addGaugeSlot(byReason, {...labels, reason}, gauges, G_BY_REASON + i, i);
	});
	SLEEP_STATES.forEach((state, i) => {
		addGaugeSlot(sleepState, {...labels, sleep_state: state}, gauges, G_SLEEP + i, i);
	});
	if (gpuCacheUsage) addGaugeSlot(gpuCacheUsage, labels, gauges, G_GPU_KV);
	if (gpuPrefixQueries) addCounterSlot(gpuPrefixQueries, labels, counters, C_GPU_PREFIX_QUERIES);
	if (gpuPrefixHits) addCounterSlot(gpuPrefixHits, labels, counters, C_GPU_PREFIX_HITS);
	addGaugeSlot(kvUsage, labels, gauges, G_KV);
	for (const [family, slot] of simpleCounters) addCounterSlot(family, labels, counters, slot);
	PROMPT_TOKEN_SOURCES.forEach((source, i) => {
		addCounterSlot(bySource, {...labels, source}, counters, C_BY_SOURCE + i, i);
	});
	addCounterSlot(cached, labels, counters, C_CACHED);
	addCounterSlot(generation, labels, counters, C_GENERATION);
	const reasonIndex = new Map<string, number>();
	reasons.forEach((reason, i) => {
		reasonIndex.set(reason, i);
		addCounterSlot(success, {...labels, finished_reason: reason}, counters, C_SUCCESS + i, i);
	});
	const child = (family: typeof histograms.e2e): HistogramChild => addHistogramChild(family, labels);
	const promptTokensChild = child(histograms.promptTokens);
	const generationTokensChild = child(histograms.generationTokens);
	const iterationTokensChild = child(histograms.iterationTokens);
	const maxNumGenerationTokensChild = child(histograms.maxNumGenerationTokens);
	const paramsNChild = child(histograms.paramsN);
	const paramsMaxTokensChild = child(histograms.paramsMaxTokens);
	const ttftChild = child(histograms.ttft);
	const tpotHiddenChild = histograms.tpotHidden ? child(histograms.tpotHidden) : undefined;
	const itlChild = child(histograms.itl);
	const requestTpotChild = child(histograms.requestTpot);
	const e2eChild = child(histograms.e2e);
	const queueChild = child(histograms.queue);
	const inferenceChild = child(histograms.inference);
	const prefillChild = child(histograms.prefill);
	const decodeChild = child(histograms.decode);
	const prefillKvComputedChild = child(histograms.prefillKvComputed);
	const lifetimeChild = residency ? child(residency.lifetime) : undefined;
	const idleChild = residency ? child(residency.idle) : undefined;
	const reuseGapChild = residency ? child(residency.reuseGap) : undefined;
	if (info && infoLabels) addGaugeSlot(info, infoLabels, gauges, G_INFO);

	return {
		engine,
		setQueue(numRunning: number, numWaiting: number, kvCacheUsage: number, numDeferred = 0): void {
			checkNonNegative('running', numRunning);
			checkNonNegative('waiting', numWaiting);
			checkNonNegative('kvUsage', kvCacheUsage);
			checkNonNegative('deferred', numDeferred);
			gauges[G_RUNNING] = numRunning;
			gauges[G_WAITING] = numWaiting + numDeferred;
			gauges[G_BY_REASON] = numWaiting;
			gauges[G_BY_REASON + 1] = numDeferred;
			gauges[G_KV] = kvCacheUsage;
			gauges[G_GPU_KV] = kvCacheUsage;
		},
		setSleepState(sleep: 0 | 1, level: number): void {
			gauges[G_SLEEP] = sleep === 1 ? 0 : 1;
			gauges[G_SLEEP + 1] = sleep === 1 && level === 1 ? 1 : 0;
			gauges[G_SLEEP + 2] = sleep === 1 && level === 2 ? 1 : 0;
		},
		addTokens(prompt: number, numGeneration: number): void {
			checkNonNegative('prompt', prompt);
			checkNonNegative('generation', numGeneration);
			counters[C_PROMPT]! += prompt;
			counters[C_GENERATION]! += numGeneration;
		},
		addPromptTokenSources(computed: number, localCacheHit: number, externalKvTransfer: number): void {
			checkNonNegative('computed', computed);
			checkNonNegative('localCacheHit', localCacheHit);
			checkNonNegative('externalKvTransfer', externalKvTransfer);
			counters[C_BY_SOURCE]! += computed;
			counters[C_BY_SOURCE + 1]! += localCacheHit;
			counters[C_BY_SOURCE + 2]! += externalKvTransfer;
			counters[C_CACHED]! += localCacheHit + externalKvTransfer;
		},
		addPreemptions(count: number): void {
			checkNonNegative('preemptions', count);
			counters[C_PREEMPTIONS]! += count;
		},
		addPerfStats(flops: number, readBytes: number, writeBytes: number): void {
			checkNonNegative('flops', flops);
			checkNonNegative('readBytes', readBytes);
			checkNonNegative('writeBytes', writeBytes);
			counters[C_FLOPS]! += flops;
			counters[C_READ_BYTES]! += readBytes;
			counters[C_WRITE_BYTES]! += writeBytes;
		},
		addPrefixCache(queries: number, hits: number): void {
			checkNonNegative('queries', queries);
			checkNonNegative('hits', hits);
			if (hits > queries) throw new RangeError(`hits must be <= queries, got ${hits} > ${queries}`);
			counters[C_PREFIX_QUERIES]! += queries;
			counters[C_PREFIX_HITS]! += hits;
			counters[C_GPU_PREFIX_QUERIES]! += queries;
			counters[C_GPU_PREFIX_HITS]! += hits;
		},
		observeIterationTokens(tokens: number): void {
			checkNonNegative('tokens', tokens);
			iterationTokensChild.observe(tokens);
		},
		observeTimeToFirstToken(seconds: number): void {
			checkNonNegative('seconds', seconds);
			ttftChild.observe(seconds);
		},
		observeInterTokenLatency(seconds: number, count = 1): void {
			checkNonNegative('seconds', seconds);
			if (!Number.isInteger(count) || count < 0) {
				throw new RangeError(`count must be a non-negative integer, got ${count}`);
			}
			if (count === 0) return;
			itlChild.observe(seconds, count);
			tpotHiddenChild?.observe(seconds, count);
		},
		finishRequest(r: Readonly<FinishedRequestStats>): void {
			const index = reasonIndex.get(r.finishReason);
			if (index === undefined) {
				throw new RangeError(`finishReason must be one of ${reasons.join(', ')}, got ${r.finishReason}`);
			}
			checkNonNegative('e2eLatency', r.e2eLatency);
			checkNonNegative('numPromptTokens', r.numPromptTokens);
			checkNonNegative('numGenerationTokens', r.numGenerationTokens);
			counters[C_SUCCESS + index]! += 1;
			maxNumGenerationTokensChild.observe(r.numGenerationTokens);
			paramsNChild.observe(r.n);
			e2eChild.observe(r.e2eLatency);
			if (r.progress >= 1) queueChild.observe(r.queuedTime);
			if (r.progress === 2) {
				prefillChild.observe(r.prefillTime);
				inferenceChild.observe(r.inferenceTime);
				decodeChild.observe(r.decodeTime);
			}
			prefillKvComputedChild.observe(r.numPromptTokens - Math.max(r.numCachedTokens, 0));
			promptTokensChild.observe(r.numPromptTokens);
			generationTokensChild.observe(r.numGenerationTokens);
			if (r.progress === 2) requestTpotChild.observe(r.meanTimePerOutputToken);
			if (r.maxTokensParam > 0) paramsMaxTokensChild.observe(r.maxTokensParam);
		},
		observeKvBlockEviction(lifetimeS: number, idleS: number, gaps: ArrayLike<number>, numGaps: number): void {
			if (lifetimeChild === undefined || idleChild === undefined || reuseGapChild === undefined) return;
			checkNonNegative('lifetime', lifetimeS);
			checkNonNegative('idle', idleS);
			lifetimeChild.observe(lifetimeS);
			idleChild.observe(idleS);
			for (let i = 0; i < numGaps; i++) reuseGapChild.observe(gaps[i]!);
		},
	};
}

function checkNonNegative(field: string, value: number): void {
	if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
		throw new RangeError(`${field} must be a finite number >= 0, got ${value}`);
	}
}
