import type {RunSummary} from '../sim/summary.js';

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null): string => (x === null ? 'n/a' : `${(x * 1000).toFixed(1)} ms`);
const rates = (xs: readonly number[]): string => xs.map(x => x.toFixed(3)).join(', ');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** ` (E error, A abort)` when injected faults (docs/faults.md) ended requests so; empty otherwise. */
const faulted = (byReason: Readonly<Record<string, number>>): string => {
	const errors = byReason['error'] ?? 0;
	const aborts = byReason['abort'] ?? 0;
	return errors + aborts === 0 ? '' : ` (${errors} error, ${aborts} abort)`;
};

/**
 * The end-of-run summary for people (`--json` prints the object instead). Without speculation
 * (`--k 0`, `--method none`: `expected` is null) the spec-decode lines would compare zero drafts
 * with the acceptance model at the preset's k, and the speedup would be 1 by construction: one line
 * says speculation is off instead. With speculation on but not one draft (every prompt refused, a
 * run shorter than the first step) the measured acceptance figures are 0 / 0: shown as n/a, as the
 * dashboard shows them, not as a length of 1.00 and rates of 0. Requests the API server refused
 * (HTTP 400, `rejected` in the JSON) are not in the request counts, so a line names them and why:
 * clients that send `max_tokens` (`--output-len`, as `vllm bench serve`) are refused when prompt
 * and `max_tokens` do not fit `max_model_len`; others only for a prompt that fills it.
 */
export function formatSummary(summary: RunSummary, presetName: string, maxModelLen?: number, clientMaxTokens = false): string {
	const s = summary.spec_decode;
	const e = summary.expected;
	const g = summary.engines;
	const drafted = s.num_drafts > 0;
	const specLines = e
		? [
				`  drafts ${s.num_drafts}, draft tokens ${s.num_draft_tokens}, accepted tokens ${s.num_accepted_tokens}`,
				`  mean acceptance length ${drafted ? s.mean_acceptance_length.toFixed(2) : 'n/a'} (model: ${e.mean_acceptance_length.toFixed(2)}), draft acceptance rate ${pct(s.draft_acceptance_rate)} (model: ${pct(e.draft_acceptance_rate)})`,
				`  per-position acceptance ${drafted ? rates(s.per_position_acceptance_rate) : 'n/a'} (model: ${rates(e.per_position_acceptance_rate)})`,
				// n-gram and suffix proposers draft only what they find: their model figures are not the run's.
				...(drafted && s.num_draft_tokens < s.num_drafts * s.num_spec_tokens
					? [
							`  (the model figures are for full-length drafts of k = ${s.num_spec_tokens}; these drafts averaged ${(s.num_draft_tokens / s.num_drafts).toFixed(2)} tokens)`,
						]
					: []),
			]
		: ['  speculative decoding off (--k 0 or --method none): no drafts'];
	const limit = `max_model_len${maxModelLen === undefined ? '' : ` (${maxModelLen})`}`;
	const why = clientMaxTokens ? `prompt + max_tokens (--output-len) beyond ${limit}` : `prompt of ${limit} tokens or more`;
	const rejected = summary.rejected
		? [`  rejected ${plural(summary.rejected.requests, 'request')} with HTTP ${summary.rejected.status}: ${why}`]
		: [];
	const speedup = g.estimated_speedup_vs_no_spec === null ? 'n/a' : `${g.estimated_speedup_vs_no_spec.toFixed(2)}x`;
	return [
		`specsim summary: preset ${presetName}, seed ${summary.seed}, ${summary.virtual_seconds.toFixed(1)} virtual s, ${g.count} engine(s)`,
		...specLines,
		`  requests ${g.requests_finished} finished of ${g.requests_arrived}${faulted(g.finished_by_reason)}, ${g.requests_per_s.toFixed(2)} req/s, ${g.output_tokens_per_s.toFixed(1)} output tokens/s, ${g.preemptions} preemptions`,
		...rejected,
		`  TTFT p50 ${ms(g.ttft_s.p50)} p99 ${ms(g.ttft_s.p99)}; TPOT p50 ${ms(g.time_per_output_token_s.p50)} p99 ${ms(g.time_per_output_token_s.p99)}; inter-token latency p50 ${ms(g.inter_token_latency_s.p50)} p99 ${ms(g.inter_token_latency_s.p99)}`,
		...(e ? [`  estimated speedup over no speculation: ${speedup}`] : []),
		...conversationLine(summary),
		'',
	].join('\n');
}

/** `  conversations S started, E ended (R at max_model_len), A active` when the workload has conversations. */
function conversationLine(summary: RunSummary): string[] {
	const c = summary.conversations;
	return c === undefined
		? []
		: [`  conversations ${c.started} started, ${c.ended} ended (${c.ended_at_max_model_len} at max_model_len), ${c.active} active`];
}
