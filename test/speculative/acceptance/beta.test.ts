import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {betaQuantile, betaQuantileMidpoints, lnBeta, lnGamma, regularizedIncompleteBeta} from '../../../src/speculative/acceptance/beta.js';

const relativeError = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);

/** P(Binomial(n, x) >= a) with n = a + b − 1: the exact I_x(a, b) for integer a, b. */
function binomialTail(x: number, a: number, b: number): number {
	const n = a + b - 1;
	let total = 0;
	let coefficient = 1; // C(n, j), built incrementally
	for (let j = 0; j <= n; j++) {
		if (j >= a) total += coefficient * x ** j * (1 - x) ** (n - j);
		coefficient = (coefficient * (n - j)) / (j + 1);
	}
	return total;
}

describe('lnGamma', () => {
	it('matches factorials, Γ(1/2) = √π and scipy.special.gammaln', () => {
		for (let n = 1; n <= 20; n++) {
			let factorial = 1;
			for (let i = 2; i < n; i++) factorial *= i;
			expect(relativeError(lnGamma(n), Math.log(factorial)) < 1e-13 || Math.abs(lnGamma(n) - Math.log(factorial)) < 1e-14).toBe(true);
		}
		expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
		// scipy 1.17 gammaln
		const golden: Array<[number, number]> = [
			[0.1, 2.252712651734206],
			[1.5, -0.12078223763524526],
			[3.7, 1.428072326665388],
			[25.2, 55.425291902590295],
			[171.3, 708.1149470389971],
		];
		for (const [x, expected] of golden) expect(relativeError(lnGamma(x), expected)).toBeLessThan(1e-13);
		expect(lnBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
	});

	it('rejects non-positive arguments', () => {
		expect(() => lnGamma(0)).toThrow(RangeError);
		expect(() => lnGamma(-1)).toThrow(/x > 0, got -1/);
	});
});

describe('regularizedIncompleteBeta', () => {
	it('equals the binomial tail for integer shapes', () => {
		for (const [a, b] of [
			[1, 1],
			[2, 5],
			[5, 2],
			[3, 3],
			[10, 4],
			[1, 20],
			[30, 30],
		] as const) {
			for (const x of [0.01, 0.1, 0.25, 0.5, 0.73, 0.9, 0.99]) {
				expect(Math.abs(regularizedIncompleteBeta(x, a, b) - binomialTail(x, a, b))).toBeLessThan(1e-13);
			}
		}
	});

	it('matches the arcsine law and scipy.special.betainc', () => {
		for (const x of [0.001, 0.2, 0.5, 0.8, 0.999]) {
			expect(regularizedIncompleteBeta(x, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(x)), 13);
		}
		const golden: Array<[number, number, number, number]> = [
			[0.3, 2.5, 3.5, 0.29675298929566646],
			[0.9, 0.5, 7, 0.9999999780702157],
			[0.01, 0.2, 0.3, 0.2571947816220871],
			[0.8, 160, 40, 0.48588396581614246],
		];
		for (const [x, a, b, expected] of golden) expect(relativeError(regularizedIncompleteBeta(x, a, b), expected)).toBeLessThan(1e-11);
	});

	it('has the endpoints 0 and 1 and validates its arguments', () => {
		expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
		expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
		expect(() => regularizedIncompleteBeta(1.5, 2, 3)).toThrow(/x must be in \[0, 1\], got 1.5/);
		expect(() => regularizedIncompleteBeta(0.5, 0, 3)).toThrow(/shape a/);
	});
});

describe('betaQuantile', () => {
	it('matches closed forms', () => {
		for (const p of [0.001, 0.1, 0.37, 0.5, 0.9, 0.999]) {
			expect(betaQuantile(p, 1, 1)).toBeCloseTo(p, 14);
			expect(betaQuantile(p, 3, 1)).toBeCloseTo(p ** (1 / 3), 14);
			expect(betaQuantile(p, 1, 4)).toBeCloseTo(1 - (1 - p) ** (1 / 4), 14);
			expect(betaQuantile(p, 0.5, 0.5)).toBeCloseTo(Math.sin((Math.PI * p) / 2) ** 2, 13);
			expect(betaQuantile(p, 0.5, 1)).toBeCloseTo(p ** 2, 14);
		}
		expect(betaQuantile(0.5, 2, 2)).toBeCloseTo(0.5, 15);
		expect(betaQuantile(0.5, 1e4, 1e4)).toBeCloseTo(0.5, 12);
	});

	it('matches scipy.stats.beta.ppf (scipy 1.17) to 1e-12 relative', () => {
		const golden: Array<[number, number, number, number]> = [
			[0.1, 2, 5, 0.09259525891312873],
			[0.5, 2, 5, 0.26444998329566005],
			[0.9, 2, 5, 0.5103163065514917],
			[0.3, 0.1, 0.2, 0.00025970009490093414],
			[0.001, 30, 3, 0.6957947400177527],
			[0.02, 1600, 400, 0.7813179459303241],
			[0.5, 0.05, 3, 2.1934966675234358e-7],
			[0.975, 7, 0.7, 0.9993438234898633],
			[0.25, 16, 4, 0.7458877895116389],
			[0.75, 4, 16, 0.25411221048836113],
		];
		for (const [p, a, b, expected] of golden) expect(relativeError(betaQuantile(p, a, b), expected)).toBeLessThan(1e-12);
	});

	test.prop([
		fc.double({min: 1e-6, max: 1 - 1e-6, noNaN: true}),
		fc.double({min: 0.05, max: 500, noNaN: true}),
		fc.double({min: 0.05, max: 500, noNaN: true}),
	])('inverts the CDF and is symmetric: q(p; a, b) = 1 − q(1 − p; b, a)', (p, a, b) => {
		const x = betaQuantile(p, a, b);
		expect(x).toBeGreaterThanOrEqual(0);
		expect(x).toBeLessThanOrEqual(1);
		// Where the density is huge (near 0 or 1 with small shapes), 1 ulp of x moves the CDF by
		// more than 1e-9, so check that p is bracketed by the CDF a hair either side of x.
		const below = Math.max(0, x - Math.max(1e-12 * x, 4e-16));
		const above = Math.min(1, x + Math.max(1e-12 * (1 - x), 4e-16));
		expect(regularizedIncompleteBeta(below, a, b)).toBeLessThanOrEqual(p + 1e-12);
		expect(regularizedIncompleteBeta(above, a, b)).toBeGreaterThanOrEqual(p - 1e-12);
		expect(Math.abs(x - (1 - betaQuantile(1 - p, b, a)))).toBeLessThan(1e-9);
	});

	it('returns the endpoints and validates p', () => {
		expect(betaQuantile(0, 2, 3)).toBe(0);
		expect(betaQuantile(1, 2, 3)).toBe(1);
		expect(() => betaQuantile(-0.1, 2, 3)).toThrow(/p must be in \[0, 1\], got -0.1/);
	});
});

describe('betaQuantileMidpoints', () => {
	it('gives the (j + 0.5)/levels quantiles in increasing order', () => {
		const mids = betaQuantileMidpoints(2, 5, 4);
		expect(Array.from(mids)).toEqual([0.125, 0.375, 0.625, 0.875].map(p => betaQuantile(p, 2, 5)));
		for (let j = 1; j < mids.length; j++) expect(mids[j]!).toBeGreaterThan(mids[j - 1]!);
		expect(Array.from(betaQuantileMidpoints(1, 1, 5))).toEqual([0.1, 0.3, 0.5, 0.7, 0.9].map(p => expect.closeTo(p, 14)));
		expect(() => betaQuantileMidpoints(2, 5, 0)).toThrow(/levels must be a positive integer, got 0/);
	});
});
