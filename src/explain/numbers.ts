/**
 * The numbers the explanation is written around. The CLI fills them from a preset's closed forms
 * (expected counts for a round number of drafts); the live dashboard fills them from running
 * counters and the model's expectation.
 */
import type {LogFormat} from '../metrics/log/formats.js';
import type {AcceptanceExpectation} from '../speculative/acceptance/model-types.js';
import {extendConditionalRates} from '../speculative/acceptance/spec.js';

/** One row of the "acceptance at each k" table. */
export type ExplainKRow = {
	/** num_speculative_tokens. */
	readonly k: number;
	/** Expected mean acceptance length 1 + Σ_{i<k} r_i. */
	readonly meanAcceptanceLength: number;
	/** Expected draft acceptance rate Σ_{i<k} r_i / k (a fraction). */
	readonly acceptanceRate: number;
	/** r_{k−1}: the share of drafts accepted in full. */
	readonly lastPositionRate: number;
};

/** Inputs of {@link explainSections}. Rates are fractions in [0, 1]. */
export type ExplainNumbers = {
	/** `num_speculative_tokens`. */
	readonly k: number;
	/** r_i = P(N >= i+1), k entries: vLLM's per-position acceptance rate. */
	readonly unconditionalRates: readonly number[];
	/** c_i = r_i / r_{i−1}, k entries (`unconditional_to_conditional_rates`). */
	readonly conditionalRates: readonly number[];
	/** 1 + num_accepted_tokens / num_drafts, from the counts below. */
	readonly meanAcceptanceLength: number;
	/** num_accepted_tokens / num_draft_tokens. */
	readonly acceptanceRate: number;
	/** `num_drafts`. */
	readonly numDrafts: number;
	/** `num_draft_tokens`. */
	readonly numDraftTokens: number;
	/** `num_accepted_tokens`. */
	readonly numAcceptedTokens: number;
	/** The model's expected mean acceptance length 1 + Σ r_i at k. */
	readonly expectedMeanLength: number;
	/** Rows for k = 1 .. max(k, 8); computed from the conditional rates when absent (see {@link kTableFromConditional}). */
	readonly kTable?: readonly ExplainKRow[];
	/** The log layout of the example line. @default 'throughput' */
	readonly logFormat?: LogFormat;
	/** Seconds the example log line covers (for its throughputs). @default 10 */
	readonly logIntervalS?: number;
	/** `num_accepted_tokens_per_pos` for the example line; default round(r_i × numDrafts). */
	readonly acceptedPerPos?: readonly number[];
	/** `num_draft_tokens_per_pos` for the example line; default full-length drafts when drafts × k = draft tokens. */
	readonly draftedPerPos?: readonly number[];
	/** Where the numbers come from, e.g. `preset llama-3.1-8b-eagle3, expected counts for 1000 drafts`. */
	readonly origin?: string;
	/**
	 * The proposer when it drafts variable-length drafts (`ngram`, `suffix`): the counts, computed
	 * for full-length drafts, are then an assumption its runs do not meet. Absent for fixed-length ones.
	 */
	readonly variableLengthMethod?: string;
};

/** Largest k of the default table: max(k, 8). */
export function kTableMax(k: number): number {
	return Math.max(k, 8);
}

/**
 * The k table from conditional rates, continued beyond their length the way specsim extends a
 * preset's conditional rates (`extendConditionalRates`: the last rate decayed by a fitted factor).
 */
export function kTableFromConditional(conditional: readonly number[], maxK: number): ExplainKRow[] {
	const rates = extendConditionalRates(conditional, Math.max(maxK, 1));
	const rows: ExplainKRow[] = [];
	let r = 1;
	let sum = 0;
	for (let k = 1; k <= maxK; k++) {
		r *= rates[k - 1]!;
		sum += r;
		rows.push({k, meanAcceptanceLength: 1 + sum, acceptanceRate: sum / k, lastPositionRate: r});
	}
	return rows;
}

/** Options of {@link explainNumbersFromExpectation}. */
export type ExpectationCountsOptions = {
	/** Drafts to turn the expectation into counts. @default 1000 */
	readonly numDrafts?: number;
	readonly kTable?: readonly ExplainKRow[];
	readonly logFormat?: LogFormat;
	readonly logIntervalS?: number;
	readonly origin?: string;
	readonly variableLengthMethod?: string;
};

/**
 * Numbers for a model's closed forms: expected counts for `numDrafts` full-length drafts
 * (acc_pos[i] = round(r_i × drafts), draft tokens = k × drafts).
 */
export function explainNumbersFromExpectation(expectation: AcceptanceExpectation, options: ExpectationCountsOptions = {}): ExplainNumbers {
	const numDrafts = options.numDrafts ?? 1000;
	if (!Number.isInteger(numDrafts) || numDrafts < 1) throw new RangeError(`numDrafts must be a positive integer, got ${numDrafts}`);
	const r = expectation.unconditionalRates;
	const k = r.length;
	const acceptedPerPos = r.map(x => Math.round(x * numDrafts));
	const numAcceptedTokens = acceptedPerPos.reduce((a, b) => a + b, 0);
	const numDraftTokens = k * numDrafts;
	return {
		k,
		unconditionalRates: r,
		conditionalRates: expectation.conditionalRates,
		meanAcceptanceLength: 1 + numAcceptedTokens / numDrafts,
		acceptanceRate: numAcceptedTokens / numDraftTokens,
		numDrafts,
		numDraftTokens,
		numAcceptedTokens,
		expectedMeanLength: expectation.meanAcceptanceLength,
		acceptedPerPos,
		draftedPerPos: new Array<number>(k).fill(numDrafts),
		...(options.kTable ? {kTable: options.kTable} : {}),
		...(options.logFormat ? {logFormat: options.logFormat} : {}),
		...(options.logIntervalS !== undefined ? {logIntervalS: options.logIntervalS} : {}),
		...(options.origin ? {origin: options.origin} : {}),
		...(options.variableLengthMethod ? {variableLengthMethod: options.variableLengthMethod} : {}),
	};
}

/** Throw unless the numbers are usable (k >= 1, k rates each, counts non-negative). */
export function checkExplainNumbers(n: ExplainNumbers): void {
	if (!Number.isInteger(n.k) || n.k < 1) throw new RangeError(`k must be a positive integer, got ${n.k}`);
	if (n.unconditionalRates.length !== n.k)
		throw new RangeError(`unconditionalRates must have k = ${n.k} entries, got ${n.unconditionalRates.length}`);
	if (n.conditionalRates.length !== n.k) throw new RangeError(`conditionalRates must have k = ${n.k} entries, got ${n.conditionalRates.length}`);
	for (const [field, value] of [
		['numDrafts', n.numDrafts],
		['numDraftTokens', n.numDraftTokens],
		['numAcceptedTokens', n.numAcceptedTokens],
	] as const) {
		if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`${field} must be a finite number >= 0, got ${value}`);
	}
}
