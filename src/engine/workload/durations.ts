import type {Rng} from '../../rng/rng.js';
import {cumulativeWeights, pickIndex, sampleExponential, sampleStandardNormal} from './distributions.js';

/**
 * A distribution of a duration in virtual seconds: a conversation's think time between turns, a
 * client's patience before it aborts (`faults.abort.after`).
 *
 * - a number, or `fixed`: always that many seconds;
 * - `exponential`: mean `mean` (a memoryless user; one uniform per draw);
 * - `uniform`: in `[min, max]`;
 * - `lognormal`: `median · exp(sigma · Z)`, capped at `max` when given (think times are
 *   right-skewed: most replies come quickly, a few after a long pause);
 * - `histogram`: bin `i` covers `(bins[i-1].upTo, bins[i].upTo]` (the first starts at 0), picked
 *   with probability proportional to `weight`, then a time uniformly inside it.
 *
 * Every value is finite and >= 0.
 */
export type DurationSpec =
	| number
	| {kind: 'fixed'; value: number}
	| {kind: 'exponential'; mean: number}
	| {kind: 'uniform'; min: number; max: number}
	| {kind: 'lognormal'; median: number; sigma: number; max?: number}
	| {kind: 'histogram'; bins: readonly {upTo: number; weight: number}[]};

/**
 * Build a sampler for `spec` drawing from `rng` only. A constant draws nothing.
 *
 * @param field Names the spec in error messages, e.g. `classes[0].conversation.thinkTime`.
 * @throws RangeError naming `field` and the bad value (a negative or infinite duration).
 */
export function createDurationSampler(spec: DurationSpec, rng: Rng, field = 'duration'): () => number {
	if (typeof spec === 'number') {
		requireSeconds(spec, field);
		return () => spec;
	}
	switch (spec.kind) {
		case 'fixed': {
			requireSeconds(spec.value, `${field}.value`);
			const {value} = spec;
			return () => value;
		}
		case 'exponential': {
			requireSeconds(spec.mean, `${field}.mean`);
			const {mean} = spec;
			return () => (mean === 0 ? 0 : sampleExponential(mean, rng));
		}
		case 'uniform': {
			requireSeconds(spec.min, `${field}.min`);
			requireSeconds(spec.max, `${field}.max`);
			if (spec.max < spec.min) throw new RangeError(`${field}.max must be >= ${field}.min (${spec.min}), got ${spec.max}`);
			const {min} = spec;
			const span = spec.max - spec.min;
			return () => min + rng.next() * span;
		}
		case 'lognormal': {
			requireSeconds(spec.median, `${field}.median`);
			requireSeconds(spec.sigma, `${field}.sigma`);
			const max = spec.max ?? Number.POSITIVE_INFINITY;
			if (spec.max !== undefined) requireSeconds(spec.max, `${field}.max`);
			const {median, sigma} = spec;
			return () => Math.min(median * Math.exp(sigma * sampleStandardNormal(rng)), max);
		}
		case 'histogram': {
			const bins = [...spec.bins].sort((a, b) => a.upTo - b.upTo);
			for (const [i, bin] of bins.entries()) requireSeconds(bin.upTo, `${field}.bins[${i}].upTo`);
			const cum = cumulativeWeights(
				bins.map(b => b.weight),
				`${field}.bins`,
				'.weight',
			);
			const lows = bins.map((_, i) => (i === 0 ? 0 : bins[i - 1]!.upTo));
			return () => {
				const i = pickIndex(cum, rng.next());
				const low = lows[i]!;
				return low + (bins[i]!.upTo - low) * rng.next();
			};
		}
		default: {
			const kind: unknown = (spec as {kind: unknown}).kind;
			throw new TypeError(
				`${field}.kind must be one of fixed, exponential, uniform, lognormal, histogram (or a number of seconds), got ${String(kind)}`,
			);
		}
	}
}

function requireSeconds(value: number, field: string): void {
	if (!(typeof value === 'number' && value >= 0 && value < Number.POSITIVE_INFINITY)) {
		throw new RangeError(`${field} must be a finite number of seconds >= 0, got ${value}`);
	}
}
