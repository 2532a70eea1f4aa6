import type {Command} from 'commander';
import {UserError} from '../util/user-error.js';

/** The optional vLLM observability flags shared by `run`, `generate` and `serve` (`ObservabilityConfig`). */
export type MetricsFlags = {
	/** `--kv-cache-metrics`. */
	kvCacheMetrics?: boolean;
	/** `--kv-cache-metrics-sample RATE` (vLLM's default 0.01). */
	kvCacheMetricsSample: string;
	/** `--enable-mfu-metrics`. */
	enableMfuMetrics?: boolean;
};

/** Add vLLM's `--kv-cache-metrics`, `--kv-cache-metrics-sample` and `--enable-mfu-metrics` to `command`. */
export function addMetricsFlags(command: Command): Command {
	return command
		.option('--kv-cache-metrics', 'expose sampled KV block residency histograms (vllm:kv_block_*_seconds), as vLLM --kv-cache-metrics')
		.option('--kv-cache-metrics-sample <rate>', 'fraction of KV block allocations tracked by --kv-cache-metrics, in (0, 1]', '0.01')
		.option(
			'--enable-mfu-metrics',
			"feed vLLM's FLOPs and bytes counters (vllm:estimated_*_per_gpu_total) from the simulated steps and print vLLM's MFU log line, as vLLM --enable-mfu-metrics",
		);
}

/**
 * The session options the flags ask for: `kvCacheMetricsSample` only with `--kv-cache-metrics`
 * (vLLM ignores the rate without it, but still rejects a rate outside (0, 1]).
 *
 * @throws UserError naming the flag on a rate outside (0, 1].
 */
export function parseMetricsFlags(flags: MetricsFlags): {kvCacheMetricsSample?: number; enableMfuMetrics?: true} {
	const text = flags.kvCacheMetricsSample;
	const rate = /^\s*$/.test(text) ? Number.NaN : Number(text);
	if (!(rate > 0 && rate <= 1)) throw new UserError(`--kv-cache-metrics-sample must be a number in (0, 1], got "${text}"`);
	return {
		...(flags.kvCacheMetrics === true ? {kvCacheMetricsSample: rate} : {}),
		...(flags.enableMfuMetrics === true ? {enableMfuMetrics: true} : {}),
	};
}
