/**
 * Sweep result rows: one per configuration, the speculative run beside its baseline and the
 * closed forms, with the best k per (qps, method) group marked. Pure.
 */
import type {RunMeasurement} from './run-config.js';

/** One configuration's results (`sweep --json` rows; the CSV and table columns come from these). */
export type SweepRow = {
	/** `num_speculative_tokens`. */
	k: number;
	/** Arrival rate in requests per virtual second; null for a closed-loop workload. */
	qps: number | null;
	/** Closed-loop clients (`--concurrency`); null for an open-loop (QPS) workload. */
	concurrency: number | null;
	/** `speculative_config.method` as configured. */
	method: string;
	/** Leviathan's cost coefficient c (draft pass / non-speculative step at batch 1). */
	cost_ratio: number;
	num_drafts: number;
	draft_acceptance_rate: number | null;
	mean_acceptance_length: number;
	per_position_acceptance_rate: number[];
	output_tokens_per_s: number;
	ttft_p50_s: number | null;
	ttft_p99_s: number | null;
	/** vLLM's inter-token latency (per step that emits tokens, not per token). */
	itl_p50_s: number | null;
	itl_p99_s: number | null;
	/** Per-request time per output token, `(last − first token) / (tokens − 1)`. */
	tpot_p50_s: number | null;
	tpot_p99_s: number | null;
	baseline_output_tokens_per_s: number;
	baseline_itl_p50_s: number | null;
	baseline_tpot_p50_s: number | null;
	/** Output tokens/s with speculation over without (1 while the load is below capacity). */
	throughput_speedup: number | null;
	/** Baseline TPOT p50 over TPOT p50: how much faster a request streams its tokens. */
	latency_speedup: number | null;
	expected_mean_acceptance_length: number;
	expected_draft_acceptance_rate: number;
	expected_per_position_acceptance_rate: number[];
	/** `(1 + Σ r_i) / (k·c + 1)`: Leviathan's walltime improvement generalised to per-position rates. */
	expected_speedup: number;
	/** Highest output tokens/s in its (qps, method) group. */
	best_throughput: boolean;
	/** Lowest TPOT p50 in its (qps, method) group. */
	best_latency: boolean;
	/** Meets every SLO (`--slo-ttft-p99`, `--slo-tpot-p50`); null when none is set. */
	meets_slo: boolean | null;
	/** Best in its group by `--objective` among the rows meeting the SLOs. */
	best: boolean;
};

/** Labels of a row, as resolved against the preset. */
export type RowLabels = {readonly k: number; readonly qps: number | null; readonly concurrency: number | null; readonly method: string};

/** The key of a row's (load, method) group: its baseline and its best-k marks are per group. */
export function groupKey(labels: Pick<RowLabels, 'qps' | 'concurrency' | 'method'>): string {
	return `${labels.qps}\u0000${labels.concurrency}\u0000${labels.method}`;
}

/** Combine a speculative run with its baseline into a row (best marks unset). */
export function makeRow(labels: RowLabels, run: RunMeasurement, baseline: RunMeasurement): SweepRow {
	if (run.cost_ratio === null || run.expected_speedup === null) throw new RangeError('makeRow: the run must be a speculative run (cost_ratio set)');
	return {
		k: labels.k,
		qps: labels.qps,
		concurrency: labels.concurrency,
		method: labels.method,
		cost_ratio: run.cost_ratio,
		num_drafts: run.num_drafts,
		draft_acceptance_rate: run.draft_acceptance_rate,
		mean_acceptance_length: run.mean_acceptance_length,
		per_position_acceptance_rate: [...run.per_position_acceptance_rate],
		output_tokens_per_s: run.output_tokens_per_s,
		ttft_p50_s: run.ttft_s.p50,
		ttft_p99_s: run.ttft_s.p99,
		itl_p50_s: run.inter_token_latency_s.p50,
		itl_p99_s: run.inter_token_latency_s.p99,
		tpot_p50_s: run.tpot_s.p50,
		tpot_p99_s: run.tpot_s.p99,
		baseline_output_tokens_per_s: baseline.output_tokens_per_s,
		baseline_itl_p50_s: baseline.inter_token_latency_s.p50,
		baseline_tpot_p50_s: baseline.tpot_s.p50,
		throughput_speedup: ratio(run.output_tokens_per_s, baseline.output_tokens_per_s),
		latency_speedup: run.tpot_s.p50 === null || baseline.tpot_s.p50 === null ? null : ratio(baseline.tpot_s.p50, run.tpot_s.p50),
		expected_mean_acceptance_length: run.expected_mean_acceptance_length,
		expected_draft_acceptance_rate: run.expected_draft_acceptance_rate,
		expected_per_position_acceptance_rate: [...run.expected_per_position_acceptance_rate],
		expected_speedup: run.expected_speedup,
		best_throughput: false,
		best_latency: false,
		meets_slo: null,
		best: false,
	};
}

/**
 * Mark the best k of every (qps, method) group in place: by throughput the highest output
 * tokens/s, by latency the lowest TPOT p50 (ties: the first row, i.e. the smaller k). Rows without
 * a TPOT are never best by latency.
 */
export function markBest(rows: SweepRow[]): SweepRow[] {
	const groups = new Map<string, SweepRow[]>();
	for (const row of rows) {
		const key = groupKey(row);
		const group = groups.get(key);
		if (group === undefined) groups.set(key, [row]);
		else group.push(row);
	}
	for (const group of groups.values()) {
		let bestThroughput: SweepRow | undefined;
		let bestLatency: SweepRow | undefined;
		for (const row of group) {
			row.best_throughput = false;
			row.best_latency = false;
			if (bestThroughput === undefined || row.output_tokens_per_s > bestThroughput.output_tokens_per_s) bestThroughput = row;
			if (row.tpot_p50_s !== null && (bestLatency === undefined || row.tpot_p50_s < bestLatency.tpot_p50_s!)) bestLatency = row;
		}
		if (bestThroughput !== undefined) bestThroughput.best_throughput = true;
		if (bestLatency !== undefined) bestLatency.best_latency = true;
	}
	return rows;
}

function ratio(numerator: number, denominator: number): number | null {
	const value = numerator / denominator;
	return Number.isFinite(value) ? value : null;
}
