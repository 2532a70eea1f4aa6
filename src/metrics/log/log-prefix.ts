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

/** A full log line: `INFO 09-11 12:00:00 [metrics.py:96] SpecDecoding metrics: ...`. */
export function formatLogLine(message: string, epochMs: number, format: LogFormat, level: 'INFO' | 'DEBUG' = 'INFO'): string {
	return `${level} ${formatLogTimestamp(epochMs)} [metrics.py:${LOG_CALL_SITE_LINE[format]}] ${message}`;
}
