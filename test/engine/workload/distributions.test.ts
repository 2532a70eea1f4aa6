import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {cumulativeWeights, pickIndex, sampleGamma, sampleStandardNormal} from '../../../src/engine/workload/distributions.js';
import {draw, fourSeProportion, fraction, meanVar} from './stats-helpers.js';

const N = 100_000;

describe('sampleStandardNormal', () => {
	it('has mean 0, variance 1 and P(Z <= 1) = Φ(1)', () => {
		const rng = createRng('normal');
		const xs = draw(N, () => sampleStandardNormal(rng));
		const {mean, variance} = meanVar(xs);
		expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(N));
		// Var(s²) = (μ4 − σ⁴)/n = 2/n for a normal.
		expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
		const phi1 = 0.8413447460685429;
		expect(Math.abs(fraction(xs, x => x <= 1) - phi1)).toBeLessThan(fourSeProportion(phi1, N));
	});
});

describe('sampleGamma (Marsaglia–Tsang)', () => {
	// For Gamma(a, 1): mean a, variance a, excess kurtosis 6/a, so Var(s²) ≈ a²(2 + 6/a)/n.
	it.each([0.25, 0.5, 1, 3, 10])('shape %s has mean and variance equal to the shape', a => {
		const rng = createRng(`gamma-${a}`);
		const xs = draw(N, () => sampleGamma(a, rng));
		const {mean, variance} = meanVar(xs);
		expect(Math.abs(mean - a)).toBeLessThan(4 * Math.sqrt(a / N));
		expect(Math.abs(variance - a)).toBeLessThan(4 * a * Math.sqrt((2 + 6 / a) / N));
		expect(fraction(xs, x => x >= 0)).toBe(1);
	});

	it('shape 0.5 (the boost path) has the χ²₁/2 distribution: P(X <= 1/2) = P(Z² <= 1) = erf(1/√2)', () => {
		const rng = createRng('gamma-half-cdf');
		const xs = draw(N, () => sampleGamma(0.5, rng));
		const p = 0.6826894921370859;
		expect(Math.abs(fraction(xs, x => x <= 0.5) - p)).toBeLessThan(fourSeProportion(p, N));
	});

	it('is deterministic per stream and rejects a bad shape', () => {
		const a = createRng(3);
		const b = createRng(3);
		expect(draw(20, () => sampleGamma(0.3, a))).toEqual(draw(20, () => sampleGamma(0.3, b)));
		expect(() => sampleGamma(0, a)).toThrow(new RangeError('gamma shape must be a positive finite number, got 0'));
		expect(() => sampleGamma(Number.NaN, a)).toThrow(RangeError);
	});
});

describe('cumulativeWeights / pickIndex', () => {
	it('normalises, ends at exactly 1 and never picks a zero weight', () => {
		const cum = cumulativeWeights([0, 1, 0, 3, 0], 'w');
		expect(Array.from(cum)).toEqual([0, 0.25, 0.25, 1, 1]);
		expect(pickIndex(cum, 0)).toBe(1);
		expect(pickIndex(cum, 0.2499)).toBe(1);
		expect(pickIndex(cum, 0.25)).toBe(3);
		expect(pickIndex(cum, 0.999_999_999)).toBe(3);
	});

	it('names the field and index of a bad weight', () => {
		expect(() => cumulativeWeights([1, -2], 'bins', '.weight')).toThrow(new RangeError('bins[1].weight must be a finite number >= 0, got -2'));
		expect(() => cumulativeWeights([0, 0], 'classes')).toThrow(new RangeError('classes must have a positive total weight, got 0'));
		expect(() => cumulativeWeights([], 'classes')).toThrow(new RangeError('classes must not be empty'));
	});
});
