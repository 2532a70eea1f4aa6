import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {createArrivalProcess, withRate, type ArrivalProcess, type ArrivalSpec} from '../../../src/engine/workload/arrivals.js';
import {draw, meanVar} from './stats-helpers.js';

const N = 100_000;

function gaps(spec: ArrivalSpec, seed: string, n = N): Float64Array {
	const p = createArrivalProcess(spec, createRng(seed));
	if (p.kind !== 'open') throw new Error('expected an open loop');
	return draw(n, p.nextGapS);
}

describe('createArrivalProcess', () => {
	it('poisson: exponential gaps with mean 1/rate and variance 1/rate²', () => {
		const rate = 4;
		const {mean, variance} = meanVar(gaps({kind: 'poisson', rate}, 'poisson'));
		// Exponential: sd = mean; μ4 = 9/λ⁴, so Var(s²) ≈ 8/(λ⁴ n).
		expect(Math.abs(mean - 1 / rate)).toBeLessThan((4 * (1 / rate)) / Math.sqrt(N));
		expect(Math.abs(variance - 1 / rate ** 2)).toBeLessThan(4 * Math.sqrt(8 / (rate ** 4 * N)));
	});

	it('constant: every gap is 1/rate', () => {
		expect(Array.from(gaps({kind: 'constant', rate: 8}, 'c', 5))).toEqual([0.125, 0.125, 0.125, 0.125, 0.125]);
	});

	it.each([0.5, 1, 2, 3])('gamma cv=%s: mean 1/rate and variance (cv/rate)²', cv => {
		const rate = 2;
		const xs = gaps({kind: 'gamma', rate, cv}, `gamma-${cv}`);
		const {mean, variance} = meanVar(xs);
		const shape = 1 / cv ** 2;
		const sigma2 = (cv / rate) ** 2;
		expect(Math.abs(mean - 1 / rate)).toBeLessThan((4 * Math.sqrt(sigma2)) / Math.sqrt(N));
		// Gamma excess kurtosis is 6/shape: Var(s²) ≈ σ⁴(2 + 6/shape)/n.
		expect(Math.abs(variance - sigma2)).toBeLessThan(4 * sigma2 * Math.sqrt((2 + 6 / shape) / N));
		const cvHat = Math.sqrt(variance) / mean;
		expect(cvHat).toBeGreaterThan(cv * 0.95);
		expect(cvHat).toBeLessThan(cv * 1.05);
	});

	it('rate Infinity sends everything at once', () => {
		expect(Array.from(gaps({kind: 'poisson', rate: Number.POSITIVE_INFINITY}, 'inf', 3))).toEqual([0, 0, 0]);
		expect(Array.from(gaps({kind: 'gamma', rate: Number.POSITIVE_INFINITY, cv: 2}, 'inf', 3))).toEqual([0, 0, 0]);
	});

	it('closed loop exposes users and exponential think times with the given mean', () => {
		const p: ArrivalProcess = createArrivalProcess({kind: 'closed-loop', users: 16, thinkTimeS: 2}, createRng('closed'));
		if (p.kind !== 'closed') throw new Error('expected a closed loop');
		expect(p.users).toBe(16);
		const {mean} = meanVar(draw(N, p.nextThinkTimeS));
		expect(Math.abs(mean - 2)).toBeLessThan((4 * 2) / Math.sqrt(N));
		const noThink = createArrivalProcess({kind: 'closed-loop', users: 1}, createRng('x'));
		expect(noThink.kind === 'closed' && noThink.nextThinkTimeS()).toBe(0);
	});

	it('is deterministic per seed', () => {
		const spec: ArrivalSpec = {kind: 'gamma', rate: 3, cv: 1.7};
		expect(gaps(spec, 's1', 50)).toEqual(gaps(spec, 's1', 50));
		expect(gaps(spec, 's1', 50)).not.toEqual(gaps(spec, 's2', 50));
	});

	it('rejects bad specs naming the field', () => {
		const rng = createRng(0);
		expect(() => createArrivalProcess({kind: 'poisson', rate: 0}, rng)).toThrow(
			new RangeError('arrival.rate must be a positive number (or Infinity), got 0'),
		);
		expect(() => createArrivalProcess({kind: 'gamma', rate: 1, cv: 0}, rng)).toThrow(/arrival\.cv must be a positive finite number/);
		expect(() => createArrivalProcess({kind: 'closed-loop', users: 2.5}, rng)).toThrow(
			new RangeError('arrival.users must be a positive integer, got 2.5'),
		);
		expect(() => createArrivalProcess({kind: 'closed-loop', users: 2, thinkTimeS: -1}, rng)).toThrow(
			new RangeError('arrival.thinkTimeS must be a finite number >= 0, got -1'),
		);
		expect(() => createArrivalProcess({kind: 'burst'} as unknown as ArrivalSpec, rng)).toThrow(TypeError);
	});
});

describe('withRate', () => {
	it('overrides the rate and keeps the rest', () => {
		expect(withRate({kind: 'poisson', rate: 1}, 7)).toEqual({kind: 'poisson', rate: 7});
		expect(withRate({kind: 'gamma', rate: 1, cv: 3}, 0.5)).toEqual({kind: 'gamma', rate: 0.5, cv: 3});
		expect(withRate({kind: 'constant', rate: 1}, Number.POSITIVE_INFINITY)).toEqual({kind: 'constant', rate: Number.POSITIVE_INFINITY});
	});

	it('rejects closed loops and non-positive rates', () => {
		expect(() => withRate({kind: 'closed-loop', users: 4}, 2)).toThrow(
			new TypeError('qps cannot be applied to closed-loop arrivals (users=4); set users instead'),
		);
		expect(() => withRate({kind: 'poisson', rate: 1}, -1)).toThrow(new RangeError('qps must be a positive number (or Infinity), got -1'));
		expect(() => withRate({kind: 'poisson', rate: 1}, Number.NaN)).toThrow(RangeError);
	});
});
