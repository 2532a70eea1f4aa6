import type {QuantileSketch} from '../metrics/stats/histogram.js';
import {SpecDecodingWindow} from '../metrics/log/window.js';
import {acceptanceRate, meanAcceptanceLength} from '../metrics/stats/derived.js';
import type {BuiltSimulation} from './build.js';

/** Spec-decode totals in vLLM's vocabulary (`summary.json`'s `spec_decode` and `expected`). */
export type SpecDecodeSummary = {
	num_drafts: number;
	num_draft_tokens: number;
	num_accepted_tokens: number;
	num_accepted_tokens_per_pos: number[];
	mean_acceptance_length: number;
	draft_acceptance_rate: number | null;
	per_position_acceptance_rate: number[];
};

export type LatencySummary = {p50: number | null; p90: number | null; p99: number | null; mean: number | null};

/** What a run produced, as `run --json` prints it and `generate` writes `summary.json`. */
export type RunSummary = {
	config: unknown;
	seed: number;
	virtual_seconds: number;
	spec_decode: SpecDecodeSummary;
	expected: {
		num_spec_tokens: number;
		mean_acceptance_length: number;
		draft_acceptance_rate: number;
		per_position_acceptance_rate: number[];
		conditional_acceptance_rate: number[];
	};
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
		e2e_latency_s: LatencySummary;
	};
};

/** Summarise a simulation at its current virtual time (all engines together). */
export function summarize(built: BuiltSimulation): RunSummary {
	const {simulation, metrics} = built;
	const elapsed = simulation.now - simulation.startS;
	const k = Math.max(1, ...metrics.map(m => m.lifetime.spec.numSpecTokens));
	const spec = new SpecDecodingWindow(k);
	let promptTokens = 0;
	let generationTokens = 0;
	let preemptions = 0;
	let busyS = 0;
	let noSpecBusyS = 0;
	let tokenRequests = 0;
	const finishedByReason: Record<string, number> = {stop: 0, length: 0, abort: 0};
	for (const m of metrics) {
		addWindow(spec, m.lifetime.spec);
		promptTokens += m.lifetime.promptTokens;
		generationTokens += m.lifetime.generationTokens;
		preemptions += m.lifetime.numPreemptions;
		busyS += m.lifetime.busyS;
		noSpecBusyS += m.lifetime.noSpecBusyS;
		tokenRequests += m.lifetime.tokenRequests;
		for (const [reason, n] of Object.entries(m.finishedByReason)) finishedByReason[reason] = (finishedByReason[reason] ?? 0) + n;
	}
	const perPos = Array.from(spec.acceptedPerPos(new Float64Array(k)));
	const expected = built.expected();
	return {
		config: built.config,
		seed: built.seed,
		virtual_seconds: elapsed,
		spec_decode: {
			num_drafts: spec.numDrafts,
			num_draft_tokens: spec.numDraftTokens,
			num_accepted_tokens: spec.numAcceptedTokens,
			num_accepted_tokens_per_pos: perPos,
			mean_acceptance_length: meanAcceptanceLength(spec.numAcceptedTokens, spec.numDrafts),
			draft_acceptance_rate: finiteOrNull(acceptanceRate(spec.numAcceptedTokens, spec.numDraftTokens)),
			per_position_acceptance_rate: perPos.map(n => (spec.numDrafts > 0 ? n / spec.numDrafts : 0)),
		},
		expected: {
			num_spec_tokens: expected.unconditionalRates.length,
			mean_acceptance_length: expected.meanAcceptanceLength,
			draft_acceptance_rate: expected.draftAcceptanceRate,
			per_position_acceptance_rate: [...expected.unconditionalRates],
			conditional_acceptance_rate: [...expected.conditionalRates],
		},
		engines: {
			count: metrics.length,
			requests_arrived: simulation.numArrived,
			requests_finished: simulation.numFinished,
			finished_by_reason: finishedByReason,
			prompt_tokens: promptTokens,
			generation_tokens: generationTokens,
			output_tokens_per_s: elapsed > 0 ? generationTokens / elapsed : 0,
			requests_per_s: elapsed > 0 ? simulation.numFinished / elapsed : 0,
			preemptions,
			estimated_speedup_vs_no_spec: busyS > 0 && tokenRequests > 0 ? finiteOrNull(generationTokens / busyS / (tokenRequests / noSpecBusyS)) : null,
			ttft_s: latency(metrics.map(m => m.ttftSketch)),
			inter_token_latency_s: latency(metrics.map(m => m.interTokenLatencySketch)),
			e2e_latency_s: latency(metrics.map(m => m.e2eLatencySketch)),
		},
	};
}

function addWindow(into: SpecDecodingWindow, from: SpecDecodingWindow): void {
	into.numObservations += from.numObservations;
	into.numDrafts += from.numDrafts;
	into.numDraftTokens += from.numDraftTokens;
	into.numAcceptedTokens += from.numAcceptedTokens;
	for (let j = 0; j <= from.numSpecTokens; j++) {
		into.acceptedHistogram[j]! += from.acceptedHistogram[j]!;
		into.draftedHistogram[j]! += from.draftedHistogram[j]!;
	}
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
