import type {Registry} from 'prom-client';
import {INTER_TOKEN_LATENCY_BUCKETS, REQUEST_LATENCY_BUCKETS, TIME_TO_FIRST_TOKEN_BUCKETS, build125Buckets} from '../stats/vllm-buckets.js';
import {addCounterSlot, addGaugeChild, addHistogramChild, counterFamily, gaugeFamily, histogramFamily, type FamilySpec} from './registry-families.js';

const ENGINE_LABELS = ['model_name', 'engine'] as const;

/**
 * The core families of vLLM's `PrometheusStatLogger` (`vllm/v1/metrics/loggers.py`) that dashboards
 * read, with vLLM's names, HELP texts and label names, in vLLM's creation order.
 */
export const CORE_FAMILIES = Object.freeze({
	numRequestsRunning: {name: 'vllm:num_requests_running', help: 'Number of requests in model execution batches.', labelNames: ENGINE_LABELS},
	numRequestsWaiting: {name: 'vllm:num_requests_waiting', help: 'Number of requests waiting to be processed.', labelNames: ENGINE_LABELS},
	kvCacheUsagePerc: {name: 'vllm:kv_cache_usage_perc', help: 'KV-cache usage. 1 means 100 percent usage.', labelNames: ENGINE_LABELS},
	promptTokens: {name: 'vllm:prompt_tokens', help: 'Number of prefill tokens processed.', labelNames: ENGINE_LABELS},
	generationTokens: {name: 'vllm:generation_tokens', help: 'Number of generation tokens processed.', labelNames: ENGINE_LABELS},
	requestSuccess: {
		name: 'vllm:request_success',
		help: 'Count of successfully processed requests.',
		labelNames: ['model_name', 'engine', 'finished_reason'],
	},
	requestGenerationTokens: {name: 'vllm:request_generation_tokens', help: 'Number of generation tokens processed.', labelNames: ENGINE_LABELS},
	timeToFirstTokenSeconds: {
		name: 'vllm:time_to_first_token_seconds',
		help: 'Histogram of time to first token in seconds.',
		labelNames: ENGINE_LABELS,
	},
	interTokenLatencySeconds: {
		name: 'vllm:inter_token_latency_seconds',
		help: 'Histogram of inter-token latency in seconds.',
		labelNames: ENGINE_LABELS,
	},
	e2eRequestLatencySeconds: {
		name: 'vllm:e2e_request_latency_seconds',
		help: 'Histogram of e2e request latency in seconds.',
		labelNames: ENGINE_LABELS,
	},
} satisfies Record<string, FamilySpec>);

/**
 * `str(FinishReason)` values vLLM pre-creates `vllm:request_success` series for, in enum order.
 * vLLM up to 2025 has these three; the newest vLLM also has `error` and `repetition` (pass
 * `finishReasons` to create those too).
 */
export const FINISH_REASONS: readonly string[] = Object.freeze(['stop', 'length', 'abort']);

/** Options of {@link createCoreProm}. */
export type CorePromOptions = {
	/** Where the families live; never prom-client's global registry. */
	readonly registry: Registry;
	/** `model_name` label: the served model name. */
	readonly modelName: string;
	/** `engine` label: the engine index, as vLLM's `str(idx)`. */
	readonly engine: string | number;
	/** `max_model_len`: the top of `vllm:request_generation_tokens`' 1-2-5 buckets. */
	readonly maxModelLen: number;
	/** `finished_reason` values to pre-create, in order; default {@link FINISH_REASONS}. Same for every engine of a registry. */
	readonly finishReasons?: readonly string[];
};

/** One engine's core metrics. Gauges are set by the simulation (virtual time), never pulled. */
export type CoreProm = {
	/** The `engine` label value. */
	readonly engine: string;
	/** `SchedulerStats`: `num_running_reqs`, `num_waiting_reqs`, `kv_cache_usage` (0..1). */
	setQueue(running: number, waiting: number, kvUsage: number): void;
	/** `IterationStats.num_prompt_tokens` and `num_generation_tokens` of one step. */
	addTokens(prompt: number, generation: number): void;
	/** One `time_to_first_tokens_iter` entry: observed when the request's first token is produced. */
	observeTimeToFirstToken(seconds: number): void;
	/** `count` observations (default 1) of one inter-token latency (`inter_token_latencies_iter`). */
	observeInterTokenLatency(seconds: number, count?: number): void;
	/**
	 * A finished request: `vllm:request_success{finished_reason}` +1, its e2e latency and its
	 * number of generation tokens observed.
	 */
	finishRequest(reason: string, e2eS: number, generationTokens: number): void;
};

// Offsets into the pending counter buffer: [promptTokens, generationTokens, success[reason]...].
const PROMPT = 0;
const GENERATION = 1;
const SUCCESS = 2;

/**
 * Create one engine's core metrics in `registry`: get-or-create the families (several engines
 * share them) and add this engine's series at 0, `request_success` for every finish reason
 * (exposed reason-major across engines, like vLLM's loop `for reason: for engine`).
 *
 * @throws RangeError on a bad `maxModelLen`, an engine already registered, or families declared
 *   differently by another engine of the same registry (e.g. another `maxModelLen`).
 */
export function createCoreProm(options: CorePromOptions): CoreProm {
	const {registry, modelName, maxModelLen} = options;
	const engine = String(options.engine);
	const reasons = options.finishReasons ?? FINISH_REASONS;
	if (reasons.length === 0 || new Set(reasons).size !== reasons.length) {
		throw new RangeError(`finishReasons must be distinct and non-empty, got [${reasons.join(', ')}]`);
	}
	const generationBuckets = build125Buckets(maxModelLen);
	const labels = {model_name: modelName, engine};
	const c = CORE_FAMILIES;

	// Resolve every family first, so a conflicting declaration throws before this engine adds a series.
	const running = gaugeFamily(registry, c.numRequestsRunning);
	const waiting = gaugeFamily(registry, c.numRequestsWaiting);
	const kvUsage = gaugeFamily(registry, c.kvCacheUsagePerc);
	const promptTokens = counterFamily(registry, c.promptTokens);
	const generationTokens = counterFamily(registry, c.generationTokens);
	const success = counterFamily(registry, c.requestSuccess);
	const requestGenerationTokens = histogramFamily(registry, c.requestGenerationTokens, generationBuckets);
	const ttft = histogramFamily(registry, c.timeToFirstTokenSeconds, TIME_TO_FIRST_TOKEN_BUCKETS);
	const itl = histogramFamily(registry, c.interTokenLatencySeconds, INTER_TOKEN_LATENCY_BUCKETS);
	const e2e = histogramFamily(registry, c.e2eRequestLatencySeconds, REQUEST_LATENCY_BUCKETS);

	const runningChild = addGaugeChild(running, labels);
	const waitingChild = addGaugeChild(waiting, labels);
	const kvUsageChild = addGaugeChild(kvUsage, labels);
	const pending = new Float64Array(SUCCESS + reasons.length);
	addCounterSlot(promptTokens, labels, pending, PROMPT);
	addCounterSlot(generationTokens, labels, pending, GENERATION);
	const reasonIndex = new Map<string, number>();
	reasons.forEach((reason, i) => {
		reasonIndex.set(reason, i);
		addCounterSlot(success, {...labels, finished_reason: reason}, pending, SUCCESS + i, i);
	});
	const requestGenerationTokensChild = addHistogramChild(requestGenerationTokens, labels);
	const ttftChild = addHistogramChild(ttft, labels);
	const itlChild = addHistogramChild(itl, labels);
	const e2eChild = addHistogramChild(e2e, labels);

	return {
		engine,
		setQueue(numRunning: number, numWaiting: number, kvCacheUsage: number): void {
			checkNonNegative('running', numRunning);
			checkNonNegative('waiting', numWaiting);
			checkNonNegative('kvUsage', kvCacheUsage);
			runningChild.set(numRunning);
			waitingChild.set(numWaiting);
			kvUsageChild.set(kvCacheUsage);
		},
		addTokens(prompt: number, generation: number): void {
			checkNonNegative('prompt', prompt);
			checkNonNegative('generation', generation);
			pending[PROMPT]! += prompt;
			pending[GENERATION]! += generation;
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
			if (count > 0) itlChild.observe(seconds, count);
		},
		finishRequest(reason: string, e2eS: number, numGenerationTokens: number): void {
			const index = reasonIndex.get(reason);
			if (index === undefined) {
				throw new RangeError(`reason must be one of ${reasons.join(', ')}, got ${reason}`);
			}
			checkNonNegative('e2eS', e2eS);
			checkNonNegative('generationTokens', numGenerationTokens);
			pending[SUCCESS + index]! += 1;
			e2eChild.observe(e2eS);
			requestGenerationTokensChild.observe(numGenerationTokens);
		},
	};
}

function checkNonNegative(field: string, value: number): void {
	if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
		throw new RangeError(`${field} must be a finite number >= 0, got ${value}`);
	}
}
