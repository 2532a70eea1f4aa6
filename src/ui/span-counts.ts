import {acceptanceRate, meanAcceptanceLength} from '../metrics/stats/derived.js';
import type {EngineMetrics} from '../sim/engine-metrics.js';
import type {SpanView} from './snapshot.js';

/**
 * Raw counters over a span of virtual time, summed over engines. Spans are differences of
 * lifetime totals, so "the last log interval" and "the last second" come from one source.
 */
export type SpanCounts = {
	readonly startS: number;
	readonly endS: number;
	readonly numDrafts: number;
	readonly numDraftTokens: number;
	readonly numAcceptedTokens: number;
	/** vLLM `num_accepted_tokens_per_pos` (as long as the largest k seen). */
	readonly acceptedPerPos: readonly number[];
	/** Drafts with a token at each position (the newest vLLM's `num_draft_tokens_per_pos`). */
	readonly draftedPerPos: readonly number[];
	readonly generationTokens: number;
	readonly busyS: number;
	readonly noSpecBusyS: number;
	readonly tokenRequests: number;
};

/** Lifetime totals of `metrics` at virtual time `nowS`. */
export function readLifetimeCounts(metrics: readonly EngineMetrics[], nowS: number): SpanCounts {
	let startS = nowS;
	let numDrafts = 0;
	let numDraftTokens = 0;
	let numAcceptedTokens = 0;
	let generationTokens = 0;
	let busyS = 0;
	let noSpecBusyS = 0;
	let tokenRequests = 0;
	const perPos: number[] = [];
	const draftedPos: number[] = [];
	for (const m of metrics) {
		const life = m.lifetime;
		startS = Math.min(startS, life.startS);
		numDrafts += life.spec.numDrafts;
		numDraftTokens += life.spec.numDraftTokens;
		numAcceptedTokens += life.spec.numAcceptedTokens;
		generationTokens += life.generationTokens;
		busyS += life.busyS;
		noSpecBusyS += life.noSpecBusyS;
		tokenRequests += life.tokenRequests;
		const acc = life.spec.acceptedPerPos(new Float64Array(life.spec.numSpecTokens));
		for (let i = 0; i < acc.length; i++) perPos[i] = (perPos[i] ?? 0) + acc[i]!;
		const drf = life.spec.draftedPerPos(new Float64Array(life.spec.numSpecTokens));
		for (let i = 0; i < drf.length; i++) draftedPos[i] = (draftedPos[i] ?? 0) + drf[i]!;
	}
	return {
		startS,
		endS: nowS,
		numDrafts,
		numDraftTokens,
		numAcceptedTokens,
		acceptedPerPos: perPos,
		draftedPerPos: draftedPos,
		generationTokens,
		busyS,
		noSpecBusyS,
		tokenRequests,
	};
}

/** What happened between `earlier` and `later` (two readings of the same lifetime totals). */
export function subtractCounts(later: SpanCounts, earlier: SpanCounts): SpanCounts {
	const minus = (a: readonly number[], b: readonly number[]): number[] => {
		const out: number[] = [];
		for (let i = 0; i < Math.max(a.length, b.length); i++) out.push((a[i] ?? 0) - (b[i] ?? 0));
		return out;
	};
	return {
		startS: earlier.endS,
		endS: later.endS,
		numDrafts: later.numDrafts - earlier.numDrafts,
		numDraftTokens: later.numDraftTokens - earlier.numDraftTokens,
		numAcceptedTokens: later.numAcceptedTokens - earlier.numAcceptedTokens,
		acceptedPerPos: minus(later.acceptedPerPos, earlier.acceptedPerPos),
		draftedPerPos: minus(later.draftedPerPos, earlier.draftedPerPos),
		generationTokens: later.generationTokens - earlier.generationTokens,
		busyS: later.busyS - earlier.busyS,
		noSpecBusyS: later.noSpecBusyS - earlier.noSpecBusyS,
		tokenRequests: later.tokenRequests - earlier.tokenRequests,
	};
}

/**
 * Rates of a span, with vLLM's zero-denominator rules (`derived.ts`); per-position entries for
 * positions 0..k−1 (a position never drafted reads 0).
 *
 * @example
 * // 10 drafts of k = 3 with 6, 4 and 2 accepted at positions 0, 1, 2:
 * // unconditional [0.6, 0.4, 0.2], conditional [0.6, 0.667, 0.5], mean length 1 + 12/10 = 2.2
 */
export function deriveSpan(counts: SpanCounts, k: number): SpanView {
	const durationS = counts.endS - counts.startS;
	const perS = (n: number): number => (durationS > 0 ? n / durationS : Number.NaN);
	const unconditional: number[] = [];
	const conditional: number[] = [];
	const acceptedPerPos: number[] = [];
	const draftedPerPos: number[] = [];
	let previous = counts.numDrafts;
	for (let i = 0; i < k; i++) {
		const accepted = counts.acceptedPerPos[i] ?? 0;
		acceptedPerPos.push(accepted);
		draftedPerPos.push(counts.draftedPerPos[i] ?? 0);
		unconditional.push(counts.numDrafts > 0 ? accepted / counts.numDrafts : Number.NaN);
		conditional.push(previous > 0 ? accepted / previous : Number.NaN);
		previous = accepted;
	}
	return {
		durationS,
		numDrafts: counts.numDrafts,
		numDraftTokens: counts.numDraftTokens,
		numAcceptedTokens: counts.numAcceptedTokens,
		acceptedPerPos,
		draftedPerPos,
		acceptanceRate: acceptanceRate(counts.numAcceptedTokens, counts.numDraftTokens),
		meanAcceptanceLength: meanAcceptanceLength(counts.numAcceptedTokens, counts.numDrafts),
		acceptedTokensPerS: perS(counts.numAcceptedTokens),
		draftTokensPerS: perS(counts.numDraftTokens),
		draftsPerS: perS(counts.numDrafts),
		outputTokensPerS: perS(counts.generationTokens),
		unconditionalRates: unconditional,
		conditionalRates: conditional,
		estimatedSpeedup:
			counts.busyS > 0 && counts.tokenRequests > 0 && counts.noSpecBusyS > 0
				? counts.generationTokens / counts.busyS / (counts.tokenRequests / counts.noSpecBusyS)
				: Number.NaN,
	};
}
