import type {Rng} from '../../rng/rng.js';
import {cumulativeWeights, pickIndex, sampleStandardNormal} from './distributions.js';

/**
 * A token-length distribution (prompt or output). Every sampler returns integers >= 1.
 *
 * - `fixed`: always `value`.
 * - `uniform`: integers in `[min, max]`, both inclusive.
 * - `lognormal`: `round(median · exp(sigma · Z))` clamped to `[min, max]`; `median` is the median
 *   before rounding and clamping, `sigma` the standard deviation of the log.
 * - `histogram`: an empirical distribution. `bins` are sorted by `upTo`; bin `i` covers the
 *   integers `(bins[i-1].upTo, bins[i].upTo]` (the first starts at 1). A bin is picked with
 *   probability proportional to `weight`, then a length uniformly inside it.
 *
 * @example
 * // 60% short (1..128), 30% medium (129..1024), 10% long (1025..8192)
 * const spec: LengthSpec = {kind: 'histogram', bins: [{upTo: 128, weight: 6}, {upTo: 1024, weight: 3}, {upTo: 8192, weight: 1}]};
 */
export type LengthSpec =
	| {kind: 'fixed'; value: number}
	| {kind: 'uniform'; min: number; max: number}
	| {kind: 'lognormal'; median: number; sigma: number; min: number; max: number}
	| {kind: 'histogram'; bins: readonly {upTo: number; weight: number}[]};

/** Draws one length per call. */
export type LengthSampler = () => number;

/**
 * Build a sampler for `spec` drawing from `rng` only.
 *
 * @param field Names the spec in error messages, e.g. `classes[1].output`.
 * @throws RangeError naming `field` and the bad value when the spec is out of range.
 */
export function createLengthSampler(spec: LengthSpec, rng: Rng, field = 'length'): LengthSampler {
	switch (spec.kind) {
		case 'fixed': {
			requirePositiveInteger(spec.value, `${field}.value`);
			const value = spec.value;
			return () => value;
		}
		case 'uniform': {
			requireRange(spec.min, spec.max, field);
			const {min} = spec;
			const span = spec.max - spec.min + 1;
			return () => min + Math.floor(rng.next() * span);
		}
		case 'lognormal': {
			if (!(spec.median > 0 && spec.median < Number.POSITIVE_INFINITY)) {
				throw new RangeError(`${field}.median must be a positive finite number, got ${spec.median}`);
			}
			if (!(spec.sigma >= 0 && spec.sigma < Number.POSITIVE_INFINITY)) {
				throw new RangeError(`${field}.sigma must be a finite number >= 0, got ${spec.sigma}`);
			}
			requireRange(spec.min, spec.max, field);
			const {median, sigma, min, max} = spec;
			return () => {
				const x = Math.round(median * Math.exp(sigma * sampleStandardNormal(rng)));
				return Math.min(Math.max(x, min), max);
			};
		}
		case 'histogram': {
			const {bins} = spec;
			if (!Array.isArray(bins) || bins.length === 0) throw new RangeError(`${field}.bins must be a non-empty array`);
			const lows = new Float64Array(bins.length);
			const widths = new Float64Array(bins.length);
			let previous = 0;
			for (let i = 0; i < bins.length; i++) {
				const upTo = bins[i]?.upTo ?? Number.NaN;
				if (!(Number.isInteger(upTo) && upTo > previous)) {
					throw new RangeError(`${field}.bins[${i}].upTo must be an integer greater than ${previous}, got ${upTo}`);
				}
				lows[i] = previous + 1;
				widths[i] = upTo - previous;
				previous = upTo;
			}
			const cum = cumulativeWeights(
				bins.map(b => b.weight),
				`${field}.bins`,
				'.weight',
			);
			return () => {
				const i = pickIndex(cum, rng.next());
				return (lows[i] ?? 1) + Math.floor(rng.next() * (widths[i] ?? 1));
			};
		}
		default: {
			const kind: unknown = (spec as {kind: unknown}).kind;
			throw new TypeError(`${field}.kind must be one of fixed, uniform, lognormal, histogram, got ${String(kind)}`);
		}
	}
}

function requirePositiveInteger(value: number, field: string): void {
	if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`${field} must be a positive integer, got ${value}`);
}

function requireRange(min: number, max: number, field: string): void {
	requirePositiveInteger(min, `${field}.min`);
	requirePositiveInteger(max, `${field}.max`);
	if (max < min) throw new RangeError(`${field}.max must be >= ${field}.min (${min}), got ${max}`);
}
