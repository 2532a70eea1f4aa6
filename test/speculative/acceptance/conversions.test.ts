import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {
	acceptedLengthDistribution,
	alphaForMeanLength,
	conditionalToUnconditional,
	draftAcceptanceRate,
	expectedSpeedup,
	geometricConditionalRates,
	geometricRates,
	iidMeanLength,
	iidRates,
	meanAcceptanceLength,
	minimumVarianceRates,
	optimalIidK,
	unconditionalToConditional,
} from '../../../src/speculative/acceptance/conversions.js';

const close = (values: readonly number[], digits = 14) => values.map(v => expect.closeTo(v, digits));
const nonIncreasing = fc.array(fc.double({min: 0, max: 1, noNaN: true}), {minLength: 1, maxLength: 12}).map(xs => xs.sort((a, b) => b - a));

describe('unconditionalToConditional (vLLM unconditional_to_conditional_rates)', () => {
	it.each([
		{rates: [0.8, 0.4, 0.2], expected: [0.8, 0.5, 0.5]},
		{rates: [1, 1, 0.5, 0, 0], expected: [1, 1, 0.5, 0, 0]},
		{rates: [0.5, 0, 0], expected: [0.5, 0, 0]}, // c_i = 0 once r_{i-1} = 0
		{rates: [0, 0], expected: [0, 0]},
		{rates: [], expected: []},
	])('$rates -> $expected', ({rates, expected}) => {
		expect(unconditionalToConditional(rates)).toEqual(close(expected));
	});

	it('rejects increasing rates, naming the index and values', () => {
		expect(() => unconditionalToConditional([0.5, 0.6])).toThrow(RangeError);
		expect(() => unconditionalToConditional([0.5, 0.6])).toThrow(
			'rates[1]=0.6 exceeds rates[0]=0.5: unconditional acceptance rates must be non-increasing',
		);
		expect(() => unconditionalToConditional([1.2])).toThrow('rates[0] must be a number in [0, 1], got 1.2');
		expect(() => unconditionalToConditional([Number.NaN])).toThrow(/got NaN/);
	});

	test.prop([nonIncreasing])('round-trips through conditionalToUnconditional', rates => {
		const back = conditionalToUnconditional(unconditionalToConditional(rates));
		back.forEach((r, i) => {
			expect(Math.abs(r - rates[i]!)).toBeLessThan(1e-15);
		});
	});

	const conditionalRate = fc.oneof(fc.constant(0), fc.constant(1), fc.double({min: 1e-3, max: 1, noNaN: true}));
	test.prop([fc.array(conditionalRate, {maxLength: 12})])('inverts conditionalToUnconditional up to the first zero', conditional => {
		const recovered = unconditionalToConditional(conditionalToUnconditional(conditional));
		let alive = true;
		conditional.forEach((c, i) => {
			// Once a rate is 0, vLLM's rule defines every later conditional rate as 0.
			if (alive) expect(Math.abs(recovered[i]! - c)).toBeLessThan(1e-12);
			else expect(recovered[i]).toBe(0);
			if (c === 0) alive = false;
		});
	});
});

describe('schedules', () => {
	it('iidRates is alpha^(i+1)', () => {
		expect(iidRates(0.5, 4)).toEqual([0.5, 0.25, 0.125, 0.0625]);
		expect(iidRates(0.7, 0)).toEqual([]);
		expect(() => iidRates(1.1, 3)).toThrow('alpha must be a number in [0, 1], got 1.1');
		expect(() => iidRates(0.5, 2.5)).toThrow('k must be a non-negative integer, got 2.5');
	});

	it('geometricRates multiplies clamped conditional first · decay^i', () => {
		expect(geometricConditionalRates(0.8, 0.5, 3)).toEqual([0.8, 0.4, 0.2]);
		expect(geometricRates(0.8, 0.5, 3)).toEqual(close([0.8, 0.32, 0.064]));
		expect(geometricConditionalRates(0.8, 1.5, 3)).toEqual(close([0.8, 1, 1])); // 1.2, 1.8 clamp to 1
		expect(geometricRates(0.8, 1.5, 3)).toEqual(close([0.8, 0.8, 0.8]));
		expect(() => geometricRates(0.8, -1, 3)).toThrow('decay must be a finite number >= 0, got -1');
	});

	it.each([
		// vLLM synthetic_acceptance_length examples: ⌊L−1⌋ ones, frac(L−1), zeros.
		{length: 1, k: 3, expected: [0, 0, 0]},
		{length: 2.5, k: 4, expected: [1, 0.5, 0, 0]},
		{length: 3, k: 4, expected: [1, 1, 0, 0]},
		{length: 3.25, k: 3, expected: [1, 1, 0.25]},
		{length: 4, k: 3, expected: [1, 1, 1]},
		{length: 1.7, k: 1, expected: [0.7]},
	])('minimumVarianceRates($length, $k) = $expected', ({length, k, expected}) => {
		const rates = minimumVarianceRates(length, k);
		expect(rates).toEqual(close(expected));
		expect(meanAcceptanceLength(rates)).toBeCloseTo(length, 14);
	});

	it('minimumVarianceRates rejects L outside [1, k+1]', () => {
		expect(() => minimumVarianceRates(0.5, 3)).toThrow('synthetic_acceptance_length must be in [1, k+1] = [1, 4], got 0.5');
		expect(() => minimumVarianceRates(4.01, 3)).toThrow(RangeError);
	});

	it('alphaForMeanLength inverts (1 − a^(k+1)) / (1 − a)', () => {
		for (const [alpha, k] of [
			[0.6, 3],
			[0.8, 5],
			[0.9, 7],
			[0.05, 2],
		] as const) {
			const length = (1 - alpha ** (k + 1)) / (1 - alpha);
			expect(iidMeanLength(alpha, k)).toBeCloseTo(length, 13);
			expect(alphaForMeanLength(length, k)).toBeCloseTo(alpha, 12);
		}
		expect(alphaForMeanLength(1, 4)).toBe(0);
		expect(alphaForMeanLength(5, 4)).toBe(1);
		expect(() => alphaForMeanLength(5.5, 4)).toThrow('mean acceptance length must be in [1, k+1] = [1, 5], got 5.5');
	});
});

describe('closed forms', () => {
	it('mean acceptance length, draft acceptance rate and the accepted-length distribution', () => {
		const rates = [0.8, 0.6, 0.3];
		expect(meanAcceptanceLength(rates)).toBeCloseTo(2.7, 14);
		expect(draftAcceptanceRate(rates)).toBeCloseTo(1.7 / 3, 14);
		expect(acceptedLengthDistribution(rates)).toEqual(close([0.2, 0.2, 0.3, 0.3]));
		expect(acceptedLengthDistribution([])).toEqual([1]);
		expect(draftAcceptanceRate([])).toBeNaN();
		expect(meanAcceptanceLength([])).toBe(1);
	});

	it('i.i.d.: mean length (1−a^(k+1))/(1−a) and draft rate (a − a^(k+1))/(k(1−a))', () => {
		const a = 0.7;
		const k = 5;
		const rates = iidRates(a, k);
		expect(meanAcceptanceLength(rates)).toBeCloseTo((1 - a ** (k + 1)) / (1 - a), 14);
		expect(draftAcceptanceRate(rates)).toBeCloseTo((a - a ** (k + 1)) / (k * (1 - a)), 14);
	});

	test.prop([nonIncreasing])('the distribution sums to 1 and its mean is Σ r_i', rates => {
		const distribution = acceptedLengthDistribution(rates);
		expect(distribution.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
		for (const p of distribution) expect(p).toBeGreaterThanOrEqual(0);
		const mean = distribution.reduce((s, p, j) => s + j * p, 0);
		expect(mean).toBeCloseTo(meanAcceptanceLength(rates) - 1, 12);
	});

	it('expectedSpeedup generalises Leviathan S(α, γ, c)', () => {
		for (const [a, k, c] of [
			[0.8, 4, 0.05],
			[0.6, 3, 0.1],
			[0.9, 7, 0.2],
		] as const) {
			expect(expectedSpeedup(iidRates(a, k), c)).toBeCloseTo((1 - a ** (k + 1)) / ((1 - a) * (k * c + 1)), 13);
		}
		expect(expectedSpeedup([1, 0.5], 0.25)).toBeCloseTo(2.5 / 1.5, 14);
		expect(() => expectedSpeedup([0.5], -1)).toThrow('costRatio must be a finite number >= 0, got -1');
	});

	it.each([
		// Worked values of docs/analytic-model.md.
		{alpha: 0.8, c: 0.05, k: 8, speedup: 3.09},
		{alpha: 0.6, c: 0.1, k: 3, speedup: 1.67},
		{alpha: 0.9, c: 0.02, k: 19, speedup: 6.37},
	])('optimalIidK($alpha, $c) = $k with S = $speedup', ({alpha, c, k, speedup}) => {
		const best = optimalIidK(alpha, c);
		expect(best.k).toBe(k);
		expect(best.speedup).toBeCloseTo(speedup, 2);
	});
});
