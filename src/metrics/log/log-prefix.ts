import type {FaultLogSource} from '../../engine/faults.js';
import {UserError} from '../../util/user-error.js';
import {LOG_CALL_SITE_LINE, type LogFormat} from './formats.js';

/**
 * vLLM's logger layout, `{level} {MM-DD HH:MM:SS} [{file}:{line}] {message}`
 * (`vllm/logging_utils/formatter.py`, datefmt `%m-%d %H:%M:%S`). vLLM prints local time; we
 * print UTC so a run's output does not depend on the machine's time zone.
 */
export function formatLogTimestamp(epochMs: number): string {
	const d = new Date(epochMs);
	const two = (n: number): string => String(n).padStart(2, '0');
	return `${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/**
 * `loggers.py` line of the `Engine 000:` call in the vLLM each layout mirrors, from real server
 * logs: 118 (2025-07, vllm#21809), 259 (2026-03, vllm#37307), 271 (2026-05, vllm#43295).
 */
export const ENGINE_LOG_CALL_SITE_LINE: Readonly<Record<LogFormat, number>> = {classic: 118, throughput: 259, coverage: 271};

/**
 * `loggers.py` line of `log_engine_initialized`'s call: no public log shows it with a line number,
 * so these are estimates (the method follows `log()` by about twenty lines in each version).
 */
export const ENGINE_INIT_CALL_SITE_LINE: Readonly<Record<LogFormat, number>> = {classic: 137, throughput: 278, coverage: 290};

/**
 * `[file:line]` of the lines vLLM prints when an engine sleeps and wakes (docs/faults.md), from a
 * real vLLM server log of 2025-08 (the only one with these lines and line numbers we have): the
 * block pool's prefix-cache reset, the GPU worker's freed memory, the executor's timings. The
 * messages are unchanged in the newest vLLM; the files and lines there are not known from a log.
 */
export const FAULT_CALL_SITES: Readonly<Record<FaultLogSource, string>> = {
	'prefix-cache-reset': 'block_pool.py:321',
	'worker-sleep': 'gpu_worker.py:104',
	'executor-sleep': 'executor_base.py:187',
	'executor-wake': 'executor_base.py:203',
};

/**
 * `perf.py` line of `PerfMetricsLogging.log`'s `log_fn(` call (the MFU line), counted in the
 * newest `vllm/v1/metrics/perf.py` read (commit 00cee63e04bf, docs/vllm-metrics.md); no public log
 * shows the line with its number. Every layout prints it there, in its newest form.
 */
export const MFU_LOG_CALL_SITE = 'perf.py:1726';

/** Which logger call printed a line (see `LogSource` in the simulation). */
export type LogCallSite = 'spec' | 'engine' | 'engine-init' | 'mfu' | FaultLogSource;

/** Options of {@link formatLogLine}. */
export type LogLineOptions = {
	/** The call that printed the message. @default 'spec' */
	readonly source?: LogCallSite;
	/**
	 * Prefix `(APIServer pid=N) `, as `vllm serve` decorates its output (vLLM PR #21889). Lines an
	 * engine core process prints (the sleep and wake-up lines) get `(EngineCore_DP{engine} pid=M) `
	 * instead, with M = N + 1 + engine: vLLM starts one such process per data-parallel engine after
	 * the API server; its real process id is unknown.
	 */
	readonly pid?: number;
	/** The engine that printed the line (for the engine core prefix). @default 0 */
	readonly engine?: number;
};

/** A full log line: `INFO 09-11 12:00:00 [metrics.py:96] SpecDecoding metrics: ...`. */
export function formatLogLine(
	message: string,
	epochMs: number,
	format: LogFormat,
	level: 'INFO' | 'DEBUG' = 'INFO',
	options: LogLineOptions = {},
): string {
	const source = options.source ?? 'spec';
	const site =
		source === 'spec'
			? `metrics.py:${LOG_CALL_SITE_LINE[format]}`
			: source === 'engine' || source === 'engine-init'
				? `loggers.py:${source === 'engine' ? ENGINE_LOG_CALL_SITE_LINE[format] : ENGINE_INIT_CALL_SITE_LINE[format]}`
				: source === 'mfu'
					? MFU_LOG_CALL_SITE
					: FAULT_CALL_SITES[source];
	const engine = options.engine ?? 0;
	const prefix =
		options.pid === undefined
			? ''
			: source in FAULT_CALL_SITES
				? `(EngineCore_DP${engine} pid=${options.pid + 1 + engine}) `
				: `(APIServer pid=${options.pid}) `;
	return `${prefix}${level} ${formatLogTimestamp(epochMs)} [${site}] ${message}`;
}

/** Linux's largest process id (`PID_MAX_LIMIT`, 2^22). */
export const MAX_PID = 4194304;

/**
 * Parse `--log-prefix-pid N`.
 *
 * @throws UserError naming the flag unless N is an integer process id in 1..{@link MAX_PID}.
 */
export function parseLogPrefixPid(text: string): number {
	const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
	if (!Number.isSafeInteger(value) || value < 1 || value > MAX_PID) {
		throw new UserError(`--log-prefix-pid: expected a process id (an integer from 1 to ${MAX_PID}), got "${text}"`);
	}
	return value;
}
