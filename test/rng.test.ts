import {describe, expect, it} from 'vitest';
import {createRng} from '../src/rng/rng.js';

const take = (n: number, next: () => number): number[] => Array.from({length: n}, next);

describe('createRng', () => {
	it('is deterministic for a seed and differs across seeds', () => {
		const a = createRng(7);
		const b = createRng(7);
		const c = createRng(8);
		const sa = take(5, a.next);
		expect(take(5, b.next)).toEqual(sa);
		expect(take(5, c.next)).not.toEqual(sa);
		for (const x of sa) {
			expect(x).toBeGreaterThanOrEqual(0);
			expect(x).toBeLessThan(1);
		}
	});

	it('forks by name, independently of how much the parent drew', () => {
		const fresh = createRng(1).fork('arrivals');
		const used = createRng(1);
		take(100, used.next);
		used.fork('proposer').next();
		const forked = used.fork('arrivals');
		expect(forked.seed).toBe('1/arrivals');
		expect(take(10, forked.next)).toEqual(take(10, fresh.next));
		expect(take(3, createRng(1).fork('proposer').next)).not.toEqual(take(3, createRng(1).fork('arrivals').next));
	});

	it('has a plausible uniform mean over many draws', () => {
		const r = createRng('mean');
		let sum = 0;
		const n = 100_000;
		for (let i = 0; i < n; i++) sum += r.next();
		// Standard error of the mean of U(0,1) is sqrt(1/12/n) ≈ 0.000913; allow 4 SE.
		expect(Math.abs(sum / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
	});
});
