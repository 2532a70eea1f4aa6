/**
 * Histogram bucket bounds of vLLM's `PrometheusStatLogger` (`vllm/v1/metrics/loggers.py`). The
 * `+Inf` bucket is implied, as in prometheus_client.
 */

/** `vllm:time_to_first_token_seconds`. */
export const TIME_TO_FIRST_TOKEN_BUCKETS: readonly number[] = Object.freeze([
	0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
]);

/** `vllm:inter_token_latency_seconds` (also the deprecated `vllm:time_per_output_token_seconds`). */
export const INTER_TOKEN_LATENCY_BUCKETS: readonly number[] = Object.freeze([
	0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
]);

/** `request_latency_buckets`: `vllm:e2e_request_latency_seconds` and the queue/prefill/decode/inference times. */
export const REQUEST_LATENCY_BUCKETS: readonly number[] = Object.freeze([
	0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
]);

/**
 * vLLM's `build_1_2_5_buckets(max_value)`: 1, 2, 5, 10, 20, 50, ... while `<= maxValue`
 * (`build_1_2_5_buckets(100)` is `[1, 2, 5, 10, 20, 50, 100]`).
 *
 * @throws RangeError unless `maxValue` is a positive integer (prometheus_client needs one finite bucket).
 */
export function build125Buckets(maxValue: number): number[] {
	if (!Number.isSafeInteger(maxValue) || maxValue < 1) {
		throw new RangeError(`maxValue must be a positive integer, got ${maxValue}`);
	}
	const buckets: number[] = [];
	for (let power = 1; ; power *= 10) {
		for (const mantissa of [1, 2, 5]) {
			const value = mantissa * power;
			if (value > maxValue) return buckets;
			buckets.push(value);
		}
	}
}

/** `vllm:iteration_tokens_total`: tokens per engine step (a fixed list in the newest vLLM). */
export const ITERATION_TOKENS_BUCKETS: readonly number[] = Object.freeze([1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]);

/** `vllm:request_params_n`. */
export const REQUEST_PARAMS_N_BUCKETS: readonly number[] = Object.freeze([1, 2, 5, 10, 20]);

/** `vllm:kv_block_*_seconds` (`kv_cache_residency_buckets`, only with `--kv-cache-metrics`). */
export const KV_CACHE_RESIDENCY_BUCKETS: readonly number[] = Object.freeze([
	0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800,
]);
