import {formatFixed, formatInt} from '../../util/py-format.js';
import {CachingMetrics} from '../stats/caching-metrics.js';
import type {LogFormat} from './formats.js';

/** A log message with the level vLLM prints it at. */
export type LogMessage = {readonly message: string; readonly level: 'INFO' | 'DEBUG'};

/** Options of {@link EngineStatsLogging}. */
export type EngineStatsLoggingOptions = {
	/** `engine_index`: printed as `Engine %03d`. */
	readonly engineIndex: number;
	/** Which vLLM the line mirrors (the same versions as the `SpecDecoding metrics:` layouts). @default 'classic' */
	readonly format?: LogFormat;
	/** Virtual seconds at which the logger was created (vLLM sets `last_log_time` at construction). @default 0 */
	readonly startS?: number;
};

/**
 * vLLM's `LoggingStatLogger` (`vllm/v1/metrics/loggers.py`) for one engine: sums tokens and
 * preemptions between log calls, keeps the last scheduler state and the prefix-cache hit rate
 * over the last 1000 requests, and formats the `Engine 000: Avg prompt throughput: ...` line.
 *
 * - Every `log(t)` prints (unlike the spec-decode line) and restarts the interval; throughputs are
 *   tokens over the time since the previous call (0.0 for an empty interval of zero length).
 * - The line is logged at DEBUG when this interval's and the previous interval's throughputs are
 *   all 0 ("avoid log noise on an idle production system"), else at INFO.
 * - `Waiting` counts every waiting request (the newest vLLM adds the deferred ones to the waiting
 *   count; older ones had no deferral). `coverage` (the newest vLLM) counts only computed prompt
 *   tokens and adds a `Deferred: N reqs` part when some are deferred and `Preemptions: N` when the
 *   interval had any; the older layouts print neither and count every prompt token.
 */
export class EngineStatsLogging {
	readonly engineIndex: number;
	readonly format: LogFormat;
	readonly prefixCaching = new CachingMetrics();
	#lastLogS: number;
	#promptTokens = 0;
	#computedPromptTokens = 0;
	#generationTokens = 0;
	#preemptions = 0;
	#lastPromptThroughput = 0;
	#lastGenerationThroughput = 0;
	#running = 0;
	#waiting = 0;
	#deferred = 0;
	#kvUsage = 0;

	constructor(options: EngineStatsLoggingOptions) {
		this.engineIndex = options.engineIndex;
		this.format = options.format ?? 'classic';
		this.#lastLogS = options.startS ?? 0;
	}

	/**
	 * One step's `IterationStats`: prompt tokens of requests that got their first token (all, and
	 * computed ones: not served from a cache), generation tokens, preemptions.
	 */
	observeIteration(promptTokens: number, computedPromptTokens: number, generationTokens: number, preemptions: number): void {
		this.#promptTokens += promptTokens;
		this.#computedPromptTokens += computedPromptTokens;
		this.#generationTokens += generationTokens;
		this.#preemptions += preemptions;
	}

	/** One step's `SchedulerStats`: the state after it (the line shows the last). */
	observeScheduler(running: number, waiting: number, deferred: number, kvUsage: number): void {
		this.#running = running;
		this.#waiting = waiting;
		this.#deferred = deferred;
		this.#kvUsage = kvUsage;
	}

	/** One step's `PrefixCacheStats` (new requests only): requests, queried tokens, hit tokens. */
	observePrefixCache(requests: number, queries: number, hits: number): void {
		this.prefixCaching.observe(requests, queries, hits);
	}

	/** `log()` at virtual time `nowS`. */
	log(nowS: number): LogMessage {
		const newest = this.format === 'coverage';
		const delta = nowS - this.#lastLogS;
		const prompt = newest ? this.#computedPromptTokens : this.#promptTokens;
		const promptThroughput = delta <= 0 ? 0 : prompt / delta;
		const generationThroughput = delta <= 0 ? 0 : this.#generationTokens / delta;
		const idle = promptThroughput === 0 && generationThroughput === 0 && this.#lastPromptThroughput === 0 && this.#lastGenerationThroughput === 0;
		this.#lastPromptThroughput = promptThroughput;
		this.#lastGenerationThroughput = generationThroughput;
		let message =
			`Engine ${formatInt(this.engineIndex).padStart(3, '0')}: ` +
			`Avg prompt throughput: ${formatFixed(promptThroughput, 1)} tokens/s, ` +
			`Avg generation throughput: ${formatFixed(generationThroughput, 1)} tokens/s, ` +
			`Running: ${formatInt(this.#running)} reqs, Waiting: ${formatInt(this.#waiting + this.#deferred)} reqs`;
		if (newest && this.#deferred > 0) message += `, Deferred: ${formatInt(this.#deferred)} reqs`;
		if (newest && this.#preemptions > 0) message += `, Preemptions: ${formatInt(this.#preemptions)}`;
		message +=
			`, GPU KV cache usage: ${formatFixed(this.#kvUsage * 100, 1)}%, ` +
			`Prefix cache hit rate: ${formatFixed(this.prefixCaching.hitRate * 100, 1)}%`;
		this.#lastLogS = nowS;
		this.#promptTokens = 0;
		this.#computedPromptTokens = 0;
		this.#generationTokens = 0;
		this.#preemptions = 0;
		return {message, level: idle ? 'DEBUG' : 'INFO'};
	}

	/**
	 * `log_engine_initialized()`: the `cache_config_info` line, at INFO in the vLLM versions of the
	 * `classic` and `throughput` layouts and at DEBUG in the newest.
	 */
	initialized(numGpuBlocks: number): LogMessage {
		return {
			message: `Engine ${formatInt(this.engineIndex).padStart(3, '0')}: vllm cache_config_info with initialization after num_gpu_blocks is: ${formatInt(numGpuBlocks)}`,
			level: this.format === 'coverage' ? 'DEBUG' : 'INFO',
		};
	}

	/** Forget the interval and the prefix-cache window, restarting the timer at `nowS` (a restarted engine). */
	restart(nowS: number): void {
		this.#lastLogS = nowS;
		this.#promptTokens = 0;
		this.#computedPromptTokens = 0;
		this.#generationTokens = 0;
		this.#preemptions = 0;
		this.#lastPromptThroughput = 0;
		this.#lastGenerationThroughput = 0;
		this.prefixCaching.reset();
	}
}
