/**
 * How a preset states acceptance, and how any statement is resolved into k conditional
 * per-position rates at ANY draft length k (the user can change k live).
 */
import {alphaForMeanLength, geometricConditionalRates, minimumVarianceRates, unconditionalToConditional} from './conversions.js';
import {checkConditionalRates, checkDraftLength, checkProbability, checkUnconditionalRates} from './validate.js';

/** Per-position *unconditional* rates `r_i = P(N >= i+1)`, vLLM's reported convention (non-increasing). */
export type UnconditionalAcceptanceSpec = {readonly kind: 'unconditional'; readonly rates: readonly number[]};
/** Per-position *conditional* rates `c_i = P(accept i | 0..i-1 accepted)` (EAGLE's "n-α"). */
export type ConditionalAcceptanceSpec = {readonly kind: 'conditional'; readonly rates: readonly number[]};
/** Leviathan's i.i.d. model: every position accepted with probability alpha. */
export type ConstantAcceptanceSpec = {readonly kind: 'constant'; readonly alpha: number};
/** Conditional rates `c_i = min(1, first · decay^i)`. */
export type GeometricAcceptanceSpec = {readonly kind: 'geometric'; readonly first: number; readonly decay: number};
/** i.i.d. alpha solved so that the mean acceptance length at the model's k is `length`. */
export type MeanLengthAcceptanceSpec = {readonly kind: 'mean-length'; readonly length: number};
/** vLLM `synthetic_acceptance_rates`: unconditional, non-increasing rates. */
export type SyntheticRatesAcceptanceSpec = {readonly kind: 'synthetic'; readonly rates: readonly number[]; readonly length?: undefined};
/** vLLM `synthetic_acceptance_length`: the minimum-variance schedule with mean acceptance length L. */
export type SyntheticLengthAcceptanceSpec = {readonly kind: 'synthetic'; readonly length: number; readonly rates?: undefined};

/** Every way a preset can state acceptance. */
export type AcceptanceSpec =
	| UnconditionalAcceptanceSpec
	| ConditionalAcceptanceSpec
	| ConstantAcceptanceSpec
	| GeometricAcceptanceSpec
	| MeanLengthAcceptanceSpec
	| SyntheticRatesAcceptanceSpec
	| SyntheticLengthAcceptanceSpec;

/**
 * Check a spec's numbers (ranges, monotonicity, exactly one of synthetic rates/length).
 *
 * @throws RangeError naming the field and value; TypeError for an unknown kind.
 */
export function validateAcceptanceSpec(spec: AcceptanceSpec): void {
	switch (spec.kind) {
		case 'unconditional':
			checkRatesPresent(spec.rates, 'unconditional.rates');
			checkUnconditionalRates(spec.rates, 'unconditional.rates');
			return;
		case 'conditional':
			checkRatesPresent(spec.rates, 'conditional.rates');
			checkConditionalRates(spec.rates, 'conditional.rates');
			return;
		case 'constant':
			checkProbability(spec.alpha, 'constant.alpha');
			return;
		case 'geometric':
			checkProbability(spec.first, 'geometric.first');
			if (!(spec.decay >= 0 && Number.isFinite(spec.decay))) {
				throw new RangeError(`geometric.decay must be a finite number >= 0, got ${spec.decay}`);
			}
			return;
		case 'mean-length':
			if (!(spec.length >= 1 && Number.isFinite(spec.length))) {
				throw new RangeError(`mean-length.length must be a finite number >= 1, got ${spec.length}`);
			}
			return;
		case 'synthetic': {
			const hasRates = spec.rates !== undefined;
			const hasLength = spec.length !== undefined;
			if (hasRates === hasLength) {
				throw new RangeError('synthetic acceptance needs exactly one of synthetic_acceptance_rates (rates) or synthetic_acceptance_length (length)');
			}
			if (spec.rates !== undefined) {
				checkRatesPresent(spec.rates, 'synthetic.rates');
				checkUnconditionalRates(spec.rates, 'synthetic.rates');
			} else if (!(spec.length! >= 1 && Number.isFinite(spec.length))) {
				throw new RangeError(`synthetic.length must be a finite number >= 1, got ${spec.length}`);
			}
			return;
		}
		default:
			throw new TypeError(
				`Unknown acceptance spec kind "${(spec as {kind: unknown}).kind}"; known: unconditional, conditional, constant, geometric, mean-length, synthetic`,
			);
	}
}

function checkRatesPresent(rates: readonly number[], field: string): void {
	if (!Array.isArray(rates) || rates.length === 0) throw new RangeError(`${field} must be a non-empty array of rates, got ${JSON.stringify(rates)}`);
}

/**
 * The spec's conditional rates at draft length k (k entries).
 *
 * - Rates stated for k0 positions are truncated when k < k0. When k > k0 they are extended
 *   (see {@link extendConditionalRates}): the conditional rate of the last stated position is
 *   continued, decayed geometrically by the factor fitted to the last (up to 3) stated conditional
 *   rates.
 * - `constant`, `geometric` are parametric in position; `mean-length` solves alpha at this k, and
 *   `synthetic` with a length rebuilds the minimum-variance schedule at this k. A length above
 *   k+1 is capped at k+1 (every token accepted) so a live k change never fails.
 */
export function resolveConditionalRates(spec: AcceptanceSpec, k: number): Float64Array {
	validateAcceptanceSpec(spec);
	checkDraftLength(k);
	if (k < 1) throw new RangeError(`k (num_speculative_tokens) must be >= 1, got ${k}`);
	switch (spec.kind) {
		case 'unconditional':
			return extendConditionalRates(unconditionalToConditional(spec.rates), k);
		case 'conditional':
			return extendConditionalRates(spec.rates, k);
		case 'constant':
			return new Float64Array(k).fill(spec.alpha);
		case 'geometric':
			return Float64Array.from(geometricConditionalRates(spec.first, spec.decay, k));
		case 'mean-length':
			return new Float64Array(k).fill(alphaForMeanLength(Math.min(spec.length, k + 1), k));
		case 'synthetic':
			if (spec.rates !== undefined) return extendConditionalRates(unconditionalToConditional(spec.rates), k);
			return Float64Array.from(unconditionalToConditional(minimumVarianceRates(Math.min(spec.length, k + 1), k)));
	}
}

/**
 * Resize conditional rates to k entries.
 *
 * Truncates when k <= k0. Extends past the last stated rate c = c_{k0−1} with
 * `c_{k0−1+t} = c · d^t`, where d is the geometric decay fitted by least squares to
 * `ln c_i` over the last min(3, k0) stated positions, capped at 1 (extended rates never grow).
 * With one stated rate, or a 0 among the fitted rates, the rate is continued unchanged (d = 1).
 *
 * @example
 * // EAGLE-1 Vicuna-7B n-α 0.79, 0.74, 0.72, 0.73: d = sqrt(0.73/0.74) ≈ 0.99322
 * extendConditionalRates([0.79, 0.74, 0.72, 0.73], 6) // [0.79, 0.74, 0.72, 0.73, 0.72505, 0.72014]
 */
export function extendConditionalRates(conditional: ArrayLike<number>, k: number): Float64Array {
	const k0 = conditional.length;
	const out = new Float64Array(k);
	for (let i = 0; i < Math.min(k, k0); i++) out[i] = conditional[i]!;
	if (k <= k0) return out;
	if (k0 === 0) throw new RangeError('cannot extend an empty list of acceptance rates');
	const last = conditional[k0 - 1]!;
	const decay = fittedDecay(conditional);
	let c = last;
	for (let i = k0; i < k; i++) {
		c *= decay;
		out[i] = c;
	}
	return out;
}

/** Least-squares slope of ln c_i against i over the last min(3, k0) positions, as a factor in [0, 1]. */
export function fittedDecay(conditional: ArrayLike<number>): number {
	const k0 = conditional.length;
	const window = Math.min(3, k0);
	if (window < 2) return 1;
	// A zero inside the window makes every later unconditional rate 0 anyway; continue unchanged.
	for (let t = k0 - window; t < k0; t++) if (!(conditional[t]! > 0)) return 1;
	let meanX = 0;
	let meanY = 0;
	for (let t = 0; t < window; t++) {
		meanX += t;
		meanY += Math.log(conditional[k0 - window + t]!);
	}
	meanX /= window;
	meanY /= window;
	let sxy = 0;
	let sxx = 0;
	for (let t = 0; t < window; t++) {
		const dx = t - meanX;
		sxy += dx * (Math.log(conditional[k0 - window + t]!) - meanY);
		sxx += dx * dx;
	}
	return Math.min(1, Math.exp(sxy / sxx));
}
