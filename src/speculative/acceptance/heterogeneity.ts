/**
 * Request-to-request heterogeneity of acceptance.
 *
 * Each request draws an acceptance *level* ℓ ~ Beta(mean m, concentration κ), i.e.
 * Beta(m·κ, (1−m)·κ), discretised into `levels` equal-probability bins represented by their
 * quantile midpoints `q((j + 0.5)/levels)`. The midpoints' mean differs slightly from m, so they
 * are shifted by one common offset in logit space (found by bisection) that makes their mean
 * exactly m. Larger κ means less spread; the variance of ℓ is about m(1−m)/(κ+1).
 *
 * How a level acts:
 * - `constant` alpha: the level IS the request's alpha (m = alpha), so `c_i(req) = ℓ` at every
 *   position and the population is a Beta mixture of i.i.d. models (its first-position rate is
 *   alpha; later positions are higher than alpha^(i+1) because good requests survive longer).
 * - any per-position spec: the level is a per-request offset in logit space,
 *   `c_i(req) = σ(logit(b_i) + z)` with `z = logit(ℓ) − logit(m)`, where m is the mean of the
 *   spec's conditional rates strictly inside (0, 1) (0.5 if there are none). Rates of exactly 0
 *   or 1 stay 0 or 1 for every request (a vLLM minimum-variance schedule keeps its shape), and
 *   at a position whose base rate equals m the request's rate is exactly its level ℓ. The base
 *   rates `b_i` are solved position by position, by bisection over the discrete level mixture, so
 *   that the POPULATION unconditional rates equal the target rates exactly.
 */
import {betaQuantileMidpoints} from './beta.js';

/** Per-request heterogeneity of acceptance. */
export type HeterogeneitySpec = {
	/** κ > 0, the Beta concentration (a + b). Larger is more homogeneous. */
	readonly concentration: number;
	/**
	 * Number of equal-probability bins the Beta is discretised into (one table each).
	 *
	 * @default 32
	 */
	readonly levels?: number;
};

/** {@link HeterogeneitySpec.levels} default. */
export const DEFAULT_HETEROGENEITY_LEVELS = 32;
/** Upper bound on {@link HeterogeneitySpec.levels} (memory: one alias table per level). */
export const MAX_HETEROGENEITY_LEVELS = 1024;

const LEVEL_CLAMP = 1e-12;

/** Throw unless the heterogeneity spec is usable; returns its level count. */
export function validateHeterogeneity(spec: HeterogeneitySpec): number {
	if (!(spec.concentration > 0 && spec.concentration <= 1e7)) {
		throw new RangeError(`heterogeneity.concentration must be a number in (0, 1e7], got ${spec.concentration}`);
	}
	const levels = spec.levels ?? DEFAULT_HETEROGENEITY_LEVELS;
	if (!Number.isInteger(levels) || levels < 1 || levels > MAX_HETEROGENEITY_LEVELS) {
		throw new RangeError(`heterogeneity.levels must be an integer in [1, ${MAX_HETEROGENEITY_LEVELS}], got ${levels}`);
	}
	return levels;
}

/** The logistic function σ(t) = 1 / (1 + e^−t). */
export function sigmoid(t: number): number {
	return 1 / (1 + Math.exp(-t));
}

/** logit(p) = ln(p / (1 − p)). */
export function logit(p: number): number {
	return Math.log(p / (1 - p));
}

/**
 * The discretised level values for mean m and concentration κ, in increasing order, with mean
 * exactly m (see the module comment). m of 0 or 1 gives every level m.
 */
export function acceptanceLevels(mean: number, concentration: number, levels: number): Float64Array {
	if (!(mean > 0 && mean < 1)) return new Float64Array(levels).fill(mean);
	const midpoints = betaQuantileMidpoints(mean * concentration, (1 - mean) * concentration, levels);
	const logits = new Float64Array(levels);
	for (let j = 0; j < levels; j++) logits[j] = logit(Math.min(1 - LEVEL_CLAMP, Math.max(LEVEL_CLAMP, midpoints[j]!)));
	const meanAt = (shift: number): number => {
		let total = 0;
		for (let j = 0; j < levels; j++) total += sigmoid(logits[j]! + shift);
		return total / levels;
	};
	const shift = bisectIncreasing(meanAt, mean);
	const out = new Float64Array(levels);
	for (let j = 0; j < levels; j++) out[j] = sigmoid(logits[j]! + shift);
	return out;
}

/**
 * The representative mean level of per-position conditional rates: the mean of the rates
 * strictly inside (0, 1), clamped to [0.01, 0.99]; 0.5 if every rate is 0 or 1.
 */
export function representativeLevel(conditional: ArrayLike<number>): number {
	let total = 0;
	let count = 0;
	for (let i = 0; i < conditional.length; i++) {
		const c = conditional[i]!;
		if (c > 0 && c < 1) {
			total += c;
			count++;
		}
	}
	return count === 0 ? 0.5 : Math.min(0.99, Math.max(0.01, total / count));
}

/**
 * Solve per-level conditional rates `c_i(j) = σ(x_i + z_j)` (level-major output `out[j·k + i]`)
 * so that the mixture over levels with `weights` (summing to 1; equal by default) has
 * unconditional rates `target` exactly. `prefix` is scratch of length ≥ levels.
 */
export function solveLevelConditionalRates(
	target: ArrayLike<number>,
	offsets: Float64Array,
	out: Float64Array,
	prefix: Float64Array,
	weights?: Float64Array,
): void {
	const k = target.length;
	const levels = offsets.length;
	const w = weights ?? new Float64Array(levels).fill(1 / levels);
	for (let j = 0; j < levels; j++) prefix[j] = 1;
	let previous = 1;
	for (let i = 0; i < k; i++) {
		const goal = target[i]!;
		let x: number;
		if (!(previous > 0) || !(goal > 0)) x = Number.NEGATIVE_INFINITY;
		else if (goal >= previous) x = Number.POSITIVE_INFINITY;
		else {
			const populationAt = (shift: number): number => {
				let total = 0;
				for (let j = 0; j < levels; j++) total += w[j]! * prefix[j]! * sigmoid(shift + offsets[j]!);
				return total;
			};
			x = bisectIncreasing(populationAt, goal);
		}
		let population = 0;
		for (let j = 0; j < levels; j++) {
			const c = x === Number.POSITIVE_INFINITY ? 1 : x === Number.NEGATIVE_INFINITY ? 0 : sigmoid(x + offsets[j]!);
			out[j * k + i] = c;
			prefix[j] = prefix[j]! * c;
			population += w[j]! * prefix[j]!;
		}
		previous = population;
	}
}

/** Root of an increasing function f(x) = goal over ℝ: widen a bracket, then bisect to full precision. */
function bisectIncreasing(f: (x: number) => number, goal: number): number {
	let lo = -40;
	let hi = 40;
	while (f(lo) > goal && lo > -1e4) lo *= 2;
	while (f(hi) < goal && hi < 1e4) hi *= 2;
	for (let iteration = 0; iteration < 200; iteration++) {
		const mid = 0.5 * (lo + hi);
		if (mid <= lo || mid >= hi) break;
		if (f(mid) < goal) lo = mid;
		else hi = mid;
	}
	return 0.5 * (lo + hi);
}

/**
 * Per-draft weights of the levels: a request whose level accepts more finishes its output in
 * fewer verification steps (about output / mean acceptance length), so vLLM's counters, which
 * count drafts, weight each level by 1 / its mean acceptance length. Written into `out`
 * (normalised to sum 1) from level-major conditional rates.
 */
export function perDraftLevelWeights(conditional: Float64Array, k: number, levels: number, out: Float64Array): Float64Array {
	let total = 0;
	for (let j = 0; j < levels; j++) {
		let product = 1;
		let length = 1;
		for (let i = 0; i < k; i++) {
			product *= conditional[j * k + i]!;
			length += product;
		}
		out[j] = 1 / length;
		total += out[j]!;
	}
	for (let j = 0; j < levels; j++) out[j] = out[j]! / total;
	return out;
}
