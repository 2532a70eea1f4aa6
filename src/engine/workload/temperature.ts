import type {Rng} from '../../rng/rng.js';
import {cumulativeWeights, pickIndex} from './distributions.js';

/**
 * A request's sampling temperature: a constant, uniform in `[min, max]`, or one of `values` picked
 * by `weights` (equal weights when absent). Temperatures are finite and >= 0 (0 = greedy).
 */
export type TemperatureSpec =
	| number
	| {kind: 'uniform'; min: number; max: number}
	| {kind: 'choice'; values: readonly number[]; weights?: readonly number[]};

/**
 * Build a temperature sampler drawing from `rng` only. A constant draws nothing.
 *
 * @param field Names the spec in error messages, e.g. `classes[0].temperature`.
 * @throws RangeError naming `field` and the bad value.
 */
export function createTemperatureSampler(spec: TemperatureSpec, rng: Rng, field = 'temperature'): () => number {
	if (typeof spec === 'number') {
		requireTemperature(spec, field);
		return () => spec;
	}
	switch (spec.kind) {
		case 'uniform': {
			requireTemperature(spec.min, `${field}.min`);
			requireTemperature(spec.max, `${field}.max`);
			if (spec.max < spec.min) throw new RangeError(`${field}.max must be >= ${field}.min (${spec.min}), got ${spec.max}`);
			const {min} = spec;
			const span = spec.max - spec.min;
			return () => min + rng.next() * span;
		}
		case 'choice': {
			const {values} = spec;
			if (!Array.isArray(values) || values.length === 0) throw new RangeError(`${field}.values must be a non-empty array`);
			for (const [i, v] of values.entries()) requireTemperature(v, `${field}.values[${i}]`);
			const weights = spec.weights ?? values.map(() => 1);
			if (weights.length !== values.length) {
				throw new RangeError(`${field}.weights must have ${values.length} entries like values, got ${weights.length}`);
			}
			const cum = cumulativeWeights(weights, `${field}.weights`);
			const table = Float64Array.from(values);
			return () => table[pickIndex(cum, rng.next())] ?? 0;
		}
		default: {
			const kind: unknown = (spec as {kind: unknown}).kind;
			throw new TypeError(`${field} must be a number or have kind uniform or choice, got ${String(kind)}`);
		}
	}
}

function requireTemperature(value: number, field: string): void {
	if (!(typeof value === 'number' && value >= 0 && value < Number.POSITIVE_INFINITY)) {
		throw new RangeError(`${field} must be a finite number >= 0, got ${value}`);
	}
}
