import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {
	acceptanceLevels,
	logit,
	representativeLevel,
	sigmoid,
	solveLevelConditionalRates,
	validateHeterogeneity,
} from '../../../src/speculative/acceptance/heterogeneity.js';

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: ArrayLike<number>) => {
	const m = mean(xs);
	return Array.from(xs).reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
};

describe('acceptanceLevels', () => {
	it.each([
		{m: 0.7, kappa: 20},
		{m: 0.3, kappa: 5},
		{m: 0.9, kappa: 50},
		{m: 0.5, kappa: 1},
	])('Beta(mean $m, κ $kappa): increasing, mean exactly m, variance ≈ m(1−m)/(κ+1)', ({m, kappa}) => {
		const levels = acceptanceLevels(m, kappa, 32);
		for (let j = 1; j < 32; j++) expect(levels[j]!).toBeGreaterThan(levels[j - 1]!);
		expect(mean(levels)).toBeCloseTo(m, 13);
		// Midpoints of 32 equal-probability bins lose a little of the tails' variance.
		const exact = (m * (1 - m)) / (kappa + 1);
		expect(variance(levels)).toBeLessThanOrEqual(exact * 1.02);
		expect(variance(levels)).toBeGreaterThan(exact * 0.85);
	});

	it('is a single point for one level or a degenerate mean', () => {
		expect(acceptanceLevels(0.6, 10, 1)[0]).toBeCloseTo(0.6, 14);
		expect(Array.from(acceptanceLevels(1, 10, 4))).toEqual([1, 1, 1, 1]);
		expect(Array.from(acceptanceLevels(0, 10, 2))).toEqual([0, 0]);
	});

	it('concentrates as κ grows', () => {
		expect(variance(acceptanceLevels(0.7, 1000, 32))).toBeLessThan(variance(acceptanceLevels(0.7, 10, 32)) / 50);
	});
});

describe('representativeLevel', () => {
	it('averages the interior conditional rates', () => {
		expect(representativeLevel([0.79, 0.74, 0.72, 0.73])).toBeCloseTo(0.745, 14);
		expect(representativeLevel([1, 1, 0.4, 0])).toBeCloseTo(0.4, 14);
		expect(representativeLevel([1, 1, 0])).toBe(0.5);
		expect(representativeLevel([0.999, 0.9999])).toBe(0.99);
	});
});

describe('solveLevelConditionalRates', () => {
	const offsetsFor = (m: number, kappa: number, levels: number) => Float64Array.from(acceptanceLevels(m, kappa, levels), l => logit(l) - logit(m));
	const populationRates = (conditional: Float64Array, k: number, levels: number) => {
		const out = new Array<number>(k).fill(0);
		for (let j = 0; j < levels; j++) {
			let product = 1;
			for (let i = 0; i < k; i++) {
				product *= conditional[j * k + i]!;
				out[i]! += product / levels;
			}
		}
		return out;
	};

	test.prop([
		fc.array(fc.double({min: 0, max: 1, noNaN: true}), {minLength: 1, maxLength: 10}),
		fc.double({min: 0.05, max: 0.95, noNaN: true}),
		fc.double({min: 0.5, max: 200, noNaN: true}),
	])('reproduces the target population rates exactly', (conditional, m, kappa) => {
		const k = conditional.length;
		const target: number[] = [];
		let product = 1;
		for (const c of conditional) {
			product *= c;
			target.push(product);
		}
		const levels = 16;
		const out = new Float64Array(levels * k);
		solveLevelConditionalRates(target, offsetsFor(m, kappa, levels), out, new Float64Array(levels));
		const population = populationRates(out, k, levels);
		population.forEach((r, i) => {
			expect(Math.abs(r - target[i]!)).toBeLessThan(1e-12);
		});
		for (const c of out) {
			expect(c).toBeGreaterThanOrEqual(0);
			expect(c).toBeLessThanOrEqual(1);
		}
	});

	it('keeps rates of exactly 1 and 0 for every level and orders levels by their offset', () => {
		const levels = 8;
		const target = [1, 1, 0.6, 0.3, 0, 0];
		const out = new Float64Array(levels * 6);
		solveLevelConditionalRates(target, offsetsFor(0.5, 10, levels), out, new Float64Array(levels));
		for (let j = 0; j < levels; j++) {
			expect([out[j * 6], out[j * 6 + 1], out[j * 6 + 4], out[j * 6 + 5]]).toEqual([1, 1, 0, 0]);
			if (j > 0) expect(out[j * 6 + 2]!).toBeGreaterThan(out[(j - 1) * 6 + 2]!);
		}
		populationRates(out, 6, levels).forEach((r, i) => {
			expect(r).toBeCloseTo(target[i]!, 13);
		});
	});

	it('gives a position whose population rate equals m exactly the level values', () => {
		const levels = 8;
		const m = 0.7;
		const out = new Float64Array(levels);
		solveLevelConditionalRates([m], offsetsFor(m, 20, levels), out, new Float64Array(levels));
		Array.from(acceptanceLevels(m, 20, levels)).forEach((l, j) => {
			expect(out[j]).toBeCloseTo(l, 12);
		});
	});
});

describe('helpers and validation', () => {
	it('sigmoid inverts logit', () => {
		for (const p of [0.01, 0.3, 0.5, 0.99]) expect(sigmoid(logit(p))).toBeCloseTo(p, 14);
	});

	it('validates the heterogeneity spec', () => {
		expect(validateHeterogeneity({concentration: 10})).toBe(32);
		expect(validateHeterogeneity({concentration: 10, levels: 8})).toBe(8);
		expect(() => validateHeterogeneity({concentration: 0})).toThrow('heterogeneity.concentration must be a number in (0, 1e7], got 0');
		expect(() => validateHeterogeneity({concentration: 5, levels: 0})).toThrow('heterogeneity.levels must be an integer in [1, 1024], got 0');
	});
});
