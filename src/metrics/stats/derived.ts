/**
 * Derived spec-decoding quantities, each with vLLM's zero-denominator rule. Components and
 * loggers format these; they never recompute them.
 */

/** Draft acceptance rate as a fraction: accepted / drafted, NaN with no draft tokens (vLLM prints `nan%`). */
export const acceptanceRate = (numAcceptedTokens: number, numDraftTokens: number): number =>
	numDraftTokens > 0 ? numAcceptedTokens / numDraftTokens : Number.NaN;

/**
 * Mean acceptance length, which by convention includes the bonus token: 1 + accepted / drafts,
 * and 1 with no drafts (vLLM's `compute_acceptance_len`).
 */
export const meanAcceptanceLength = (numAcceptedTokens: number, numDrafts: number): number => (numDrafts > 0 ? 1 + numAcceptedTokens / numDrafts : 1);
