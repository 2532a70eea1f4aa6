import {PyFloat, pyFloat} from './py-json.js';
import type {Generation, SpecDecodeMetricsLevel} from './serve-engine.js';

/** Which per-request metrics a server returns (vLLM's `--enable-per-request-metrics` and `--per-request-spec-decode-metrics`). */
export type PerRequestMetricsOptions = {
	readonly timing: boolean;
	readonly specDecode: SpecDecodeMetricsLevel;
};

/**
 * vLLM's `SpeculativeDecodingMetrics` of one request (`RequestSpecDecodeMetrics.to_dict()` in
 * `vllm/v1/metrics/stats.py`): over its verification steps (steps where it had drafts; a step
 * without drafts is not one), the mean acceptance length `1 + accepted / steps` (1.0 without
 * steps), the draft acceptance rate `accepted / drafted` (0.0 without drafts), the dense
 * histogram of accepted drafts per step (length k+1, bonus token excluded), the same by proposed
 * draft length (JSON keys are strings), the totals and k; at `detailed` the ordered per-step
 * arrays. Counts are taken before stop truncation, as the engine's stats are.
 */
function speculativeDecoding(g: Generation, level: SpecDecodeMetricsLevel) {
	const r = g.request;
	const steps = r.numSpecSteps;
	const accepted = r.numAcceptedDraftTokens;
	const byDraftLength: Record<string, number[]> = {};
	for (const [d, row] of g.live.byDraftLength ?? []) byDraftLength[String(d)] = [...row];
	return {
		mean_acceptance_length: pyFloat(steps > 0 ? 1 + accepted / steps : 1),
		draft_acceptance_rate: pyFloat(r.numDraftTokens > 0 ? accepted / r.numDraftTokens : 0),
		acceptance_histogram: [...r.acceptanceHistogram],
		acceptance_histogram_by_draft_length: byDraftLength,
		num_spec_steps: steps,
		num_accepted_draft_tokens: accepted,
		num_draft_tokens: r.numDraftTokens,
		num_spec_tokens: r.acceptanceHistogram.length - 1,
		per_step_accepted: level === 'detailed' ? [...g.live.perStepAccepted!] : null,
		per_step_drafted: level === 'detailed' ? [...g.live.perStepDrafted!] : null,
	};
}

const ms = (s: number): number | null => (Number.isFinite(s) ? s * 1000 : null);

/**
 * vLLM's `build_per_request_timing_metrics` on the request's virtual timestamps (queued at
 * arrival, first scheduled, first and last output token): TTFT from scheduling to the first
 * token, decode time from the first to the last token, queue time, mean inter-token latency
 * over the decode tokens (null for one token), and output tokens per second over the inference
 * interval (scheduling to last token). A timestamp not reached leaves its fields null.
 */
function timing(g: Generation) {
	const r = g.request;
	const tokens = g.completionTokens;
	const inferenceMs = ms(r.lastTokenAt - r.scheduledAt);
	const decodeMs = ms(r.lastTokenAt - r.firstTokenAt);
	return {
		time_to_first_token_ms: pyFloat(ms(r.firstTokenAt - r.scheduledAt)),
		generation_time_ms: pyFloat(decodeMs),
		queue_time_ms: pyFloat(ms(r.scheduledAt - r.arrivalAt)),
		mean_itl_ms: pyFloat(decodeMs !== null && tokens > 1 ? decodeMs / (tokens - 1) : null),
		tokens_per_second: pyFloat(inferenceMs !== null && inferenceMs > 0 ? (tokens / inferenceMs) * 1000 : null),
	};
}

const NO_TIMING = {time_to_first_token_ms: null, generation_time_ms: null, queue_time_ms: null, mean_itl_ms: null, tokens_per_second: null};

/**
 * The `metrics` object of a response (vLLM's `PerRequestMetrics`), or undefined when it has none:
 * per-request metrics describe one generation stream, so a request with `n > 1` or several
 * prompts (`attributable` false) gets none, and so does a server with neither option on. The
 * timing fields are null unless `timing`; `speculative_decoding` is null unless asked for.
 */
export function perRequestMetrics(results: readonly Generation[], attributable: boolean, options: PerRequestMetricsOptions) {
	if (!attributable || results.length !== 1) return undefined;
	if (!options.timing && options.specDecode === 'none') return undefined;
	const g = results[0]!;
	return {
		...(options.timing ? timing(g) : NO_TIMING),
		speculative_decoding: options.specDecode === 'none' ? null : speculativeDecoding(g, options.specDecode),
	};
}

/** A value without its null fields, recursively (pydantic's `exclude_none=True`, as the final stream chunk is written). */
export function withoutNulls<T>(value: T): T {
	if (Array.isArray(value) || value === null || typeof value !== 'object' || value instanceof PyFloat) return value;
	const out: Record<string, unknown> = {};
	for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = withoutNulls(v);
	return out as T;
}
