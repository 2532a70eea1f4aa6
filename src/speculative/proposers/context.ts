/** Helpers shared by the proposers (O(1), allocation-free). */
import type {ProposeContext} from './types.js';

/**
 * Throw unless `0 <= maxDraft <= k` (integers) — the engine's caps must never exceed k.
 * One comparison chain on the hot path.
 */
export function checkContext(ctx: ProposeContext): void {
	const {k, maxDraft} = ctx;
	if (!(maxDraft >= 0 && maxDraft <= k) || (maxDraft | 0) !== maxDraft || (k | 0) !== k) {
		throw new RangeError(`propose needs integers 0 <= maxDraft <= k, got maxDraft=${maxDraft}, k=${k}`);
	}
}

/**
 * A geometric length on {1, 2, …} with the given mean (>= 1) from one uniform u in [0, 1), by
 * inversion: `P(S = s) = (1 − q) q^(s−1)` with `q = 1 − 1/mean`.
 */
export function geometricLength(mean: number, u: number): number {
	if (mean <= 1) return 1;
	const q = 1 - 1 / mean;
	return 1 + Math.floor(Math.log1p(-u) / Math.log(q));
}

/** Throw unless `value` is an integer >= min. */
export function checkInteger(value: number, field: string, min: number): void {
	if (!Number.isInteger(value) || value < min) throw new RangeError(`${field} must be an integer >= ${min}, got ${value}`);
}

/** Throw unless every per-class hit rate is in [0, 1]; returns them. */
export function checkHitRates(hitRates: readonly number[]): readonly number[] {
	if (hitRates.length === 0) throw new RangeError('hitRates must not be empty');
	for (let i = 0; i < hitRates.length; i++) {
		const h = hitRates[i]!;
		if (!(h >= 0 && h <= 1)) throw new RangeError(`hitRates[${i}] must be a number in [0, 1], got ${h}`);
	}
	return hitRates;
}

/** Throw unless the class index has a hit rate. */
export function checkClassIndex(classIndex: number, hitRates: readonly number[]): void {
	if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= hitRates.length) {
		throw new RangeError(`classIndex must be an integer in [0, ${hitRates.length}) (one hitRates entry per class), got ${classIndex}`);
	}
}

/** What a proposer remembers of its previous proposal for a request. */
export type LastProposal = {lastContext: number; lastDraft: number};

/**
 * Whether the previous draft was (partly) rejected: the context grew by less than the draft
 * plus the bonus token since that proposal. Proposers are called only on scheduled decode
 * steps, with the engine's caps already in `maxDraft`, so a trimmed draft is never misread.
 */
export function previousDraftRejected(state: LastProposal, context: number): boolean {
	return state.lastDraft > 0 && context - state.lastContext < state.lastDraft + 1;
}
