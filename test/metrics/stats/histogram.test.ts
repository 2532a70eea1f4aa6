import {describe, expect, it} from 'vitest';
import {BucketHistogram, QuantileSketch} from '../../../src/metrics/stats/histogram.js';
import {createRng} from '../../../src/rng/rng.js';

describe('BucketHistogram', () => {
	it('puts values in inclusive upper-bound buckets like Prometheus', () => {
		const h = new BucketHistogram([0.1, 0.5, 1]);
		h.observe(0.1);
		h.observe(0.2, 3);
		h.observe(1);
		h.observe(7);
		expect(Array.from(h.counts)).toEqual([1, 3, 1, 1]);
		expect(Array.from(h.cumulative())).toEqual([1, 4, 5, 6]);
		expect(h.count).toBe(6);
		expect(h.sum).toBeCloseTo(0.1 + 0.6 + 1 + 7, 12);
		h.reset();
		expect(h.count).toBe(0);
	});

	it('rejects bounds that do not increase', () => {
		expect(() => new BucketHistogram([1, 1])).toThrow('histogram bounds must increase strictly, got 1 then 1');
	});
});

describe('QuantileSketch', () => {
	it('estimates quantiles of an exponential distribution within 2%', () => {
		const rng = createRng('sketch');
		const s = new QuantileSketch();
		for (let i = 0; i < 200_000; i++) s.observe(-Math.log(1 - rng.next()) * 0.05);
		// Exponential(mean 0.05): quantile q = -0.05 ln(1-q). Sampling error at n=2e5 is < 1%.
		for (const q of [0.5, 0.9, 0.99]) {
			const exact = -0.05 * Math.log(1 - q);
			expect(Math.abs(s.quantile(q) / exact - 1)).toBeLessThan(0.02);
		}
		expect(s.mean).toBeCloseTo(0.05, 2);
		expect(s.quantile(0)).toBe(s.min);
		expect(s.quantile(1)).toBe(s.max);
	});

	it('is NaN when empty and handles zeros and counts', () => {
		const s = new QuantileSketch();
		expect(s.quantile(0.5)).toBeNaN();
		s.observe(0, 3);
		s.observe(2, 1);
		expect(s.quantile(0.5)).toBe(0);
		expect(s.quantile(0.9)).toBeCloseTo(2, 1);
		expect(s.count).toBe(4);
	});
});
