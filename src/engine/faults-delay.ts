import type {Rng} from '../rng/rng.js';
import {cumulativeWeights, pickIndex, sampleExponential, sampleStandardNormal} from './workload/distributions.js';

/**
 * How long a client waits before it aborts its request, in virtual seconds from arrival: the
 * workload's length forms over seconds (`fixed`, `uniform`, `lognormal`, `histogram`), plus
 * `exponential`, the memoryless patience of queueing models.
 *
 * - `fixed`: always `value`.
 * - `uniform`: uniform in `[min, max]`.
 * - `exponential`: mean `mean` (one uniform, by inversion).
 * - `lognormal`: `median · exp(sigma · Z)`.
 * - `histogram`: bin `i` covers `(bins[i-1].upTo, bins[i].upTo]` (the first starts at 0), picked
 *   with probability proportional to `weight`, then a time uniformly inside it.
 */
export type FaultDelaySpec =
	| {kind: 'fixed'; value: number}
	| {kind: 'uniform'; min: number; max: number}
	| {kind: 'exponential'; mean: number}
	| {kind: 'lognormal'; median: number; sigma: number}
	| {kind: 'histogram'; bins: readonly {upTo: number; weight: number}[]};

/** Build a sampler for `spec` drawing from `rng` only; every draw is a finite number >= 0. */
export function createDelaySampler(spec: FaultDelaySpec, rng: Rng): () => number {
	switch (spec.kind) {
		case 'fixed': {
			const value = spec.value;
			return () => value;
		}
		case 'uniform': {
			const {min, max} = spec;
			return () => min + (max - min) * rng.next();
		}
		case 'exponential': {
			const mean = spec.mean;
			return () => sampleExponential(mean, rng);
		}
		case 'lognormal': {
			const {median, sigma} = spec;
			return () => median * Math.exp(sigma * sampleStandardNormal(rng));
		}
		case 'histogram': {
			const bins = [...spec.bins].sort((a, b) => a.upTo - b.upTo);
			const cum = cumulativeWeights(
				bins.map(b => b.weight),
				'faults.abort.after.bins',
				'.weight',
			);
			const lows = bins.map((_, i) => (i === 0 ? 0 : bins[i - 1]!.upTo));
			return () => {
				const i = pickIndex(cum, rng.next());
				const low = lows[i]!;
				return low + (bins[i]!.upTo - low) * rng.next();
			};
		}
	}
}

/** The distribution's mean in closed form (tests check the sampler against it). */
export function delayMean(spec: FaultDelaySpec): number {
	switch (spec.kind) {
		case 'fixed':
			return spec.value;
		case 'uniform':
			return (spec.min + spec.max) / 2;
		case 'exponential':
			return spec.mean;
		case 'lognormal':
			return spec.median * Math.exp((spec.sigma * spec.sigma) / 2);
		case 'histogram': {
			const bins = [...spec.bins].sort((a, b) => a.upTo - b.upTo);
			const total = bins.reduce((s, b) => s + b.weight, 0);
			return bins.reduce((s, b, i) => s + ((b.weight / total) * ((i === 0 ? 0 : bins[i - 1]!.upTo) + b.upTo)) / 2, 0);
		}
	}
}
