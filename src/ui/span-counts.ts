import {acceptanceRate, meanAcceptanceLength} from '../metrics/stats/derived.js';
import type {SpanCounts} from '../sim/span-counts.js';
import type {SpanView} from './snapshot.js';

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
		meanDraftTokens: counts.numDrafts > 0 ? counts.numDraftTokens / counts.numDrafts : Number.NaN,
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

export {readLifetimeCounts, subtractCounts, type SpanCounts} from '../sim/span-counts.js';
