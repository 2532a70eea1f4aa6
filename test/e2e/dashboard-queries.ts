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

export type Dashboard = {
	readonly title: string;
	readonly file: string;
	readonly panels: readonly PanelQuery[];
	/** `$model_name` is a single-select variable (no "All"): it stands for one served model name. */
	readonly singleModel?: true;
};

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

/** `histogram_quantile(q, sum by (le) (rate(<metric>_bucket{sel}[range])))`, as the dashboards write it. */
const quantile = (q: string, metric: string, sel = SEL, range = '$__rate_interval'): string =>
	`histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket{${sel}}[${range}])))`;
/** `sum(rate(<metric>_sum)) / (sum(rate(<metric>_count)) > 0)`: a histogram's mean. */
const mean = (metric: string, sel = SEL, range = '$__rate_interval'): string =>
	`sum(rate(${metric}_sum{${sel}}[${range}])) / (sum(rate(${metric}_count{${sel}}[${range}])) > 0)`;
/** The p50, p95, p99 and mean targets of a latency or length panel. */
const percentiles = (panel: string, metric: string, qs: readonly string[] = ['0.5', '0.95', '0.99'], sel = SEL): PanelQuery[] => [
	...qs.map(q => ({panel: `${panel}: p${Number(q) * 100}`, expr: quantile(q, metric, sel)})),
	{panel: `${panel}: mean`, expr: mean(metric, sel)},
];
/** Mark every target of a row of a feature specsim does not simulate. */
const unsimulated = (reason: string, queries: readonly PanelQuery[]): PanelQuery[] => queries.map(q => ({...q, unsimulated: reason}));
const HTTP_SEL = 'job=~"$job", instance=~"$instance"';
/** The "Cache hit rates" panel of the Overview and KV Cache dashboards: local, external and multimodal caches. */
const cacheHitRates = (sel: string): PanelQuery[] => [
	{
		panel: 'Cache hit rates: prefix cache',
		expr: `sum(rate(vllm:prefix_cache_hits_total{${sel}}[$__rate_interval])) / (sum(rate(vllm:prefix_cache_queries_total{${sel}}[$__rate_interval])) > 0)`,
	},
	{
		panel: 'Cache hit rates: external prefix cache',
		expr: `sum(rate(vllm:external_prefix_cache_hits_total{${sel}}[$__rate_interval])) / (sum(rate(vllm:external_prefix_cache_queries_total{${sel}}[$__rate_interval])) > 0)`,
		unsimulated: 'external prefix caches (KV connectors): no lookups, so the ratio has no denominator',
	},
	{
		panel: 'Cache hit rates: multimodal cache',
		expr: `sum(rate(vllm:mm_cache_hits_total{${sel}}[$__rate_interval])) / (sum(rate(vllm:mm_cache_queries_total{${sel}}[$__rate_interval])) > 0)`,
		unsimulated: 'multimodal caches: no multimodal inputs, so the ratio has no denominator',
	},
];

/**
 * `vllm_kv_cache.json` ("GPU KV cache pressure, prefix caching, KV block residency, and KV
 * transfer and offloading"): every panel target, in panel order (collapsed rows included).
 */
export const KV_CACHE: Dashboard = {
	title: 'vLLM / KV Cache',
	file: 'vllm_kv_cache.json',
	panels: [
		{panel: 'Max KV cache usage', expr: `max(vllm:kv_cache_usage_perc{${SEL_E}})`},
		{panel: 'Mean KV cache usage', expr: `avg(vllm:kv_cache_usage_perc{${SEL_E}})`},
		{
			panel: 'Prefix cache hit rate',
			expr: `sum(rate(vllm:prefix_cache_hits_total{${SEL_E}}[$__rate_interval])) / (sum(rate(vllm:prefix_cache_queries_total{${SEL_E}}[$__rate_interval])) > 0)`,
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
		{panel: 'Preemptions / s by engine', expr: `sum by (instance, engine) (rate(vllm:num_preemptions_total{${SEL_E}}[$__rate_interval]))`},
		...(['local_compute', 'local_cache_hit', 'external_kv_transfer'] as const).map(source => ({
			panel: `Prompt tokens by source: ${source}`,
			expr: `sum(rate(vllm:prompt_tokens_by_source_total{${SEL_E}, source="${source}"}[$__rate_interval]))`,
		})),
		{
			panel: 'Prefix cache hit rate by engine',
			expr: `sum by (instance, engine) (rate(vllm:prefix_cache_hits_total{${SEL_E}}[$__rate_interval])) / (sum by (instance, engine) (rate(vllm:prefix_cache_queries_total{${SEL_E}}[$__rate_interval])) > 0)`,
		},
		{
			panel: 'Cached prompt tokens by tier',
			expr: `sum by (source) (rate(vllm:prompt_tokens_cached_by_source_total{${SEL_E}}[$__rate_interval]))`,
			unsimulated:
				'vllm:prompt_tokens_cached_by_source (vLLM PR #56318): the vLLM source specsim follows has the CacheHitSource tiers but not the declaration of this counter (HELP text unknown), so it is not exposed',
		},
		{panel: 'Prompt and computed tokens per request: prompt tokens', expr: mean('vllm:request_prompt_tokens', SEL_E)},
		{panel: 'Prompt and computed tokens per request: computed tokens', expr: mean('vllm:request_prefill_kv_computed_tokens', SEL_E)},
		...cacheHitRates(SEL_E),
		// KV block residency: the e2e dataset and live run enable --kv-cache-metrics.
		...percentiles('Block lifetime', 'vllm:kv_block_lifetime_seconds', undefined, SEL_E),
		...percentiles('Idle time before eviction', 'vllm:kv_block_idle_before_evict_seconds', undefined, SEL_E),
		...percentiles('Block reuse gap', 'vllm:kv_block_reuse_gap_seconds', undefined, SEL_E),
		...unsimulated('KV connectors: specsim simulates no --kv-transfer-config', [
			{
				panel: 'External prefix cache hit rate',
				expr: `sum(rate(vllm:external_prefix_cache_hits_total{${SEL_E}}[$__rate_interval])) / (sum(rate(vllm:external_prefix_cache_queries_total{${SEL_E}}[$__rate_interval])) > 0)`,
			},
			{panel: 'Requests waiting on KV loads', expr: `sum by (stage) (vllm:num_requests_kv_fetch_by_stage{${SEL_E}})`},
			{
				panel: 'Prompt tokens loaded via KV transfer',
				expr: `sum(rate(vllm:prompt_tokens_by_source_total{${SEL_E}, source="external_kv_transfer"}[$__rate_interval]))`,
			},
		]),
		...unsimulated('NIXL transfers: specsim simulates no NixlConnector', [
			...percentiles('Transfer duration', 'vllm:nixl_xfer_time_seconds', undefined, SEL_E),
			{panel: 'Transfer throughput: aggregate', expr: `sum(rate(vllm:nixl_bytes_transferred_sum{${SEL_E}}[$__rate_interval]))`},
			{
				panel: 'Transfer throughput: per transfer',
				expr: `sum(rate(vllm:nixl_bytes_transferred_sum{${SEL_E}}[$__rate_interval])) / (sum(rate(vllm:nixl_xfer_time_seconds_sum{${SEL_E}}[$__rate_interval])) > 0)`,
			},
			{panel: 'Transfers / s', expr: `sum(rate(vllm:nixl_xfer_time_seconds_count{${SEL_E}}[$__rate_interval]))`},
			...percentiles('Bytes per transfer', 'vllm:nixl_bytes_transferred', undefined, SEL_E),
			...percentiles('Transfer post time', 'vllm:nixl_post_time_seconds', undefined, SEL_E),
			...percentiles('Descriptors per transfer', 'vllm:nixl_num_descriptors', undefined, SEL_E),
			...(
				[
					['failed transfers', 'nixl_num_failed_transfers_total'],
					['failed notifications', 'nixl_num_failed_notifications_total'],
					['expired KV', 'nixl_num_kv_expired_reqs_total'],
					['late notifications', 'nixl_num_notifications_after_expiry_total'],
				] as const
			).map(([legend, metric]) => ({panel: `Transfer failures / s: ${legend}`, expr: `sum(rate(vllm:${metric}{${SEL_E}}[$__rate_interval]))`})),
		]),
		...unsimulated('KV offloading: specsim simulates no OffloadingConnector or SimpleCPUOffloadConnector', [
			...(['load', 'store'] as const).map(op => ({
				panel: `Offload throughput: ${op}`,
				expr: `sum(rate(vllm:kv_offload_${op}_bytes_total{${SEL_E}}[$__rate_interval]))`,
			})),
			...(['load', 'store'] as const).map(op => ({
				panel: `Offload transfer bandwidth: ${op}`,
				expr: `sum(rate(vllm:kv_offload_${op}_bytes_total{${SEL_E}}[$__rate_interval])) / (sum(rate(vllm:kv_offload_${op}_time_total{${SEL_E}}[$__rate_interval])) > 0)`,
			})),
			...(['load', 'store'] as const).map(op => ({panel: `Mean offload transfer size: ${op}`, expr: mean(`vllm:kv_offload_${op}_size`, SEL_E)})),
			...(['sync', 'async'] as const).map(kind => ({
				panel: `Offload lookup latency p99: ${kind}`,
				expr: quantile('0.99', `vllm:kv_offload_lookup_${kind}_delay_seconds`, SEL_E),
			})),
			{panel: 'CPU offload buffer usage: total', expr: `max(vllm:kv_offload_cpu_cache_usage_perc{${SEL_E}})`},
			{panel: 'CPU offload buffer usage: stores', expr: `max(vllm:kv_offload_cpu_cache_write_usage_perc{${SEL_E}})`},
			{panel: 'CPU offload buffer usage: loads', expr: `max(vllm:kv_offload_cpu_cache_read_usage_perc{${SEL_E}})`},
			{
				panel: 'Failed and skipped stores / s: allocation failures',
				expr: `sum(rate(vllm:kv_offload_allocation_failure_total{${SEL_E}}[$__rate_interval]))`,
			},
			{panel: 'Failed and skipped stores / s: skipped', expr: `sum(rate(vllm:kv_offload_stores_skipped_total{${SEL_E}}[$__rate_interval]))`},
			{panel: 'Store admission outcomes', expr: `sum by (outcome) (rate(vllm:simple_kv_offload_save_outcomes_total{${SEL_E}}[$__rate_interval]))`},
			{panel: 'Blocks restored from offload / s', expr: `sum(rate(vllm:simple_kv_offload_load_blocks_total{${SEL_E}}[$__rate_interval]))`},
			{panel: 'Offload pool blocks: pinned', expr: `sum(vllm:simple_kv_offload_used_blocks{${SEL_E}})`},
			{panel: 'Offload pool blocks: pending stores', expr: `sum(vllm:simple_kv_offload_pending_store_blocks{${SEL_E}})`},
		]),
	],
};

/** `vllm_overview.json` ("vLLM / Overview"): every panel target, in panel order. */
export const OVERVIEW: Dashboard = {
	title: 'vLLM / Overview',
	file: 'vllm_overview.json',
	panels: [
		{panel: 'Requests / s', expr: `sum(rate(vllm:request_success_total{${SEL}}[$__rate_interval]))`},
		{panel: 'Input tok/s', expr: `sum(rate(vllm:prompt_tokens_total{${SEL}}[$__rate_interval]))`},
		{panel: 'Output tok/s', expr: `sum(rate(vllm:generation_tokens_total{${SEL}}[$__rate_interval]))`},
		{
			panel: '5xx ratio',
			expr: `(sum(rate(http_requests_total{${HTTP_SEL}, status="5xx"}[$__rate_interval])) or vector(0)) / (sum(rate(http_requests_total{${HTTP_SEL}}[$__rate_interval])) > 0)`,
		},
		{panel: 'TTFT p95', expr: quantile('0.95', 'vllm:time_to_first_token_seconds')},
		{panel: 'ITL p95', expr: quantile('0.95', 'vllm:inter_token_latency_seconds')},
		{panel: 'E2E p95', expr: quantile('0.95', 'vllm:e2e_request_latency_seconds')},
		{panel: 'Unreachable', expr: 'count(up{job=~"$job"} == 0) or vector(0)'},
		{panel: 'Engines', expr: `count(vllm:num_requests_running{${SEL}})`},
		{panel: 'Running', expr: `sum(vllm:num_requests_running{${SEL}})`},
		{panel: 'Waiting', expr: `sum(vllm:num_requests_waiting{${SEL}})`},
		{panel: 'KV cache', expr: `max(vllm:kv_cache_usage_perc{${SEL}})`},
		{panel: 'Preemptions', expr: `sum(rate(vllm:num_preemptions_total{${SEL}}[$__rate_interval]))`},
		{
			panel: 'Prefix hits',
			expr: `sum(rate(vllm:prefix_cache_hits_total{${SEL}}[$__rate_interval])) / (sum(rate(vllm:prefix_cache_queries_total{${SEL}}[$__rate_interval])) > 0)`,
		},
		{
			panel: 'TTFT SLO',
			expr: `sum(rate(vllm:time_to_first_token_seconds_bucket{${SEL}, le="$ttft_slo"}[$__rate_interval])) / (sum(rate(vllm:time_to_first_token_seconds_count{${SEL}}[$__rate_interval])) > 0)`,
		},
		{
			panel: 'TPOT SLO',
			expr: `sum(rate(vllm:request_time_per_output_token_seconds_bucket{${SEL}, le="$tpot_slo"}[$__rate_interval])) / (sum(rate(vllm:request_time_per_output_token_seconds_count{${SEL}}[$__rate_interval])) > 0)`,
		},
		{
			panel: 'Per-model summary: Instances',
			expr: `count by (model_name) (group by (model_name, instance) (last_over_time(vllm:num_requests_running{${SEL}}[$__range])))`,
		},
		{panel: 'Per-model summary: Req/s', expr: `sum by (model_name) (rate(vllm:request_success_total{${SEL}}[$__range]))`},
		{panel: 'Per-model summary: Output tok/s', expr: `sum by (model_name) (rate(vllm:generation_tokens_total{${SEL}}[$__range]))`},
		...(['time_to_first_token_seconds', 'inter_token_latency_seconds', 'e2e_request_latency_seconds'] as const).map(metric => ({
			panel: `Per-model summary: ${metric} p95`,
			expr: `histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:${metric}_bucket{${SEL}}[$__range])))`,
		})),
		{
			panel: 'Per-model summary: Errors',
			expr: `sum by (model_name) (rate(vllm:request_success_total{${SEL}, finished_reason="error"}[$__range])) / (sum by (model_name) (rate(vllm:request_success_total{${SEL}}[$__range])) > 0)`,
		},
		{panel: 'Per-model summary: Peak KV cache', expr: `max by (model_name) (max_over_time(vllm:kv_cache_usage_perc{${SEL}}[$__range]))`},
		{panel: 'Per-model summary: Preemptions', expr: `round(sum by (model_name) (increase(vllm:num_preemptions_total{${SEL}}[$__range])))`},
		...percentiles('Time to first token (TTFT)', 'vllm:time_to_first_token_seconds'),
		...percentiles('Inter-token latency (ITL)', 'vllm:inter_token_latency_seconds'),
		...percentiles('Time per output token (TPOT)', 'vllm:request_time_per_output_token_seconds'),
		...percentiles('End-to-end latency', 'vllm:e2e_request_latency_seconds'),
		...percentiles('Queue time', 'vllm:request_queue_time_seconds'),
		{panel: 'Mean time per request phase: queue', expr: mean('vllm:request_queue_time_seconds')},
		{panel: 'Mean time per request phase: prefill', expr: mean('vllm:request_prefill_time_seconds')},
		{panel: 'Mean time per request phase: decode', expr: mean('vllm:request_decode_time_seconds')},
		{panel: 'TTFT distribution', expr: `sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{${SEL}}[$__rate_interval]))`},
		{panel: 'Inter-token latency distribution', expr: `sum by (le) (rate(vllm:inter_token_latency_seconds_bucket{${SEL}}[$__rate_interval]))`},
		{panel: 'End-to-end latency distribution', expr: `sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{${SEL}}[$__rate_interval]))`},
		{panel: 'Token throughput: input', expr: `sum by (model_name) (rate(vllm:prompt_tokens_total{${SEL}}[$__rate_interval]))`},
		{panel: 'Token throughput: output', expr: `sum by (model_name) (rate(vllm:generation_tokens_total{${SEL}}[$__rate_interval]))`},
		{panel: 'Finished requests by reason', expr: `sum by (finished_reason) (rate(vllm:request_success_total{${SEL}}[$__rate_interval]))`},
		{panel: 'Scheduler queue: running', expr: `sum(vllm:num_requests_running{${SEL}})`},
		{panel: 'Scheduler queue: waiting: capacity', expr: `sum(vllm:num_requests_waiting_by_reason{${SEL}, reason="capacity"})`},
		{panel: 'Scheduler queue: waiting: deferred', expr: `sum(vllm:num_requests_waiting_by_reason{${SEL}, reason="deferred"})`},
		{panel: 'KV cache usage: max', expr: `max(vllm:kv_cache_usage_perc{${SEL}})`},
		{panel: 'KV cache usage: mean', expr: `avg(vllm:kv_cache_usage_perc{${SEL}})`},
		{panel: 'KV cache usage: min', expr: `min(vllm:kv_cache_usage_perc{${SEL}})`},
		{panel: 'Preemptions / s', expr: `sum(rate(vllm:num_preemptions_total{${SEL}}[$__rate_interval]))`},
		...percentiles('Tokens per engine step', 'vllm:iteration_tokens_total', ['0.5', '0.99']),
		...cacheHitRates(SEL),
		...(['local_compute', 'local_cache_hit', 'external_kv_transfer'] as const).map(source => ({
			panel: `Prompt tokens by source: ${source}`,
			expr: `sum(rate(vllm:prompt_tokens_by_source_total{${SEL}, source="${source}"}[$__rate_interval]))`,
		})),
		...percentiles('Prompt length', 'vllm:request_prompt_tokens'),
		...percentiles('Output length', 'vllm:request_generation_tokens'),
		{
			panel: 'Finish reason share',
			expr: `sum by (finished_reason) (rate(vllm:request_success_total{${SEL}}[$__rate_interval])) / ignoring (finished_reason) group_left () (sum(rate(vllm:request_success_total{${SEL}}[$__rate_interval])) > 0)`,
		},
		...(['request_prompt_tokens', 'request_generation_tokens'] as const).map(metric => ({
			panel: `${metric === 'request_prompt_tokens' ? 'Prompt' : 'Output'} length distribution`,
			expr: `sum by (le) (increase(vllm:${metric}_bucket{${SEL}}[$__range])) / on () group_left () (sum(increase(vllm:${metric}_count{${SEL}}[$__range])) > 0)`,
		})),
		{panel: 'HTTP requests by status', expr: `sum by (status) (rate(http_requests_total{${HTTP_SEL}}[$__rate_interval]))`},
		{panel: 'HTTP requests by endpoint', expr: `sum by (handler) (rate(http_requests_total{${HTTP_SEL}}[$__rate_interval]))`},
		{
			panel: 'HTTP mean duration by endpoint',
			expr: `sum by (handler) (rate(http_request_duration_seconds_sum{${HTTP_SEL}}[$__rate_interval])) / (sum by (handler) (rate(http_request_duration_seconds_count{${HTTP_SEL}}[$__rate_interval])) > 0)`,
		},
	],
};

const INSTANCE_TABLE_BY = 'model_name, instance';
const ENGINE_BY = 'instance, engine';

/** `vllm_instances.json` ("vLLM / Instances"): every panel target, in panel order (collapsed rows included). */
export const INSTANCES: Dashboard = {
	title: 'vLLM / Instances',
	file: 'vllm_instances.json',
	panels: [
		{panel: 'Instances: Engines', expr: `count by (${INSTANCE_TABLE_BY}) (vllm:num_requests_running{${SEL_E}})`},
		{panel: 'Instances: Running', expr: `sum by (${INSTANCE_TABLE_BY}) (vllm:num_requests_running{${SEL_E}})`},
		{panel: 'Instances: Waiting', expr: `sum by (${INSTANCE_TABLE_BY}) (vllm:num_requests_waiting{${SEL_E}})`},
		{panel: 'Instances: KV cache', expr: `max by (${INSTANCE_TABLE_BY}) (vllm:kv_cache_usage_perc{${SEL_E}})`},
		{panel: 'Instances: Req/s', expr: `sum by (${INSTANCE_TABLE_BY}) (rate(vllm:request_success_total{${SEL_E}}[5m]))`},
		{panel: 'Instances: Output tok/s', expr: `sum by (${INSTANCE_TABLE_BY}) (rate(vllm:generation_tokens_total{${SEL_E}}[5m]))`},
		{
			panel: 'Instances: TTFT p95',
			expr: `histogram_quantile(0.95, sum by (le, ${INSTANCE_TABLE_BY}) (rate(vllm:time_to_first_token_seconds_bucket{${SEL_E}}[5m])))`,
		},
		{
			panel: 'Instances: ITL p95',
			expr: `histogram_quantile(0.95, sum by (le, ${INSTANCE_TABLE_BY}) (rate(vllm:inter_token_latency_seconds_bucket{${SEL_E}}[5m])))`,
		},
		{panel: 'Instances: Preempt/s', expr: `sum by (${INSTANCE_TABLE_BY}) (rate(vllm:num_preemptions_total{${SEL_E}}[5m]))`},
		{
			panel: 'Instances: Uptime',
			expr: `max by (${INSTANCE_TABLE_BY}) ((time() - process_start_time_seconds{${HTTP_SEL}}) * on (job, instance) group_left (model_name) group by (job, instance, model_name) (vllm:num_requests_running{${SEL_E}}))`,
		},
		{panel: 'Running requests', expr: `sum by (${ENGINE_BY}) (vllm:num_requests_running{${SEL_E}})`},
		{panel: 'Waiting requests', expr: `sum by (${ENGINE_BY}) (vllm:num_requests_waiting{${SEL_E}})`},
		{panel: 'KV cache usage', expr: `max by (${ENGINE_BY}) (vllm:kv_cache_usage_perc{${SEL_E}})`},
		{panel: 'Requests / s', expr: `sum by (instance) (rate(vllm:request_success_total{${SEL_E}}[$__rate_interval]))`},
		{panel: 'Input tokens / s', expr: `sum by (${ENGINE_BY}) (rate(vllm:prompt_tokens_total{${SEL_E}}[$__rate_interval]))`},
		{panel: 'Output tokens / s', expr: `sum by (${ENGINE_BY}) (rate(vllm:generation_tokens_total{${SEL_E}}[$__rate_interval]))`},
		...(
			[
				['TTFT p95', 'time_to_first_token_seconds'],
				['Inter-token latency p95', 'inter_token_latency_seconds'],
				['E2E latency p95', 'e2e_request_latency_seconds'],
			] as const
		).map(([panel, metric]) => ({
			panel,
			expr: `histogram_quantile(0.95, sum by (le, instance) (rate(vllm:${metric}_bucket{${SEL_E}}[$__rate_interval])))`,
		})),
		{
			panel: 'Mean queue time',
			expr: `sum by (instance) (rate(vllm:request_queue_time_seconds_sum{${SEL_E}}[$__rate_interval])) / (sum by (instance) (rate(vllm:request_queue_time_seconds_count{${SEL_E}}[$__rate_interval])) > 0)`,
		},
		{panel: 'Engine steps / s', expr: `sum by (${ENGINE_BY}) (rate(vllm:iteration_tokens_total_count{${SEL_E}}[$__rate_interval]))`},
		{
			panel: 'Mean tokens per engine step',
			expr: `sum by (${ENGINE_BY}) (rate(vllm:iteration_tokens_total_sum{${SEL_E}}[$__rate_interval])) / (sum by (${ENGINE_BY}) (rate(vllm:iteration_tokens_total_count{${SEL_E}}[$__rate_interval])) > 0)`,
		},
		{panel: 'Preemptions / s', expr: `sum by (${ENGINE_BY}) (rate(vllm:num_preemptions_total{${SEL_E}}[$__rate_interval]))`},
		{panel: 'Waiting requests by reason', expr: `sum by (${ENGINE_BY}, reason) (vllm:num_requests_waiting_by_reason{${SEL_E}})`},
		{
			panel: 'Prefix cache hit rate',
			expr: `sum by (${ENGINE_BY}) (rate(vllm:prefix_cache_hits_total{${SEL_E}}[$__rate_interval])) / (sum by (${ENGINE_BY}) (rate(vllm:prefix_cache_queries_total{${SEL_E}}[$__rate_interval])) > 0)`,
		},
		{panel: 'CPU usage', expr: `sum by (instance) (rate(process_cpu_seconds_total{${HTTP_SEL}}[$__rate_interval]))`},
		{panel: 'Resident memory', expr: `sum by (instance) (process_resident_memory_bytes{${HTTP_SEL}})`},
		{panel: 'Open file descriptors', expr: `sum by (instance) (process_open_fds{${HTTP_SEL}}) / sum by (instance) (process_max_fds{${HTTP_SEL}})`},
		{panel: 'Cache configuration', expr: 'vllm:cache_config_info{job=~"$job", instance=~"$instance", engine=~"$engine"}'},
		{
			panel: 'LoRA adapters',
			expr: `topk by (job, instance) (1, vllm:lora_requests_info{${HTTP_SEL}})`,
			unsimulated: 'LoRA serving: vllm:lora_requests_info exists only with --enable-lora',
		},
		{
			panel: 'Engine sleep state',
			expr: `(1 - max by (${ENGINE_BY}) (vllm:engine_sleep_state{${SEL_E}, sleep_state="awake"})) * (1 + max by (${ENGINE_BY}) (vllm:engine_sleep_state{${SEL_E}, sleep_state="discard_all"}))`,
		},
		...(
			[
				[
					'count',
					'sum by (operation) (last_over_time(vllm:sleep_mode_operation_duration_seconds_count{SEL}[$__range])) or sum by (operation) (last_over_time(vllm:rl_weight_update_operation_duration_seconds_count{SEL}[$__range]))',
				],
				[
					'mean duration',
					'sum by (operation) (last_over_time(vllm:sleep_mode_operation_duration_seconds_sum{SEL}[$__range])) / (sum by (operation) (last_over_time(vllm:sleep_mode_operation_duration_seconds_count{SEL}[$__range])) > 0) or sum by (operation) (last_over_time(vllm:rl_weight_update_operation_duration_seconds_sum{SEL}[$__range])) / (sum by (operation) (last_over_time(vllm:rl_weight_update_operation_duration_seconds_count{SEL}[$__range])) > 0)',
				],
				[
					'p99 duration',
					'histogram_quantile(0.99, sum by (le, operation) (last_over_time(vllm:sleep_mode_operation_duration_seconds_bucket{SEL}[$__range]))) or histogram_quantile(0.99, sum by (le, operation) (last_over_time(vllm:rl_weight_update_operation_duration_seconds_bucket{SEL}[$__range])))',
				],
			] as const
		).map(([column, expr]) => ({
			panel: `Sleep mode and weight update operations: ${column}`,
			// The scheduled sleeps (the e2e runs use --sleep) give the sleep-mode side; RL weight transfers are not simulated.
			expr: expr.replaceAll('{SEL}', `{${HTTP_SEL}}`),
		})),
		{
			panel: 'Estimated compute per GPU',
			// Fed with --enable-mfu-metrics (the e2e runs use it).
			expr: `sum by (${ENGINE_BY}) (rate(vllm:estimated_flops_per_gpu_total{${SEL_E}}[$__rate_interval]))`,
		},
		{
			panel: 'Estimated memory traffic per GPU',
			expr: `sum by (${ENGINE_BY}) (rate(vllm:estimated_read_bytes_per_gpu_total{${SEL_E}}[$__rate_interval])) + sum by (${ENGINE_BY}) (rate(vllm:estimated_write_bytes_per_gpu_total{${SEL_E}}[$__rate_interval]))`,
		},
	],
};

/** One metric's "over time" mean, range quantiles and range average, as `performance_statistics.json` writes them. */
const statsOf = (name: string, metric: string, quantiles: readonly string[]): PanelQuery[] => [
	{panel: `${name} over time`, expr: `rate(${metric}_sum[$__rate_interval]) / rate(${metric}_count[$__rate_interval])`},
	...quantiles.map(q => ({
		panel: `${name} (P${Number(q) * 100})`,
		expr: `histogram_quantile(${q}, sum by(le) (rate(${metric}_bucket[$__range])))`,
	})),
	{panel: `${name} (Avg)`, expr: `(sum(increase(${metric}_sum[$__range])) / sum(increase(${metric}_count[$__range])))`},
];

/** `performance_statistics.json` ("Performance Statistics"): every panel target, in panel order (its queries take no selector). */
export const PERFORMANCE_STATISTICS: Dashboard = {
	title: 'Performance Statistics',
	file: 'performance_statistics.json',
	panels: [
		...statsOf('E2E Latency', 'vllm:e2e_request_latency_seconds', ['0.99', '0.90']),
		{panel: 'E2E Latency (P50)', expr: 'histogram_quantile(0.50, sum by(le) (rate(vllm:e2e_request_latency_seconds_bucket[$__range])))'},
		...statsOf('TTFT', 'vllm:time_to_first_token_seconds', ['0.99', '0.90']),
		{panel: 'TTFT (P50)', expr: 'histogram_quantile(0.50, sum by(le) (rate(vllm:time_to_first_token_seconds_bucket[$__range])))'},
		{
			panel: 'ITL over time: avg',
			expr: 'rate(vllm:inter_token_latency_seconds_sum[$__rate_interval]) / rate(vllm:inter_token_latency_seconds_count[$__rate_interval])',
		},
		...(['0.50', '0.90', '0.99'] as const).map(q => ({
			panel: `ITL over time: p${Number(q) * 100}`,
			expr: `histogram_quantile(${q}, sum by(le) (rate(vllm:inter_token_latency_seconds_bucket[$__rate_interval])))`,
		})),
		...(['0.90', '0.99'] as const).map(q => ({
			panel: `ITL (P${Number(q) * 100})`,
			expr: `histogram_quantile(${q}, sum by(le) (rate(vllm:inter_token_latency_seconds_bucket[$__range])))`,
		})),
		{
			panel: 'ITL (Avg)',
			expr: '(sum(increase(vllm:inter_token_latency_seconds_sum[$__range])) / sum(increase(vllm:inter_token_latency_seconds_count[$__range])))',
		},
		{panel: 'ITL (P50)', expr: 'histogram_quantile(0.50, sum by(le) (rate(vllm:inter_token_latency_seconds_bucket[$__range])))'},
		{panel: 'TPS: Generation TPS', expr: 'rate(vllm:generation_tokens_total[$__rate_interval])'},
		{panel: 'TPS: Prompt TPS', expr: 'rate(vllm:prompt_tokens_total[$__rate_interval])'},
		{panel: 'TPS: Overall Iteration TPS', expr: 'rate(vllm:iteration_tokens_total_count[$__rate_interval])'},
	],
};

const DEPLOYMENT = 'model_name=~"$Deployment_id"';

/** `query_statistics.json` ("Query Statistics"): every panel target, in panel order (its variable is `$Deployment_id`). */
export const QUERY_STATISTICS: Dashboard = {
	title: 'Query Statistics',
	file: 'query_statistics.json',
	panels: [
		{
			panel: 'Successful Requests Over Time',
			expr: `sum by (model_name) (\n  rate(vllm:request_success_total{${DEPLOYMENT}}[$__rate_interval])\n)`,
		},
		{panel: 'Requests Avg Rate', expr: `sum(rate(vllm:request_success_total{${DEPLOYMENT}}[$__rate_interval]))`},
		...(['0.50', '0.90', '0.99'] as const).map(q => ({
			panel: `p${Number(q) * 100} Latency`,
			expr: `histogram_quantile(${q}, sum by(le, model_name) (rate(vllm:e2e_request_latency_seconds_bucket{${DEPLOYMENT}}[$__rate_interval])))`,
		})),
		{
			panel: 'Input Token Size Distribution',
			expr: `sum by (le, model_name) (rate(vllm:request_prompt_tokens_bucket{${DEPLOYMENT}}[$__rate_interval]))`,
		},
		...(['0.90', '0.50'] as const).map(q => ({
			panel: `Input Token Size p${Number(q) * 100}`,
			expr: `histogram_quantile(${q}, sum by(le, model_name) (rate(vllm:request_prompt_tokens_bucket{${DEPLOYMENT}}[$__rate_interval])))`,
		})),
		{
			panel: 'Input Token Size Avg',
			expr: `sum(rate(vllm:prompt_tokens_total{${DEPLOYMENT}}[$__rate_interval]))\n/\nsum(rate(vllm:request_success_total{${DEPLOYMENT}}[$__rate_interval]))`,
		},
		{
			panel: 'Input Token Size p99',
			expr: `histogram_quantile(0.99, sum by(le, model_name) (rate(vllm:request_prompt_tokens_bucket{${DEPLOYMENT}}[$__rate_interval])))`,
		},
		{panel: 'Input Tokens Over Time', expr: `sum by (model_name) (rate(vllm:prompt_tokens_total{${DEPLOYMENT}}[$__rate_interval]))`},
		{panel: 'Input Tokens/Sec Avg', expr: `sum(rate(vllm:prompt_tokens_total{${DEPLOYMENT}}[$__rate_interval]))`},
		{panel: 'Output Tokens Over Time', expr: `sum by (model_name) (rate(vllm:generation_tokens_total{${DEPLOYMENT}}[$__rate_interval]))`},
		{panel: 'Output Tokens/Sec Avg', expr: `sum(rate(vllm:generation_tokens_total{${DEPLOYMENT}}[$__rate_interval]))`},
	],
};

const MODEL = 'model_name="$model_name"';
/** The older single dashboard's p99, p95, p90, p50 and mean targets of one histogram. */
const legacyLatency = (panel: string, metric: string): PanelQuery[] => [
	...(['0.99', '0.95', '0.9', '0.5'] as const).map(q => ({
		panel: `${panel}: P${Number(q) * 100}`,
		expr: `histogram_quantile(${q}, sum by(le) (rate(${metric}_bucket{${MODEL}}[$__rate_interval])))`,
	})),
	{panel: `${panel}: mean`, expr: `rate(${metric}_sum{${MODEL}}[$__rate_interval])\n/\nrate(${metric}_count{${MODEL}}[$__rate_interval])`},
];

/** `prometheus_grafana/grafana.json` ("vLLM"), the older single dashboard: every panel target, in panel order. */
export const GRAFANA_LEGACY: Dashboard = {
	title: 'vLLM (prometheus_grafana/grafana.json)',
	file: 'grafana.json',
	singleModel: true,
	panels: [
		...legacyLatency('E2E Request Latency', 'vllm:e2e_request_latency_seconds'),
		{panel: 'Token Throughput: prompt', expr: `rate(vllm:prompt_tokens_total{${MODEL}}[$__rate_interval])`},
		{panel: 'Token Throughput: generation', expr: `rate(vllm:generation_tokens_total{${MODEL}}[$__rate_interval])`},
		...legacyLatency('Inter Token Latency', 'vllm:inter_token_latency_seconds'),
		{panel: 'Scheduler State: running', expr: `vllm:num_requests_running{${MODEL}}`},
		{panel: 'Scheduler State: waiting', expr: `vllm:num_requests_waiting{${MODEL}}`},
		...legacyLatency('Time To First Token Latency', 'vllm:time_to_first_token_seconds'),
		{panel: 'Cache Utilization', expr: `vllm:kv_cache_usage_perc{${MODEL}}`},
		{panel: 'Request Prompt Length', expr: `sum by(le) (increase(vllm:request_prompt_tokens_bucket{${MODEL}}[$__rate_interval]))`},
		{panel: 'Request Generation Length', expr: `sum by(le) (increase(vllm:request_generation_tokens_bucket{${MODEL}}[$__rate_interval]))`},
		{panel: 'Finish Reason', expr: `sum by(finished_reason) (increase(vllm:request_success_total{${MODEL}}[$__rate_interval]))`},
		{panel: 'Queue Time', expr: `rate(vllm:request_queue_time_seconds_sum{${MODEL}}[$__rate_interval])`},
		{panel: 'Requests Prefill and Decode Time: prefill', expr: `rate(vllm:request_prefill_time_seconds_sum{${MODEL}}[$__rate_interval])`},
		{panel: 'Requests Prefill and Decode Time: decode', expr: `rate(vllm:request_decode_time_seconds_sum{${MODEL}}[$__rate_interval])`},
		{panel: 'Max Generation Token in Sequence Group', expr: `rate(vllm:request_max_num_generation_tokens_sum{${MODEL}}[$__rate_interval])`},
	],
};

/** Every transcribed dashboard. */
export const DASHBOARDS: readonly Dashboard[] = [
	SERVICE_STATUS,
	OVERVIEW,
	INSTANCES,
	KV_CACHE,
	PERFORMANCE_STATISTICS,
	QUERY_STATISTICS,
	GRAFANA_LEGACY,
];

/** The dashboards' custom variables at their default selection (`ttft_slo` "1s", `tpot_slo` "100ms"). */
const CUSTOM_DEFAULTS: Readonly<Record<string, string>> = {ttft_slo: '1.0', tpot_slo: '0.1'};

/**
 * Expand Grafana's template variables with "All" selected (`$job`, `$model_name`, `$instance`,
 * `$engine`, ... become `.*`), custom variables at their defaults, its interval macros
 * (`$__rate_interval`, `$__interval`, `$interval` become `rateInterval`) and `$__range` (the
 * dashboard's time range; `rateInterval` when not given); `selected` gives single-select variables their value.
 */
export function substitute(expr: string, rateInterval: string, range = rateInterval, selected: Readonly<Record<string, string>> = {}): string {
	let out = expr
		.replaceAll('$__rate_interval', rateInterval)
		.replaceAll('$__interval', rateInterval)
		.replaceAll('$interval', rateInterval)
		.replaceAll('$__range', range);
	for (const [name, value] of Object.entries({...CUSTOM_DEFAULTS, ...selected})) out = out.replaceAll(`$${name}`, value);
	return out.replaceAll(/\$\{?([A-Za-z_]+)\}?/g, '.*');
}
