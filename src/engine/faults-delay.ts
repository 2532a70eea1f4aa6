/**
 * How long a client waits before it aborts its request, in virtual seconds from arrival: the
 * workload's length forms over seconds (`fixed`, `uniform`, `lognormal`, `histogram`), plus
 * `exponential`, the memoryless patience of queueing models. Sampled by
 * `createDurationSampler` (`workload/durations.ts`), which draws every duration of a run.
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
