import type {QuantileSketch} from '../metrics/stats/histogram.js';
import {acceptanceRate, meanAcceptanceLength} from '../metrics/stats/derived.js';
import {FINISH_REASONS} from '../metrics/stats/finished-request.js';
import type {BuiltSimulation} from './build.js';
import {readLifetimeCounts} from './span-counts.js';

/**
 * Spec-decode totals in vLLM's vocabulary (`summary.json`'s `spec_decode`). `num_spec_tokens` is the
 * k the run drafted with, 0 when speculation is off (`--k 0`, `--method none`): then there are no
 * positions, so the per-position arrays are empty and the acceptance rate is null.
 */
export type SpecDecodeSummary = {
	num_spec_tokens: number;
	num_drafts: number;
	num_draft_tokens: number;
	num_accepted_tokens: number;
	num_accepted_tokens_per_pos: number[];
	mean_acceptance_length: number;
	draft_acceptance_rate: number | null;
	per_position_acceptance_rate: number[];
};

/** The acceptance model's closed forms (`summary.json`'s `expected`). */
export type ExpectedSummary = {
	num_spec_tokens: number;
	mean_acceptance_length: number;
	draft_acceptance_rate: number;
	per_position_acceptance_rate: number[];
	conditional_acceptance_rate: number[];
};

export type LatencySummary = {p50: number | null; p90: number | null; p99: number | null; mean: number | null};

/** What a run produced, as `run --json` prints it and `generate` writes `summary.json`. */
export type RunSummary = {
	config: unknown;
	seed: number;
	virtual_seconds: number;
	spec_decode: SpecDecodeSummary;
	/** The acceptance model's closed forms at the run's k; null when speculation is off (there is nothing to expect). */
	expected: ExpectedSummary | null;
	engines: {
		count: number;
		requests_arrived: number;
		requests_finished: number;
		finished_by_reason: Record<string, number>;
		prompt_tokens: number;
		generation_tokens: number;
		output_tokens_per_s: number;
		requests_per_s: number;
		preemptions: number;
		estimated_speedup_vs_no_spec: number | null;
		ttft_s: LatencySummary;
		inter_token_latency_s: LatencySummary;
		/** Per request, as `vllm bench serve`'s TPOT: first to last token over the tokens after the first (requests of 2+ tokens). */
		time_per_output_token_s: LatencySummary;
		e2e_latency_s: LatencySummary;
	};
	/**
	 * Present when the API server refused requests with HTTP 400 (their prompt did not fit
	 * `max_model_len`): they never reached an engine, so `engines` does not count them.
	 */
	rejected?: {requests: number; status: 400};
	/** Present when a workload class has `conversation`: conversations started, ended, still active, and ended because the next prompt would not fit `max_model_len`. */
	conversations?: {started: number; ended: number; active: number; ended_at_max_model_len: number};
};

/** Summarise a simulation at its current virtual time (all engines together). */
export function summarize(built: BuiltSimulation): RunSummary {
	const {simulation, metrics} = built;
	const elapsed = simulation.now - simulation.startS;
	const totals = readLifetimeCounts(metrics, simulation.now);
	const speculative = isSpeculative(built) || (built.method !== 'none' && totals.numDrafts > 0);
	const k = speculative ? Math.max(1, totals.acceptedPerPos.length) : 0;
	const perPos = Array.from({length: k}, (_, i) => totals.acceptedPerPos[i] ?? 0);
	const {numDrafts, numDraftTokens, numAcceptedTokens, generationTokens, busyS, noSpecBusyS, tokenRequests} = totals;
	const finishedByReason: Record<string, number> = Object.fromEntries(FINISH_REASONS.map(reason => [reason, 0]));
	for (const m of metrics)
		for (const [reason, n] of Object.entries(m.finishedByReason)) finishedByReason[reason] = (finishedByReason[reason] ?? 0) + n;
	const conversations = built.conversations();
	return {
		config: built.config,
		seed: built.seed,
		virtual_seconds: elapsed,
		spec_decode: {
			num_spec_tokens: k,
			num_drafts: numDrafts,
			num_draft_tokens: numDraftTokens,
			num_accepted_tokens: numAcceptedTokens,
			num_accepted_tokens_per_pos: perPos,
			mean_acceptance_length: meanAcceptanceLength(numAcceptedTokens, numDrafts),
			draft_acceptance_rate: finiteOrNull(acceptanceRate(numAcceptedTokens, numDraftTokens)),
			per_position_acceptance_rate: perPos.map(n => (numDrafts > 0 ? n / numDrafts : 0)),
		},
		expected: speculative ? expectedSummary(built) : null,
		engines: {
			count: metrics.length,
			requests_arrived: simulation.numArrived,
			requests_finished: simulation.numFinished,
			finished_by_reason: finishedByReason,
			prompt_tokens: totals.promptTokens,
			generation_tokens: generationTokens,
			output_tokens_per_s: elapsed > 0 ? generationTokens / elapsed : 0,
			requests_per_s: elapsed > 0 ? simulation.numFinished / elapsed : 0,
			preemptions: totals.numPreemptions,
			estimated_speedup_vs_no_spec:
				speculative && busyS > 0 && tokenRequests > 0 ? finiteOrNull(generationTokens / busyS / (tokenRequests / noSpecBusyS)) : null,
			ttft_s: latency(metrics.map(m => m.ttftSketch)),
			inter_token_latency_s: latency(metrics.map(m => m.interTokenLatencySketch)),
			time_per_output_token_s: latency(metrics.map(m => m.tpotSketch)),
			e2e_latency_s: latency(metrics.map(m => m.e2eLatencySketch)),
		},
		...(simulation.numRejected === 0 ? {} : {rejected: {requests: simulation.numRejected, status: 400 as const}}),
		...(conversations === undefined
			? {}
			: {
					conversations: {
						started: conversations.started,
						ended: conversations.ended,
						active: conversations.active,
						ended_at_max_model_len: conversations.rejected,
					},
				}),
	};
}

/** Whether the run drafts at all: `--k 0` and `--method none` turn speculation off. */
export function isSpeculative(built: BuiltSimulation): boolean {
	return built.method !== 'none' && (built.engines[0]?.numSpecTokens ?? 0) > 0;
}

/** The acceptance model's closed forms at the configured k, whether or not the run drafts (a sweep's baseline row wants them). */
export function expectedSummary(built: BuiltSimulation): ExpectedSummary {
	const expected = built.expected();
	return {
		num_spec_tokens: expected.unconditionalRates.length,
		mean_acceptance_length: expected.meanAcceptanceLength,
		draft_acceptance_rate: expected.draftAcceptanceRate,
		per_position_acceptance_rate: [...expected.unconditionalRates],
		conditional_acceptance_rate: [...expected.conditionalRates],
	};
}

/** Percentiles over engines: exact for one engine, the engine-weighted merge otherwise. */
function latency(sketches: readonly QuantileSketch[]): LatencySummary {
	const nonEmpty = sketches.filter(s => s.count > 0);
	if (nonEmpty.length === 0) return {p50: null, p90: null, p99: null, mean: null};
	const merged = nonEmpty.length === 1 ? nonEmpty[0]! : mergeSketches(nonEmpty);
	return {p50: merged.quantile(0.5), p90: merged.quantile(0.9), p99: merged.quantile(0.99), mean: merged.mean};
}

function mergeSketches(sketches: readonly QuantileSketch[]): QuantileSketch {
	const [first, ...rest] = sketches;
	const merged = first!.clone();
	for (const s of rest) merged.merge(s);
	return merged;
}

function finiteOrNull(x: number): number | null {
	return Number.isFinite(x) ? x : null;
}
