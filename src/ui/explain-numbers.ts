import {kTableFromConditional, kTableMax, type ExplainNumbers, type ExplainSection} from '../explain/index.js';
import type {DashboardSnapshot} from './snapshot.js';

/** Turns live numbers into the explain panel's sections (`explainSections` from `src/explain`). */
export type ExplainFn = (numbers: ExplainNumbers) => readonly ExplainSection[];

/**
 * The explain panel's numbers: the counters since start, or since the last live k change (large
 * counts, exact identities, one k), and the model's expectation at the current k. Rates without a denominator read 0, as vLLM's reader
 * example and `unconditional_to_conditional_rates` do, so the text never shows NaN.
 */
export function explainNumbersOf(snapshot: DashboardSnapshot): ExplainNumbers {
	const {lifetime, expected, header} = snapshot;
	const orZero = (x: number): number => (Number.isFinite(x) ? x : 0);
	return {
		k: header.k,
		unconditionalRates: lifetime.unconditionalRates.map(orZero),
		conditionalRates: lifetime.conditionalRates.map(orZero),
		meanAcceptanceLength: lifetime.meanAcceptanceLength,
		acceptanceRate: orZero(lifetime.acceptanceRate),
		numDrafts: lifetime.numDrafts,
		numDraftTokens: lifetime.numDraftTokens,
		numAcceptedTokens: lifetime.numAcceptedTokens,
		expectedMeanLength: expected.meanAcceptanceLength,
		kTable: kTableFromConditional(expected.conditionalRates, kTableMax(header.k)),
		logFormat: header.logFormat,
		logIntervalS: header.logIntervalS,
		acceptedPerPos: lifetime.acceptedPerPos,
		draftedPerPos: lifetime.draftedPerPos,
		origin:
			snapshot.kChange === undefined
				? `live counters since start (${header.preset}, ${header.method} k=${header.k})`
				: `live counters of the drafts at k=${header.k} since k changed from ${snapshot.kChange.fromK} (${header.preset}, ${header.method})`,
	};
}
