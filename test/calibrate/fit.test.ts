import {describe, expect, it} from 'vitest';
import type {AggregatedCounts} from '../../src/calibrate/aggregate.js';
import {conditionalRatesAt, fitAcceptance} from '../../src/calibrate/fit.js';
import {chiSquareSurvival, nelderMead, regularizedUpperGamma, wilsonInterval} from '../../src/calibrate/stats.js';
import {alphaForMeanLength} from '../../src/speculative/acceptance/conversions.js';

/** Fixed-length counts: n drafts, acc_pos, one interval unless given. */
function counts(k: number, n: number, acceptedPerPos: number[], intervals?: AggregatedCounts['intervals']): AggregatedCounts {
	const accepted = acceptedPerPos.reduce((a, b) => a + b, 0);
	return {
		k,
		kAssumed: false,
		numDrafts: n,
		numDraftTokens: k * n,
		numAcceptedTokens: accepted,
		perPosition: {numDrafts: n, acceptedPerPos, draftedPerPos: new Array<number>(k).fill(n), draftedAssumed: false},
		intervals: intervals ?? [{numDrafts: n, numAcceptedTokens: accepted}],
		formats: {throughput: 1},
		draftsFrom: {'drafted/k': 1},
		numObservations: 1,
	};
}

describe('statistics helpers', () => {
	it('chi-square tail matches known quantiles', () => {
		expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
		expect(chiSquareSurvival(5.991464547107979, 2)).toBeCloseTo(0.05, 10);
		expect(chiSquareSurvival(2, 2)).toBeCloseTo(Math.exp(-1), 12); // χ²(2) survival is e^(−x/2)
		expect(chiSquareSurvival(30, 4)).toBeCloseTo(4.894437128029e-6, 14);
		expect(chiSquareSurvival(0, 3)).toBe(1);
		expect(chiSquareSurvival(1, 0)).toBeNaN();
		expect(regularizedUpperGamma(1, 3)).toBeCloseTo(Math.exp(-3), 14);
	});

	it('Wilson interval: closed form at 0 successes and symmetric at one half', () => {
		const z2 = 1.959963984540054 ** 2;
		expect(wilsonInterval(0, 10)[0]).toBe(0);
		expect(wilsonInterval(0, 10)[1]).toBeCloseTo(z2 / (10 + z2), 12);
		const [lo, hi] = wilsonInterval(50, 100);
		expect(lo + hi).toBeCloseTo(1, 12);
		expect(wilsonInterval(0, 0)).toEqual([0, 1]);
	});

	it('Nelder–Mead finds the minimum of a quadratic', () => {
		const {x} = nelderMead(([a, b]) => (a! - 1) ** 2 + 10 * (b! + 2) ** 2, [0, 0]);
		expect(x[0]).toBeCloseTo(1, 5);
		expect(x[1]).toBeCloseTo(-2, 5);
	});
});

describe('fitAcceptance', () => {
	it('ML conditional rates acc_pos[i] / acc_pos[i−1] with binomial standard errors', () => {
		const fit = fitAcceptance(counts(3, 1000, [800, 560, 336]));
		const p = fit.positions!;
		expect(p.map(x => x.conditional)).toEqual([0.8, 0.7, 0.6]);
		expect(p.map(x => x.trials)).toEqual([1000, 800, 560]);
		expect(p.map(x => x.unconditional)).toEqual([0.8, 0.56, 0.336]);
		expect(p[0]!.conditionalSe).toBeCloseTo(Math.sqrt((0.8 * 0.2) / 1000), 12);
		expect(p[1]!.conditionalSe).toBeCloseTo(Math.sqrt((0.7 * 0.3) / 800), 12);
		expect(p[2]!.conditionalSe).toBeCloseTo(Math.sqrt((0.6 * 0.4) / 560), 12);
		expect(p[2]!.conditionalCi95).toEqual(wilsonInterval(336, 560));
		expect(fit.meanAcceptanceLength.value).toBeCloseTo(1 + 1.696, 12);
		expect(fit.draftAcceptanceRate.value).toBeCloseTo(1696 / 3000, 12);
		// Per-draft Var(N) = Σ(2i+1) r_i − (Σ r_i)² with r = 0.8, 0.56, 0.336.
		const variance = 0.8 + 3 * 0.56 + 5 * 0.336 - 1.696 ** 2;
		expect(fit.meanAcceptanceLength.se).toBeCloseTo(Math.sqrt(variance / 1000), 12);
		expect(fit.dispersion).toBeUndefined();
	});

	it('recovers a geometric decay exactly from noise-free counts, with deviance ≈ 0', () => {
		const n = 1_000_000;
		const acc: number[] = [];
		let r = 1;
		for (let i = 0; i < 5; i++) {
			r *= 0.8 * 0.9 ** i;
			acc.push(Math.round(n * r));
		}
		const fit = fitAcceptance(counts(5, n, acc));
		expect(fit.decay!.first).toBeCloseTo(0.8, 4);
		expect(fit.decay!.decay).toBeCloseTo(0.9, 4);
		expect(fit.decay!.dof).toBe(3);
		expect(fit.decay!.deviance).toBeLessThan(0.01);
		expect(fit.decay!.pValue).toBeGreaterThan(0.99);
		// The i.i.d. model cannot bend: it misses.
		expect(fit.iid.dof).toBe(4);
		expect(fit.iid.pValue).toBeLessThan(1e-6);
		expect(fit.meanAcceptanceLength.fitted).toBeCloseTo(fit.meanAcceptanceLength.value, 4);
	});

	it('i.i.d. counts: alpha = Σ successes / Σ trials and no lack of fit', () => {
		const fit = fitAcceptance(counts(3, 10_000, [7000, 4900, 3430]));
		expect(fit.iid.alpha).toBeCloseTo(0.7, 12);
		expect(fit.iid.deviance).toBeLessThan(1e-9);
		expect(fit.decay!.decay).toBeCloseTo(1, 4);
	});

	it('extrapolates: observed rates up to the observed k, then the fitted curve with the decay capped at 1', () => {
		const fit = fitAcceptance(counts(3, 1000, [800, 560, 336]));
		const rates = conditionalRatesAt(fit, 5);
		expect(rates.slice(0, 3)).toEqual([0.8, 0.7, 0.6]);
		const {first, decay} = fit.decay!;
		expect(decay).toBeLessThan(1);
		expect(rates[3]).toBeCloseTo(first * decay ** 3, 12);
		expect(rates[4]).toBeCloseTo(first * decay ** 4, 12);
		expect(conditionalRatesAt(fit, 2)).toEqual([0.8, 0.7]);
		// A rising fit is not continued upwards.
		const rising = fitAcceptance(counts(3, 10_000, [6000, 4200, 3360]));
		expect(rising.decay!.decay).toBeGreaterThan(1);
		const extended = conditionalRatesAt(rising, 6);
		expect(extended[3]).toBeCloseTo(extended[4]!, 12);
		expect(extended[5]).toBeCloseTo(Math.min(1, rising.decay!.first * rising.decay!.decay ** 2), 12);
	});

	it('without per-position data: the i.i.d. alpha that reproduces the mean acceptance length', () => {
		const c: AggregatedCounts = {...counts(3, 4437, [0, 0, 0]), numAcceptedTokens: 6179};
		delete (c as {perPosition?: unknown}).perPosition;
		const fit = fitAcceptance(c);
		expect(fit.positions).toBeUndefined();
		expect(fit.iid.alpha).toBeCloseTo(alphaForMeanLength(1 + 6179 / 4437, 3), 12);
		expect(conditionalRatesAt(fit, 4)).toEqual(new Array(4).fill(fit.iid.alpha));
	});

	it('estimates between-interval dispersion and inflates standard errors by sqrt(φ)', () => {
		// Two kinds of interval: acceptance 0.4 and 0.8 at position 0, 1000 drafts each (k = 1).
		const intervals = [0, 1, 2, 3].map(j => ({numDrafts: 1000, numAcceptedTokens: j % 2 === 0 ? 400 : 800, acceptedFirst: j % 2 === 0 ? 400 : 800}));
		const fit = fitAcceptance(counts(1, 4000, [2400], intervals));
		// φ = Σ (A_j − n_j μ)² / (n_j σ²) / (J − 1) with μ = 0.6, σ² = 0.24.
		const phi = (4 * (200 ** 2 / (1000 * 0.24))) / 3;
		expect(fit.dispersion!.phi).toBeCloseTo(phi, 9);
		expect(fit.positions![0]!.conditionalSe).toBeCloseTo(Math.sqrt((phi * 0.24) / 4000), 12);
		expect(fit.meanAcceptanceLength.se).toBeCloseTo(Math.sqrt((phi * 0.24) / 4000), 12);
	});
});
