import {describe, expect, it} from 'vitest';
import {aggregateObservations, type AggregatedCounts} from '../../src/calibrate/aggregate.js';
import {collectTexts} from '../../src/calibrate/collect.js';
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
	it('widens every 95% interval when the between-interval spread exceeds binomial', () => {
		// k = 1, four intervals of 1000 drafts accepting 550, 650, 550, 650: μ = 0.6, σ² = 0.24,
		// φ = Σ 50² / (1000 · 0.24) / 3 = 13.888…; expected values computed in Python (Wilson at
		// the effective sample size s/φ, t/φ; normal intervals with the standard error × sqrt(φ)):
		//   wilson(2400/φ, 4000/φ) = (0.5424626248067197, 0.6549048096652588)
		//   se = sqrt(φ · 0.24 / 4000) = 0.028867513459481287; 1.6 ± 1.959964 se, 0.6 ± 1.959964 se
		const intervals = [550, 650, 550, 650].map(a => ({numDrafts: 1000, numAcceptedTokens: a, acceptedFirst: a}));
		const fit = fitAcceptance(counts(1, 4000, [2400], intervals));
		expect(fit.dispersion!.phi).toBeCloseTo(13.888888888888888, 12);
		expect(fit.dispersion!.inflation).toBeCloseTo(Math.sqrt(13.888888888888888), 12);
		const [lo, hi] = fit.positions![0]!.conditionalCi95;
		expect(lo).toBeCloseTo(0.5424626248067197, 12);
		expect(hi).toBeCloseTo(0.6549048096652588, 12);
		expect(fit.meanAcceptanceLength.ci95[0]).toBeCloseTo(1.5434207132961915, 12);
		expect(fit.meanAcceptanceLength.ci95[1]).toBeCloseTo(1.6565792867038087, 12);
		expect(fit.draftAcceptanceRate.ci95[0]).toBeCloseTo(0.5434207132961915, 12);
		expect(fit.draftAcceptanceRate.ci95[1]).toBeCloseTo(0.6565792867038085, 12);
		expect(fit.positions![0]!.unconditionalSe).toBeCloseTo(0.028867513459481287, 12);
	});

	it('never narrows an interval when the intervals agree better than binomial (φ < 1)', () => {
		// Four identical intervals: φ = 0; the intervals stay binomial. Python:
		//   wilson(2400, 4000) = (0.5847292214102342, 0.6150788899318256)
		//   1.6 ± 1.959964 · sqrt(0.24 / 4000) = (1.5848181842574203, 1.61518181574258)
		const intervals = [600, 600, 600, 600].map(a => ({numDrafts: 1000, numAcceptedTokens: a, acceptedFirst: a}));
		const fit = fitAcceptance(counts(1, 4000, [2400], intervals));
		expect(fit.dispersion!.phi).toBe(0);
		expect(fit.dispersion!.inflation).toBe(1);
		const [lo, hi] = fit.positions![0]!.conditionalCi95;
		expect(lo).toBeCloseTo(0.5847292214102342, 12);
		expect(hi).toBeCloseTo(0.6150788899318256, 12);
		expect(fit.meanAcceptanceLength.ci95[0]).toBeCloseTo(1.5848181842574203, 12);
		expect(fit.meanAcceptanceLength.ci95[1]).toBeCloseTo(1.61518181574258, 12);
	});
});

/** Counts whose drafted-per-position differ from the number of drafts (variable-length drafts). */
function variableCounts(k: number, numDrafts: number, acceptedPerPos: number[], draftedPerPos: number[]): AggregatedCounts {
	return {
		...counts(k, numDrafts, acceptedPerPos),
		numDraftTokens: draftedPerPos.reduce((a, b) => a + b, 0),
		perPosition: {numDrafts, acceptedPerPos, draftedPerPos, draftedAssumed: false},
	};
}

describe('fitAcceptance with variable-length drafts', () => {
	// Hand-derived: 1000 drafts, 600 of length 3 and 400 of length 1, length independent of
	// acceptance, conditional rates c = (0.8, 0.5, 0.5). Then
	//   drf_pos = (1000, 600, 600)
	//   acc_pos = (0.8 · 1000, 0.8 · 0.5 · 600, 0.8 · 0.5 · 0.5 · 600) = (800, 240, 120)
	//   unconditional r_i = acc_pos[i] / drf_pos[i] = (0.8, 0.4, 0.2)
	//   trials t = (1000, 800 · 600/1000, 240 · 600/600) = (1000, 480, 240), so ĉ = (0.8, 0.5, 0.5)
	//   draft tokens 600 · 3 + 400 = 2200, accepted 1160, mean length 1 + 1160/1000 = 2.16.
	const short = variableCounts(3, 1000, [800, 240, 120], [1000, 600, 600]);

	it('short drafts: drafted per position are the trials, not the number of drafts', () => {
		const fit = fitAcceptance(short);
		const p = fit.positions!;
		expect(p.map(x => x.drafted)).toEqual([1000, 600, 600]);
		expect(p.map(x => x.trials)).toEqual([1000, 480, 240]);
		expect(p.map(x => x.conditional)).toEqual([0.8, 0.5, 0.5]);
		expect(p.map(x => x.unconditional)).toEqual([0.8, 0.4, 0.2]);
		expect(p[1]!.unconditionalSe).toBeCloseTo(Math.sqrt((0.4 * 0.6) / 600), 12);
		expect(p[1]!.conditionalSe).toBeCloseTo(Math.sqrt((0.5 * 0.5) / 480), 12);
		expect(p[2]!.conditionalCi95).toEqual(wilsonInterval(120, 240));
		expect(fit.meanAcceptanceLength.value).toBeCloseTo(2.16, 12);
		expect(fit.draftAcceptanceRate.value).toBeCloseTo(1160 / 2200, 12);
		expect(conditionalRatesAt(fit, 3)).toEqual([0.8, 0.5, 0.5]);
	});

	it('missing drafts: positions no draft reached have no trials and take the fitted curve', () => {
		// k = 4, drafts of length 1 (500) and 2 (500), none longer; c = (0.7, 0.6):
		//   drf_pos = (1000, 500, 0, 0), acc_pos = (700, 0.7 · 0.6 · 500, 0, 0) = (700, 210, 0, 0)
		//   trials = (1000, 700 · 500/1000, 0, 0) = (1000, 350, 0, 0), ĉ = (0.7, 0.6, -, -)
		// Two positions, two parameters: the decay fit is exact, first = 0.7, decay = 6/7.
		const fit = fitAcceptance(variableCounts(4, 1000, [700, 210, 0, 0], [1000, 500, 0, 0]));
		const p = fit.positions!;
		expect(p.map(x => x.trials)).toEqual([1000, 350, 0, 0]);
		expect(p[0]!.conditional).toBe(0.7);
		expect(p[1]!.conditional).toBeCloseTo(0.6, 15);
		expect(p[2]!.conditional).toBeNaN();
		expect(p[3]!.conditional).toBeNaN();
		expect(p[2]!.unconditionalSe).toBeNaN();
		expect(fit.decay!.first).toBeCloseTo(0.7, 6);
		expect(fit.decay!.decay).toBeCloseTo(6 / 7, 6);
		expect(fit.decay!.dof).toBe(0);
		expect(fit.meanAcceptanceLength.value).toBeCloseTo(1.91, 12);
		expect(fit.draftAcceptanceRate.value).toBeCloseTo(910 / 1500, 12);
		const rates = conditionalRatesAt(fit, 4);
		expect(rates[0]).toBe(0.7);
		expect(rates[1]).toBeCloseTo(0.6, 15);
		expect(rates[2]).toBeCloseTo(0.7 * (6 / 7) ** 2, 6);
		expect(rates[3]).toBeCloseTo(0.7 * (6 / 7) ** 3, 6);
	});
	it('from a scrape of the newest vLLM: summed drafted-per-position counters reach the fit', () => {
		// The short-draft counts above split over two engines (600 + 400 drafts), written by hand.
		const engine = (e: number, drafts: number, tokens: number, accepted: number, acc: number[], drf: number[]): string[] => [
			`vllm:spec_decode_num_drafts_total{engine="${e}",model_name="m"} ${drafts}.0`,
			`vllm:spec_decode_num_draft_tokens_total{engine="${e}",model_name="m"} ${tokens}.0`,
			`vllm:spec_decode_num_accepted_tokens_total{engine="${e}",model_name="m"} ${accepted}.0`,
			...acc.map((a, i) => `vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="${e}",model_name="m",position="${i}"} ${a}.0`),
			...drf.map((d, i) => `vllm:spec_decode_num_draft_tokens_per_pos_total{engine="${e}",model_name="m",position="${i}"} ${d}.0`),
		];
		// Engine 0: 600 drafts, 360 of length 3 and 240 of length 1; engine 1: 240 and 160.
		const text = [
			...engine(0, 600, 1320, 696, [480, 144, 72], [600, 360, 360]),
			...engine(1, 400, 880, 464, [320, 96, 48], [400, 240, 240]),
			'',
		].join('\n');
		const {counts} = aggregateObservations(collectTexts([['scrape.prom', text]]).observations);
		expect(counts.perPosition).toEqual({numDrafts: 1000, acceptedPerPos: [800, 240, 120], draftedPerPos: [1000, 600, 600], draftedAssumed: false});
		const p = fitAcceptance(counts).positions!;
		expect(p.map(x => x.trials)).toEqual([1000, 480, 240]);
		expect(p.map(x => x.conditional)).toEqual([0.8, 0.5, 0.5]);
		expect(p.map(x => x.unconditional)).toEqual([0.8, 0.4, 0.2]);
	});
});
