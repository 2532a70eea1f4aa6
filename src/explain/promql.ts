/**
 * The PromQL that derives spec-decode figures from vLLM's counters: the queries in the
 * `SpecDecodingProm` docstring (`vllm/v1/spec_decode/metrics.py`, PR #17908 to 2026-03; newest for the
 * drafted-per-position form) and the "vLLM / Speculative Decoding" Grafana dashboard
 * (`examples/observability/dashboards/grafana/vllm_speculative_decoding.json`). Text as published,
 * whitespace normalised; see docs/prometheus.md.
 */

/** One query and what it computes. */
export type PromQuery = {
	/** What the query computes. */
	readonly quantity: string;
	readonly query: string;
	/** Which figure of {@link ExplainNumbers} it evaluates to, for showing the value. */
	readonly figure?: 'acceptanceRate' | 'meanAcceptanceLength' | 'perPosition' | 'acceptedPerS' | 'draftTokensPerS' | 'draftsPerS' | 'rejectedPerS';
	readonly note?: string;
};

/** The `SpecDecodingProm` docstring's queries. */
export const DOCSTRING_QUERIES: readonly PromQuery[] = [
	{
		quantity: 'Acceptance rate',
		query: 'rate(vllm:spec_decode_num_accepted_tokens_total[$interval]) / rate(vllm:spec_decode_num_draft_tokens_total[$interval])',
		figure: 'acceptanceRate',
	},
	{
		quantity: 'Mean acceptance length (conventionally including bonus tokens)',
		query: '1 + (rate(vllm:spec_decode_num_accepted_tokens_total[$interval]) / rate(vllm:spec_decode_num_drafts[$interval]))',
		figure: 'meanAcceptanceLength',
		note: 'the docstring drops _total here; the exposed series is vllm:spec_decode_num_drafts_total',
	},
	{
		quantity: 'Per-position acceptance rate vector',
		query: 'vllm:spec_decode_num_accepted_tokens_per_pos[$interval] / vllm:spec_decode_num_drafts[$interval]',
		figure: 'perPosition',
		note: 'as printed in the docstring (no rate() and no _total); a working form is sum by (position) (rate(vllm:spec_decode_num_accepted_tokens_per_pos_total[$interval])) / on () group_left () sum(rate(vllm:spec_decode_num_drafts_total[$interval]))',
	},
	{
		quantity: 'Per-position acceptance rate (newest vLLM, drafted per position)',
		query: 'rate(vllm:spec_decode_num_accepted_tokens_per_pos_total[$interval]) / rate(vllm:spec_decode_num_draft_tokens_per_pos_total[$interval])',
		figure: 'perPosition',
	},
];

/** The dashboard's label filter, written `F` when queries are shown. */
export const GRAFANA_FILTER = '{job=~"$job", model_name=~"$model_name", instance=~"$instance", engine=~"$engine"}';
/** The dashboard's range, written `R` when queries are shown. */
export const GRAFANA_RANGE = '[$__rate_interval]';
const F = GRAFANA_FILTER;
const R = GRAFANA_RANGE;

/** The Grafana dashboard's spec-decode panels. */
export const GRAFANA_QUERIES: readonly PromQuery[] = [
	{
		quantity: 'Draft acceptance rate (stat, percentunit)',
		query: `sum(rate(vllm:spec_decode_num_accepted_tokens_total${F}${R})) / (sum(rate(vllm:spec_decode_num_draft_tokens_total${F}${R})) > 0)`,
		figure: 'acceptanceRate',
	},
	{
		quantity: 'Acceptance length (stat)',
		query: `1 + sum(rate(vllm:spec_decode_num_accepted_tokens_total${F}${R})) / (sum(rate(vllm:spec_decode_num_drafts_total${F}${R})) > 0)`,
		figure: 'meanAcceptanceLength',
	},
	{quantity: 'Accepted tokens / s', query: `sum(rate(vllm:spec_decode_num_accepted_tokens_total${F}${R}))`, figure: 'acceptedPerS'},
	{quantity: 'Draft tokens / s', query: `sum(rate(vllm:spec_decode_num_draft_tokens_total${F}${R}))`, figure: 'draftTokensPerS'},
	{quantity: 'Drafts / s', query: `sum(rate(vllm:spec_decode_num_drafts_total${F}${R}))`, figure: 'draftsPerS'},
	{
		quantity: 'Output from drafts (stat, percentunit)',
		query: `sum(rate(vllm:spec_decode_num_accepted_tokens_total${F}${R})) / (sum(rate(vllm:generation_tokens_total${F}${R})) > 0)`,
	},
	{
		quantity: 'Draft acceptance rate by model (timeseries)',
		query: `sum by (model_name) (rate(vllm:spec_decode_num_accepted_tokens_total${F}${R})) / (sum by (model_name) (rate(vllm:spec_decode_num_draft_tokens_total${F}${R})) > 0)`,
		figure: 'acceptanceRate',
	},
	{
		quantity: 'Mean acceptance length by model (timeseries)',
		query: `1 + sum by (model_name) (rate(vllm:spec_decode_num_accepted_tokens_total${F}${R})) / (sum by (model_name) (rate(vllm:spec_decode_num_drafts_total${F}${R})) > 0)`,
		figure: 'meanAcceptanceLength',
	},
	{
		quantity: 'Acceptance rate by draft position (timeseries)',
		query: `sum by (position) (rate(vllm:spec_decode_num_accepted_tokens_per_pos_total${F}${R})) / on () group_left () (sum(rate(vllm:spec_decode_num_drafts_total${F}${R})) > 0)`,
		figure: 'perPosition',
	},
	{
		quantity: 'Draft acceptance rate by engine (timeseries)',
		query: `sum by (instance, engine) (rate(vllm:spec_decode_num_accepted_tokens_total${F}${R})) / (sum by (instance, engine) (rate(vllm:spec_decode_num_draft_tokens_total${F}${R})) > 0)`,
		figure: 'acceptanceRate',
	},
	{
		quantity: 'Rejected draft tokens / s (timeseries)',
		query: `sum(rate(vllm:spec_decode_num_draft_tokens_total${F}${R})) - sum(rate(vllm:spec_decode_num_accepted_tokens_total${F}${R}))`,
		figure: 'rejectedPerS',
	},
];
