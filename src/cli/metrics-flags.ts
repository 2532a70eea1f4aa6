import type {Command} from 'commander';
import {UserError} from '../util/user-error.js';

/** The optional vLLM observability flags shared by `run` and `generate` (`ObservabilityConfig`). */
export type MetricsFlags = {
	/** `--kv-cache-metrics`. */
	kvCacheMetrics?: boolean;
	/** `--kv-cache-metrics-sample RATE` (vLLM's default 0.01). */
	kvCacheMetricsSample: string;
};

/** Add vLLM's `--kv-cache-metrics` and `--kv-cache-metrics-sample` to `command`. */
export function addMetricsFlags(command: Command): Command {
	return command
		.option('--kv-cache-metrics', 'expose sampled KV block residency histograms (vllm:kv_block_*_seconds), as vLLM --kv-cache-metrics')
		.option('--kv-cache-metrics-sample <rate>', 'fraction of KV block allocations tracked by --kv-cache-metrics, in (0, 1]', '0.01');
}

/**
 * The session options the flags ask for: `kvCacheMetricsSample` only with `--kv-cache-metrics`
 * (vLLM ignores the rate without it, but still rejects a rate outside (0, 1]).
 *
 * @throws UserError naming the flag on a rate outside (0, 1].
 */
export function parseMetricsFlags(flags: MetricsFlags): {kvCacheMetricsSample?: number} {
	const text = flags.kvCacheMetricsSample;
	const rate = /^\s*$/.test(text) ? Number.NaN : Number(text);
	if (!(rate > 0 && rate <= 1)) throw new UserError(`--kv-cache-metrics-sample must be a number in (0, 1], got "${text}"`);
	return flags.kvCacheMetrics === true ? {kvCacheMetricsSample: rate} : {};
}
