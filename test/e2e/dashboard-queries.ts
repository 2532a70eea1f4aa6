/**
 * The PromQL of every panel of the Grafana dashboards vLLM ships under
 * `examples/observability/dashboards/grafana/`, transcribed verbatim (one entry per panel target,
 * in panel order). Template variables stay as Grafana writes them; {@link substitute} expands them
 * the way Grafana does with "All" selected.
 */
export type PanelQuery = {
	readonly panel: string;
	readonly expr: string;
	/** Why the panel shows no data with specsim (a feature it does not simulate); absent: it must return data. */
	readonly unsimulated?: string;
};

export type Dashboard = {readonly title: string; readonly file: string; readonly panels: readonly PanelQuery[]};

const SEL = 'job=~"$job", model_name=~"$model_name", instance=~"$instance"';

/** `vllm_service_status.json` ("vLLM / Service Status"), one row repeated per model. */
export const SERVICE_STATUS: Dashboard = {
	title: 'vLLM / Service Status',
	file: 'vllm_service_status.json',
	panels: [
		{panel: 'Status', expr: `(2 - (max(vllm:engine_sleep_state{${SEL}, sleep_state="awake"}) == bool 0)) or vector(0)`},
		{
			panel: 'Response time',
			expr: `(histogram_quantile(0.5, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[5m])))) and on () count(vllm:num_requests_running{${SEL}})`,
		},
		{
			panel: 'Output speed',
			expr: `(sum(rate(vllm:generation_tokens_total{${SEL}}[5m])) / (sum(avg_over_time(vllm:num_requests_running{${SEL}}[5m])) > 0)) and on () count(vllm:num_requests_running{${SEL}})`,
		},
		{
			panel: 'Success rate',
			expr: `(1 - (sum(rate(vllm:request_success_total{${SEL}, finished_reason="error"}[5m])) / (sum(rate(vllm:request_success_total{${SEL}}[5m])) > 0))) and on () count(vllm:num_requests_running{${SEL}})`,
		},
		{panel: 'Requests / min', expr: `(60 * sum(rate(vllm:request_success_total{${SEL}}[5m]))) and on () count(vllm:num_requests_running{${SEL}})`},
		{panel: 'Status (timeline)', expr: `(2 - (max(vllm:engine_sleep_state{${SEL}, sleep_state="awake"}) == bool 0)) or vector(0)`},
		{panel: 'Response time (timeseries)', expr: `histogram_quantile(0.5, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[5m])))`},
		{
			panel: 'Output speed (timeseries)',
			expr: `sum(rate(vllm:generation_tokens_total{${SEL}}[5m])) / (sum(avg_over_time(vllm:num_requests_running{${SEL}}[5m])) > 0)`,
		},
		{
			panel: 'Success rate (timeseries)',
			expr: `1 - (sum(rate(vllm:request_success_total{${SEL}, finished_reason="error"}[5m])) / (sum(rate(vllm:request_success_total{${SEL}}[5m])) > 0))`,
		},
		{panel: 'Requests per minute (timeseries)', expr: `60 * sum(rate(vllm:request_success_total{${SEL}}[5m]))`},
	],
};

const SEL_E = `${SEL}, engine=~"$engine"`;

/**
 * `vllm_kv_cache.json` ("GPU KV cache pressure, prefix caching, KV block residency, and KV
 * transfer and offloading"): the summary row and the "GPU KV cache" row's first panels. The rest
 * of the file (KV block residency, KV connectors and offloading) is not transcribed yet.
 */
export const KV_CACHE: Dashboard = {
	title: 'vLLM / KV Cache (first rows)',
	file: 'vllm_kv_cache.json',
	panels: [
		{panel: 'Max KV cache usage', expr: `max(vllm:kv_cache_usage_perc{${SEL_E}})`},
		{panel: 'Mean KV cache usage', expr: `avg(vllm:kv_cache_usage_perc{${SEL_E}})`},
		{
			panel: 'Prefix cache hit rate',
			expr: `sum(rate(vllm:prefix_cache_hits_total{${SEL_E}}[$__rate_interval])) / (sum(rate(vllm:prefix_cache_queries_total{${SEL_E}}[$__rate_interval])) > 0)`,
			unsimulated: 'prefix caching is off in the default preset (no lookups: the ratio has no denominator)',
		},
		{
			panel: 'Cached prompt tokens',
			expr: `sum(rate(vllm:prompt_tokens_cached_total{${SEL_E}}[$__rate_interval])) / (sum(rate(vllm:prompt_tokens_total{${SEL_E}}[$__rate_interval])) > 0)`,
		},
		{panel: 'Preemptions / s', expr: `sum(rate(vllm:num_preemptions_total{${SEL_E}}[$__rate_interval]))`},
		{panel: 'Waiting for capacity', expr: `sum(vllm:num_requests_waiting_by_reason{${SEL_E}, reason="capacity"})`},
		{panel: 'KV cache usage by engine', expr: `max by (instance, engine) (vllm:kv_cache_usage_perc{${SEL_E}})`},
		{panel: 'Scheduler queue: running', expr: `sum(vllm:num_requests_running{${SEL_E}})`},
		{panel: 'Scheduler queue: waiting: capacity', expr: `sum(vllm:num_requests_waiting_by_reason{${SEL_E}, reason="capacity"})`},
		{panel: 'Scheduler queue: waiting: deferred', expr: `sum(vllm:num_requests_waiting_by_reason{${SEL_E}, reason="deferred"})`},
	],
};

/** Every transcribed dashboard. */
export const DASHBOARDS: readonly Dashboard[] = [SERVICE_STATUS, KV_CACHE];

/**
 * Expand Grafana's template variables with "All" selected (`$job`, `$model_name`, `$instance`,
 * `$engine`, ... become `.*`) and its interval macros (`$__rate_interval`, `$__interval`,
 * `$interval` become `rateInterval`).
 */
export function substitute(expr: string, rateInterval: string): string {
	return expr
		.replaceAll('$__rate_interval', rateInterval)
		.replaceAll('$__interval', rateInterval)
		.replaceAll('$interval', rateInterval)
		.replaceAll(/\$\{?([a-z_]+)\}?/g, '.*');
}
