import type {Rng} from '../../rng/rng.js';

/**
 * Small samplers shared by the workload generators. Every function takes the stream it draws
 * from, so the number of uniforms a draw consumes is part of its contract only within one stream.
 */

/**
 * Standard normal by Box–Muller (cosine branch only, two uniforms per draw, no cached spare, so
 * a sampler holds no hidden state). `1 - u` keeps the logarithm's argument in (0, 1].
 */
export function sampleStandardNormal(rng: Rng): number {
	const u1 = 1 - rng.next();
	const u2 = rng.next();
	return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Exponential with the given mean (inversion, one uniform). A mean of 0 returns 0. */
export function sampleExponential(mean: number, rng: Rng): number {
	return -mean * Math.log(1 - rng.next());
}

/**
 * Gamma(shape, scale 1) by Marsaglia and Tsang (2000), "A simple method for generating gamma
 * variables", ACM TOMS 26(3).
 *
 * For `shape >= 1`, with `d = shape - 1/3` and `c = 1 / sqrt(9d)`: draw a standard normal `x`
 * until `v = (1 + c·x)^3 > 0`, draw `u ~ U(0,1)`, and accept `d·v` when
 * `u < 1 - 0.0331·x^4` (the cheap squeeze) or `ln u < x²/2 + d·(1 - v + ln v)`.
 *
 * For `shape < 1` the method does not apply directly; we use the boost from the same paper:
 * if `X ~ Gamma(shape + 1)` and `U ~ U(0,1]` then `X · U^(1/shape) ~ Gamma(shape)`. The power is
 * taken as `exp(ln U / shape)` so tiny shapes underflow gracefully to 0 instead of to NaN.
 *
 * @throws RangeError unless `shape` is a positive finite number.
 */
export function sampleGamma(shape: number, rng: Rng): number {
	if (!(shape > 0 && shape < Number.POSITIVE_INFINITY)) {
		throw new RangeError(`gamma shape must be a positive finite number, got ${shape}`);
	}
	if (shape < 1) {
		const u = 1 - rng.next();
		return sampleGammaAtLeastOne(shape + 1, rng) * Math.exp(Math.log(u) / shape);
	}
	return sampleGammaAtLeastOne(shape, rng);
}

function sampleGammaAtLeastOne(shape: number, rng: Rng): number {
	const d = shape - 1 / 3;
	const c = 1 / Math.sqrt(9 * d);
	for (;;) {
		let x: number;
		let v: number;
		do {
			x = sampleStandardNormal(rng);
			v = 1 + c * x;
		} while (v <= 0);
		v = v * v * v;
		const u = rng.next();
		const x2 = x * x;
		if (u < 1 - 0.0331 * x2 * x2) return d * v;
		if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
	}
}

/**
 * Normalised cumulative weights for {@link pickIndex}. The last entry is forced to exactly 1 so
 * rounding can never leave a uniform draw past the end.
 *
 * @param itemSuffix Appended after the index in messages, e.g. `.weight` gives `bins[2].weight`.
 * @throws RangeError naming `field` when a weight is negative or not finite, or all are zero.
 */
export function cumulativeWeights(weights: readonly number[], field: string, itemSuffix = ''): Float64Array {
	if (weights.length === 0) throw new RangeError(`${field} must not be empty`);
	const cum = new Float64Array(weights.length);
	let total = 0;
	for (let i = 0; i < weights.length; i++) {
		const w = weights[i] ?? Number.NaN;
		if (!(w >= 0 && w < Number.POSITIVE_INFINITY)) {
			throw new RangeError(`${field}[${i}]${itemSuffix} must be a finite number >= 0, got ${w}`);
		}
		total += w;
		cum[i] = total;
	}
	if (!(total > 0)) throw new RangeError(`${field} must have a positive total weight, got ${total}`);
	// Divide, then pin the last positive entry and any zero-weight entries after it to exactly 1
	// (they all hold the full total), so no draw can land on a zero-weight tail entry.
	for (let i = 0; i < cum.length; i++) cum[i] = cum[i] === total ? 1 : (cum[i] ?? 0) / total;
	return cum;
}

/**
 * The smallest index `i` with `u < cum[i]` (binary search), for `u` in [0, 1). An entry whose
 * weight is 0 has `cum[i] === cum[i-1]` and so is never picked.
 */
export function pickIndex(cum: Float64Array, u: number): number {
	let lo = 0;
	let hi = cum.length - 1;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (u < (cum[mid] ?? 1)) hi = mid;
		else lo = mid + 1;
	}
	return lo;
}
