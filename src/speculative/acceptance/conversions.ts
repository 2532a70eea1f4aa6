/**
 * Per-position acceptance rates: conversions, schedules and closed forms.
 *
 * Terms (vLLM and Leviathan et al. 2023, arXiv:2211.17192):
 * - *unconditional* rate `r_i = P(N >= i+1)`: the share of full-length drafts whose first i+1
 *   tokens were all accepted. This is what vLLM's "Per-position acceptance rate" reports and what
 *   `synthetic_acceptance_rates` takes; it is non-increasing in i.
 * - *conditional* rate `c_i = P(accept i | accepted 0..i-1) = r_i / r_{i-1}` with `r_{-1} = 1`,
 *   and `r_i = c_0 · c_1 · … · c_i`.
 * - N, the number of accepted draft tokens of a draft of length k, is in 0..k; the *mean
 *   acceptance length* `1 + E[N]` includes the bonus (or recovered) token.
 *
 * Functions that return rates return plain arrays of unconditional rates unless their name says
 * otherwise. Inputs are validated; errors name the index and the values.
 */
import {checkConditionalRates, checkDraftLength, checkProbability, checkUnconditionalRates} from './validate.js';

/**
 * vLLM's `unconditional_to_conditional_rates`: `c_i = r_i / r_{i-1}` with `r_{-1} = 1`, and
 * `c_i = 0` when `r_{i-1} = 0`.
 *
 * @example unconditionalToConditional([0.8, 0.4, 0, 0]) // [0.8, 0.5, 0, 0]
 * @throws RangeError if a rate is outside [0, 1] or the rates increase.
 */
export function unconditionalToConditional(rates: ArrayLike<number>): number[] {
	checkUnconditionalRates(rates);
	const out = new Array<number>(rates.length);
	let previous = 1;
	for (let i = 0; i < rates.length; i++) {
		const r = rates[i]!;
		out[i] = previous > 0 ? r / previous : 0;
		previous = r;
	}
	return out;
}

/** `r_i = c_0 · … · c_i`, the inverse of {@link unconditionalToConditional}. */
export function conditionalToUnconditional(conditional: ArrayLike<number>): number[] {
	checkConditionalRates(conditional, 'conditional');
	const out = new Array<number>(conditional.length);
	let product = 1;
	for (let i = 0; i < conditional.length; i++) {
		product *= conditional[i]!;
		out[i] = product;
	}
	return out;
}

/** Leviathan's i.i.d. model: every position is accepted with probability alpha, so `r_i = alpha^(i+1)`. */
export function iidRates(alpha: number, k: number): number[] {
	checkProbability(alpha, 'alpha');
	checkDraftLength(k);
	const out = new Array<number>(k);
	let product = 1;
	for (let i = 0; i < k; i++) {
		product *= alpha;
		out[i] = product;
	}
	return out;
}

/**
 * Geometric decay with position: conditional rates `c_i = min(1, first · decay^i)`; returns the
 * unconditional rates `r_i = c_0 · … · c_i`.
 */
export function geometricRates(first: number, decay: number, k: number): number[] {
	return conditionalToUnconditional(geometricConditionalRates(first, decay, k));
}

/** The conditional rates of {@link geometricRates}: `c_i = min(1, first · decay^i)`. */
export function geometricConditionalRates(first: number, decay: number, k: number): number[] {
	checkProbability(first, 'first');
	if (!(decay >= 0 && Number.isFinite(decay))) throw new RangeError(`decay must be a finite number >= 0, got ${decay}`);
	checkDraftLength(k);
	const out = new Array<number>(k);
	let c = first;
	for (let i = 0; i < k; i++) {
		out[i] = Math.min(1, c);
		c *= decay;
	}
	return out;
}

/**
 * vLLM's minimum-variance schedule for `synthetic_acceptance_length` L in [1, k+1]: the first
 * ⌊L−1⌋ positions get rate 1, the next one the fractional part of L−1, the rest 0 (k entries), so
 * every draft accepts either ⌊L−1⌋ or ⌈L−1⌉ tokens and the mean acceptance length is exactly L.
 *
 * @example minimumVarianceRates(2.5, 4) // [1, 0.5, 0, 0]
 */
export function minimumVarianceRates(length: number, k: number): number[] {
	checkDraftLength(k);
	if (!(length >= 1 && length <= k + 1)) {
		throw new RangeError(`synthetic_acceptance_length must be in [1, k+1] = [1, ${k + 1}], got ${length}`);
	}
	const accepted = length - 1;
	const whole = Math.floor(accepted);
	const out = new Array<number>(k).fill(0);
	for (let i = 0; i < whole && i < k; i++) out[i] = 1;
	if (whole < k) out[whole] = accepted - whole;
	return out;
}

/**
 * Mean acceptance length of the i.i.d. model, `(1 − a^(k+1)) / (1 − a) = Σ_{i=0..k} a^i`
 * (Leviathan's expected tokens per step; `k+1` at a = 1).
 */
export function iidMeanLength(alpha: number, k: number): number {
	checkProbability(alpha, 'alpha');
	checkDraftLength(k);
	let sum = 0;
	let power = 1;
	for (let i = 0; i <= k; i++) {
		sum += power;
		power *= alpha;
	}
	return sum;
}

/**
 * The i.i.d. acceptance alpha whose mean acceptance length at draft length k is L, i.e. the root
 * of `(1 − a^(k+1)) / (1 − a) = L`, by bisection (the left side increases with a).
 *
 * @throws RangeError unless L is in [1, k+1] and k >= 1.
 */
export function alphaForMeanLength(length: number, k: number): number {
	checkDraftLength(k);
	if (k < 1) throw new RangeError(`k must be >= 1 to solve for alpha, got ${k}`);
	if (!(length >= 1 && length <= k + 1)) {
		throw new RangeError(`mean acceptance length must be in [1, k+1] = [1, ${k + 1}], got ${length}`);
	}
	if (length === 1) return 0;
	if (length === k + 1) return 1;
	let lo = 0;
	let hi = 1;
	for (let iteration = 0; iteration < 200 && hi - lo > 1e-16; iteration++) {
		const mid = 0.5 * (lo + hi);
		if (iidMeanLength(mid, k) < length) lo = mid;
		else hi = mid;
	}
	return 0.5 * (lo + hi);
}

/** Mean acceptance length `1 + Σ r_i` for full-length drafts (includes the bonus token). */
export function meanAcceptanceLength(rates: ArrayLike<number>): number {
	checkUnconditionalRates(rates);
	return 1 + sum(rates);
}

/**
 * Draft acceptance rate `Σ r_i / k` (a 0..1 fraction, vLLM's accepted / drafted for fixed-length
 * drafts); NaN when k = 0, as vLLM's rate with no draft tokens.
 */
export function draftAcceptanceRate(rates: ArrayLike<number>): number {
	checkUnconditionalRates(rates);
	return rates.length === 0 ? Number.NaN : sum(rates) / rates.length;
}

/**
 * Distribution of the accepted count N over 0..k: `P(N = j) = r_{j−1} − r_j` for j < k (with
 * `r_{−1} = 1`) and `P(N = k) = r_{k−1}`. This is the per-request `acceptance_histogram`'s
 * expectation.
 */
export function acceptedLengthDistribution(rates: ArrayLike<number>): number[] {
	checkUnconditionalRates(rates);
	const k = rates.length;
	const out = new Array<number>(k + 1);
	let previous = 1;
	for (let j = 0; j < k; j++) {
		const r = rates[j]!;
		out[j] = previous - r;
		previous = r;
	}
	out[k] = previous;
	return out;
}

/**
 * Expected walltime improvement of speculative decoding, Leviathan's `S` generalised to
 * per-position rates: `(1 + Σ r_i) / (k·c + 1)`, where c = draft-step time / target-step time.
 * For i.i.d. rates it equals `(1 − a^(k+1)) / ((1 − a)(k·c + 1))`.
 */
export function expectedSpeedup(rates: ArrayLike<number>, costRatio: number): number {
	checkUnconditionalRates(rates);
	if (!(costRatio >= 0 && Number.isFinite(costRatio))) throw new RangeError(`costRatio must be a finite number >= 0, got ${costRatio}`);
	return (1 + sum(rates)) / (rates.length * costRatio + 1);
}

/** Result of {@link optimalIidK}. */
export type OptimalK = {
	/** The draft length γ* (vLLM's `num_speculative_tokens`). */
	readonly k: number;
	/** The expected speedup at γ*. */
	readonly speedup: number;
};

/**
 * Leviathan's optimal draft length `γ* = argmax_γ S(alpha, γ, c)` over γ in 1..maxK. S is unimodal
 * in γ for alpha < 1 and c > 0, so the scan stops at the first decrease.
 *
 * @example optimalIidK(0.8, 0.05) // {k: 8, speedup: 3.09…}
 */
export function optimalIidK(alpha: number, costRatio: number, maxK = 256): OptimalK {
	checkProbability(alpha, 'alpha');
	if (!(costRatio >= 0 && Number.isFinite(costRatio))) throw new RangeError(`costRatio must be a finite number >= 0, got ${costRatio}`);
	if (!Number.isInteger(maxK) || maxK < 1) throw new RangeError(`maxK must be a positive integer, got ${maxK}`);
	let best: OptimalK = {k: 1, speedup: iidMeanLength(alpha, 1) / (costRatio + 1)};
	for (let k = 2; k <= maxK; k++) {
		const speedup = iidMeanLength(alpha, k) / (k * costRatio + 1);
		if (speedup <= best.speedup) break;
		best = {k, speedup};
	}
	return best;
}

function sum(values: ArrayLike<number>): number {
	let total = 0;
	for (let i = 0; i < values.length; i++) total += values[i]!;
	return total;
}
