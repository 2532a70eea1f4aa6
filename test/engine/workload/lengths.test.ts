import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {createLengthSampler, type LengthSpec} from '../../../src/engine/workload/lengths.js';
import {draw, fourSeProportion, fraction, meanVar} from './stats-helpers.js';

const N = 50_000;
const sample = (spec: LengthSpec, seed: string, n = N): Float64Array => draw(n, createLengthSampler(spec, createRng(seed)));

describe('createLengthSampler', () => {
	it('fixed returns the value', () => {
		expect(Array.from(sample({kind: 'fixed', value: 7}, 'f', 3))).toEqual([7, 7, 7]);
	});

	it('uniform covers [min, max] inclusively with equal frequencies', () => {
		const xs = sample({kind: 'uniform', min: 3, max: 7}, 'u');
		for (let v = 3; v <= 7; v++) {
			expect(Math.abs(fraction(xs, x => x === v) - 0.2)).toBeLessThan(fourSeProportion(0.2, N));
		}
		expect(fraction(xs, x => x >= 3 && x <= 7 && Number.isInteger(x))).toBe(1);
	});

	it('lognormal: half the mass below the median, Φ(1) below median·e^σ', () => {
		const median = 500;
		const sigma = 0.8;
		const xs = sample({kind: 'lognormal', median, sigma, min: 1, max: 1_000_000}, 'ln');
		// Rounding to integers: P(round(X) < 500) <= 0.5 <= P(round(X) <= 500).
		const se = fourSeProportion(0.5, N);
		expect(fraction(xs, x => x < median)).toBeLessThan(0.5 + se);
		expect(fraction(xs, x => x <= median)).toBeGreaterThan(0.5 - se);
		const phi1 = 0.8413447460685429;
		expect(Math.abs(fraction(xs, x => x <= median * Math.exp(sigma)) - phi1)).toBeLessThan(fourSeProportion(phi1, N));
		// E[ln X] = ln(median), sd σ.
		const {mean} = meanVar(xs.map(Math.log));
		expect(Math.abs(mean - Math.log(median))).toBeLessThan((4 * sigma) / Math.sqrt(N) + 1e-3);
	});

	it('lognormal clamps to [min, max]', () => {
		const xs = sample({kind: 'lognormal', median: 100, sigma: 2, min: 50, max: 150}, 'clamp');
		expect(fraction(xs, x => x >= 50 && x <= 150)).toBe(1);
		// Everything rounding to <= 50 lands on min: P(X < 50.5) = Φ(ln(0.505) / 2).
		const p = 0.36633;
		expect(Math.abs(fraction(xs, x => x === 50) - p)).toBeLessThan(fourSeProportion(p, N));
	});

	it('histogram picks bins by weight and is uniform inside a bin', () => {
		const spec: LengthSpec = {
			kind: 'histogram',
			bins: [
				{upTo: 10, weight: 1},
				{upTo: 20, weight: 0},
				{upTo: 100, weight: 3},
			],
		};
		const xs = sample(spec, 'hist');
		expect(Math.abs(fraction(xs, x => x >= 1 && x <= 10) - 0.25)).toBeLessThan(fourSeProportion(0.25, N));
		expect(fraction(xs, x => x >= 11 && x <= 20)).toBe(0);
		expect(Math.abs(fraction(xs, x => x >= 21 && x <= 100) - 0.75)).toBeLessThan(fourSeProportion(0.75, N));
		// Inside the first bin each of 1..10 has probability 0.025.
		for (const v of [1, 5, 10]) expect(Math.abs(fraction(xs, x => x === v) - 0.025)).toBeLessThan(fourSeProportion(0.025, N));
	});

	it('is deterministic per stream', () => {
		const spec: LengthSpec = {kind: 'lognormal', median: 300, sigma: 1, min: 1, max: 4096};
		expect(sample(spec, 'a', 100)).toEqual(sample(spec, 'a', 100));
		expect(sample(spec, 'a', 100)).not.toEqual(sample(spec, 'b', 100));
	});

	it('rejects bad specs naming the field', () => {
		const rng = createRng(0);
		expect(() => createLengthSampler({kind: 'fixed', value: 0}, rng, 'classes[0].prompt')).toThrow(
			new RangeError('classes[0].prompt.value must be a positive integer, got 0'),
		);
		expect(() => createLengthSampler({kind: 'uniform', min: 5, max: 4}, rng)).toThrow(new RangeError('length.max must be >= length.min (5), got 4'));
		expect(() => createLengthSampler({kind: 'lognormal', median: 0, sigma: 1, min: 1, max: 2}, rng)).toThrow(
			/length\.median must be a positive finite number, got 0/,
		);
		expect(() =>
			createLengthSampler(
				{
					kind: 'histogram',
					bins: [
						{upTo: 10, weight: 1},
						{upTo: 10, weight: 1},
					],
				},
				rng,
			),
		).toThrow(new RangeError('length.bins[1].upTo must be an integer greater than 10, got 10'));
		expect(() => createLengthSampler({kind: 'histogram', bins: [{upTo: 10, weight: -1}]}, rng)).toThrow(
			new RangeError('length.bins[0].weight must be a finite number >= 0, got -1'),
		);
		expect(() => createLengthSampler({kind: 'histogram', bins: []}, rng)).toThrow(RangeError);
		expect(() => createLengthSampler({kind: 'zipf'} as unknown as LengthSpec, rng)).toThrow(TypeError);
	});
});

const lengthSpec: fc.Arbitrary<LengthSpec> = fc.oneof(
	fc.integer({min: 1, max: 10_000}).map(value => ({kind: 'fixed', value}) as const),
	fc
		.tuple(fc.integer({min: 1, max: 5000}), fc.integer({min: 0, max: 5000}))
		.map(([min, extra]) => ({kind: 'uniform', min, max: min + extra}) as const),
	fc
		.tuple(
			fc.double({min: 0.5, max: 1e5, noNaN: true}),
			fc.double({min: 0, max: 4, noNaN: true}),
			fc.integer({min: 1, max: 100}),
			fc.integer({min: 0, max: 1e5}),
		)
		.map(([median, sigma, min, extra]) => ({kind: 'lognormal', median, sigma, min, max: min + extra}) as const),
	fc.uniqueArray(fc.integer({min: 1, max: 100_000}), {minLength: 1, maxLength: 8}).chain(ups =>
		fc.array(fc.double({min: 0.01, max: 10, noNaN: true}), {minLength: ups.length, maxLength: ups.length}).map(ws => ({
			kind: 'histogram' as const,
			bins: [...ups].sort((a, b) => a - b).map((upTo, i) => ({upTo, weight: ws[i] ?? 1})),
		})),
	),
);

describe('length sampler properties', () => {
	test.prop([lengthSpec, fc.integer()])('always returns integers >= 1 within the spec bounds', (spec, seed) => {
		const next = createLengthSampler(spec, createRng(seed));
		const [lo, hi] =
			spec.kind === 'fixed' ? [spec.value, spec.value] : spec.kind === 'histogram' ? [1, spec.bins.at(-1)?.upTo ?? 1] : [spec.min, spec.max];
		for (let i = 0; i < 50; i++) {
			const x = next();
			expect(Number.isInteger(x)).toBe(true);
			expect(x).toBeGreaterThanOrEqual(Math.max(1, lo));
			expect(x).toBeLessThanOrEqual(hi);
		}
	});
});
