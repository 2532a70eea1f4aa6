import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {acceptedLengthDistribution, conditionalToUnconditional, iidRates} from '../../../src/speculative/acceptance/conversions.js';
import {createAcceptanceModel} from '../../../src/speculative/acceptance/model.js';
import type {AcceptanceModel} from '../../../src/speculative/acceptance/model-types.js';

/** Per-position acceptance counts over full-length drafts, each from a fresh request profile. */
function simulate(model: AcceptanceModel, numDrafts: number, seed: string, classIndex = 0, temperature = 0) {
	const profiles = createRng(seed).fork('profiles');
	const draws = createRng(seed).fork('drafts');
	const perPos = new Array<number>(model.k).fill(0);
	let accepted = 0;
	for (let n = 0; n < numDrafts; n++) {
		const profile = model.drawProfile(profiles, classIndex, temperature);
		const a = model.sampleAccepted(profile, model.k, draws.next());
		accepted += a;
		for (let i = 0; i < a; i++) perPos[i]! += 1;
	}
	return {rates: perPos.map(c => c / numDrafts), meanLength: 1 + accepted / numDrafts};
}

/** |observed − expected| < 4 standard errors for each per-position rate and the mean length. */
function expectWithin4Se(observed: {rates: number[]; meanLength: number}, rates: readonly number[], n: number) {
	rates.forEach((r, i) => {
		expect(Math.abs(observed.rates[i]! - r)).toBeLessThan(4 * Math.sqrt((r * (1 - r)) / n) + 1e-12);
	});
	const distribution = acceptedLengthDistribution(rates);
	const mean = distribution.reduce((s, p, j) => s + j * p, 0);
	const variance = distribution.reduce((s, p, j) => s + p * (j - mean) ** 2, 0);
	expect(Math.abs(observed.meanLength - 1 - mean)).toBeLessThan(4 * Math.sqrt(variance / n) + 1e-12);
}

/**
 * Requests as vLLM sees them: each draws its profile once and drafts full-length drafts until it
 * has `tokens` output tokens (each draft yields accepted + 1), so a request that accepts more makes
 * fewer drafts. Per-position rates over all drafts, with a cluster-robust standard error (drafts
 * of one request share its level, so they are not independent).
 */
function simulateRequests(model: AcceptanceModel, numRequests: number, tokens: number, seed: string) {
	const profiles = createRng(seed).fork('profiles');
	const draws = createRng(seed).fork('drafts');
	const k = model.k;
	const perRequest: Array<{drafts: number; perPos: number[]}> = [];
	for (let r = 0; r < numRequests; r++) {
		const profile = model.drawProfile(profiles, 0, 0);
		const perPos = new Array<number>(k).fill(0);
		let drafts = 0;
		for (let produced = 0; produced < tokens; ) {
			const a = model.sampleAccepted(profile, k, draws.next());
			for (let i = 0; i < a; i++) perPos[i]! += 1;
			produced += a + 1;
			drafts += 1;
		}
		perRequest.push({drafts, perPos});
	}
	const totalDrafts = perRequest.reduce((s, q) => s + q.drafts, 0);
	const rates = Array.from({length: k}, (_, i) => perRequest.reduce((s, q) => s + q.perPos[i]!, 0) / totalDrafts);
	const standardErrors = rates.map((rate, i) => Math.sqrt(perRequest.reduce((s, q) => s + (q.perPos[i]! - rate * q.drafts) ** 2, 0)) / totalDrafts);
	return {rates, standardErrors, totalDrafts};
}

describe('AcceptanceModel sampling (seeded, within 4 standard errors)', () => {
	const n = 40_000;

	it('constant alpha, full-length drafts: r_i = a^(i+1), mean length (1 − a^(k+1))/(1 − a)', () => {
		const a = 0.7;
		const k = 5;
		const model = createAcceptanceModel({spec: {kind: 'constant', alpha: a}, k});
		const observed = simulate(model, n, 'constant');
		expectWithin4Se(observed, iidRates(a, k), n);
		const expected = model.expected();
		expect(expected.meanAcceptanceLength).toBeCloseTo((1 - a ** (k + 1)) / (1 - a), 13);
		expect(expected.unconditionalRates).toEqual(iidRates(a, k).map(r => expect.closeTo(r, 14)));
		expect(expected.draftAcceptanceRate).toBeCloseTo((a - a ** (k + 1)) / (k * (1 - a)), 13);
	});

	it('vLLM synthetic rates are reproduced', () => {
		const rates = [0.9, 0.7, 0.5, 0.2];
		const model = createAcceptanceModel({spec: {kind: 'synthetic', rates}, k: 4});
		expectWithin4Se(simulate(model, n, 'synthetic'), rates, n);
		expect(model.expected().unconditionalRates).toEqual(rates.map(r => expect.closeTo(r, 14)));
	});

	it('vLLM synthetic length uses the minimum-variance schedule: every draft accepts ⌊L−1⌋ or ⌈L−1⌉', () => {
		const model = createAcceptanceModel({spec: {kind: 'synthetic', length: 2.5}, k: 4});
		const draws = createRng('mv');
		const profile = model.drawProfile(createRng('mv-profile'), 0, 0);
		let ones = 0;
		let others = 0;
		for (let i = 0; i < n; i++) {
			const a = model.sampleAccepted(profile, 4, draws.next());
			if (a === 1) ones++;
			else if (a !== 2) others++;
		}
		expect(others).toBe(0);
		expect(Math.abs(ones / n - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / n));
		expect(model.expected().meanAcceptanceLength).toBeCloseTo(2.5, 14);
	});

	it('heterogeneous per-position model reproduces its population rates', () => {
		const rates = [0.8, 0.6, 0.45, 0.3];
		const model = createAcceptanceModel({spec: {kind: 'unconditional', rates}, k: 4, heterogeneity: {concentration: 8}});
		expect(model.numLevels).toBe(32);
		model.expected().unconditionalRates.forEach((r, i) => {
			expect(Math.abs(r - rates[i]!)).toBeLessThan(1e-12);
		});
		// Counted per draft, as vLLM counts, the rates are the spec's: levels are solved with per-draft weights.
		const observed = simulateRequests(model, 600, 400, 'hetero');
		rates.forEach((r, i) => {
			expect(Math.abs(observed.rates[i]! - r)).toBeLessThan(4 * observed.standardErrors[i]!);
		});
		// Counted per request (every request weighted equally), acceptance is higher: better requests make fewer drafts.
		const perRequest = simulate(model, n, 'hetero');
		expect(perRequest.rates[0]!).toBeGreaterThan(rates[0]! + 4 * Math.sqrt((rates[0]! * (1 - rates[0]!)) / n));
	});

	it('heterogeneity gives larger between-request variance than independent draws', () => {
		const spec = {kind: 'unconditional', rates: [0.8, 0.6, 0.45, 0.3]} as const;
		const homogeneous = createAcceptanceModel({spec, k: 4});
		const heterogeneous = createAcceptanceModel({spec, k: 4, heterogeneity: {concentration: 8}});
		const requests = 400;
		const drafts = 50;
		const betweenRequestVariance = (model: AcceptanceModel, seed: string) => {
			const profiles = createRng(seed).fork('profiles');
			const draws = createRng(seed).fork('drafts');
			const means: number[] = [];
			for (let r = 0; r < requests; r++) {
				const profile = model.drawProfile(profiles, 0, 0);
				let total = 0;
				for (let d = 0; d < drafts; d++) total += model.sampleAccepted(profile, 4, draws.next());
				means.push(total / drafts);
			}
			const mean = means.reduce((s, x) => s + x, 0) / requests;
			return means.reduce((s, x) => s + (x - mean) ** 2, 0) / (requests - 1);
		};
		const distribution = acceptedLengthDistribution(spec.rates);
		const meanN = distribution.reduce((s, p, j) => s + j * p, 0);
		const varianceN = distribution.reduce((s, p, j) => s + p * (j - meanN) ** 2, 0);
		const independent = varianceN / drafts; // variance of a request's mean with no heterogeneity
		// The sample variance of 400 means has relative SE ≈ sqrt(2/399) ≈ 0.07.
		const homogeneousRatio = betweenRequestVariance(homogeneous, 'between') / independent;
		expect(Math.abs(homogeneousRatio - 1)).toBeLessThan(4 * Math.sqrt(2 / (requests - 1)));
		expect(betweenRequestVariance(heterogeneous, 'between') / independent).toBeGreaterThan(3);
	});

	it('constant alpha with heterogeneity: the level IS the request alpha', () => {
		const model = createAcceptanceModel({spec: {kind: 'constant', alpha: 0.7}, k: 4, heterogeneity: {concentration: 20, levels: 16}});
		const levels = Array.from({length: 16}, (_, j) => model.profileConditionalRates(j)[0]!);
		for (let j = 0; j < 16; j++) expect(new Set(model.profileConditionalRates(j)).size).toBe(1);
		// Per request the levels average 0.7; per draft each level weighs 1 / its mean acceptance length.
		expect(levels.reduce((s, l) => s + l, 0) / 16).toBeCloseTo(0.7, 13);
		const lengths = levels.map(l => 1 + l + l ** 2 + l ** 3 + l ** 4);
		const weights = lengths.map(length => 1 / length);
		const totalWeight = weights.reduce((s, w) => s + w, 0);
		const expected = model.expected();
		expected.unconditionalRates.forEach((r, i) => {
			expect(r).toBeCloseTo(
				levels.reduce((s, l, j) => s + (weights[j]! / totalWeight) * l ** (i + 1), 0),
				13,
			);
		});
		expect(expected.unconditionalRates[0]!).toBeLessThan(0.7);
		const observed = simulateRequests(model, 600, 400, 'constant-hetero');
		expected.unconditionalRates.forEach((r, i) => {
			expect(Math.abs(observed.rates[i]! - r)).toBeLessThan(4 * observed.standardErrors[i]!);
		});
	});

	it('mean-length with heterogeneity keeps the population mean length', () => {
		const model = createAcceptanceModel({spec: {kind: 'mean-length', length: 2.8}, k: 5, heterogeneity: {concentration: 6}});
		expect(model.expected().meanAcceptanceLength).toBeCloseTo(2.8, 11);
	});
});

describe('short drafts (prefix semantics)', () => {
	it('accepted <= draft length, and position i < d is accepted with r_i', () => {
		const rates = [0.9, 0.75, 0.5, 0.4, 0.2];
		const model = createAcceptanceModel({spec: {kind: 'unconditional', rates}, k: 5});
		const profile = model.drawProfile(createRng('short-profile'), 0, 0);
		const draws = createRng('short');
		const n = 20_000;
		for (const d of [0, 1, 2, 3]) {
			const atLeast = new Array<number>(d).fill(0);
			let outOfRange = 0;
			for (let t = 0; t < n; t++) {
				const a = model.sampleAccepted(profile, d, draws.next());
				if (!(a >= 0 && a <= d && Number.isInteger(a))) outOfRange++;
				for (let i = 0; i < a; i++) atLeast[i]! += 1;
			}
			expect(outOfRange).toBe(0);
			atLeast.forEach((c, i) => {
				expect(Math.abs(c / n - rates[i]!)).toBeLessThan(4 * Math.sqrt((rates[i]! * (1 - rates[i]!)) / n));
			});
		}
	});

	it('handles the extremes of u', () => {
		const model = createAcceptanceModel({spec: {kind: 'unconditional', rates: [0.5, 0.25]}, k: 2});
		const profile = model.drawProfile(createRng(1), 0, 0);
		for (const u of [0, 1e-300, 0.5, 1 - 2 ** -53]) expect([0, 1, 2]).toContain(model.sampleAccepted(profile, 2, u));
	});
});

describe('modifiers', () => {
	const base = {kind: 'conditional', rates: [0.8, 0.7, 0.6]} as const;

	it('class factors and temperature multiply conditional rates (clamped)', () => {
		const model = createAcceptanceModel({spec: base, k: 3, classFactors: [1, 0.5, 1.3], temperatureSensitivity: 0.2});
		const conditional = (classIndex: number, temperature = 0) => model.expected({classIndex, temperature}).conditionalRates;
		expect(conditional(0)).toEqual([0.8, 0.7, 0.6].map(c => expect.closeTo(c, 13)));
		expect(conditional(1)).toEqual([0.4, 0.35, 0.3].map(c => expect.closeTo(c, 13)));
		expect(conditional(2)).toEqual([1, 0.91, 0.78].map(c => expect.closeTo(c, 13)));
		expect(conditional(0, 1)).toEqual([0.64, 0.56, 0.48].map(c => expect.closeTo(c, 13)));
		// 0.71 rounds to the 0.70 bucket.
		expect(conditional(1, 0.71)).toEqual([0.8, 0.7, 0.6].map(c => expect.closeTo(c * 0.5 * 0.86, 13)));
		const mixed = model.expected({classWeights: [1, 1, 2]}).unconditionalRates;
		const perClass = [0, 1, 2].map(c => model.expected({classIndex: c}).unconditionalRates);
		mixed.forEach((r, i) => {
			expect(r).toBeCloseTo((perClass[0]![i]! + perClass[1]![i]! + 2 * perClass[2]![i]!) / 4, 13);
		});
	});

	it('sampling follows the class and temperature tables', () => {
		const model = createAcceptanceModel({spec: base, k: 3, classFactors: [1, 0.5], temperatureSensitivity: 0.2});
		const n = 40_000;
		const rates = conditionalToUnconditional([0.4 * 0.8, 0.35 * 0.8, 0.3 * 0.8]);
		expectWithin4Se(simulate(model, n, 'class', 1, 1), rates, n);
	});

	it('scaled multiplies conditional rates, clamps at 1 and composes', () => {
		const model = createAcceptanceModel({spec: base, k: 3});
		expect(model.scaled(1.2).expected().conditionalRates).toEqual([0.96, 0.84, 0.72].map(c => expect.closeTo(c, 13)));
		expect(model.scaled(1.5).expected().conditionalRates).toEqual([1, 1, 0.9].map(c => expect.closeTo(c, 13)));
		expect(
			model
				.scaled(1.5)
				.scaled(1 / 1.5)
				.expected().conditionalRates,
		).toEqual([0.8, 0.7, 0.6].map(c => expect.closeTo(c, 13)));
		expect(() => model.scaled(0)).toThrow('scale factor must be a finite number > 0, got 0');
	});

	it('a heterogeneous model keeps exact population rates per class and temperature', () => {
		const model = createAcceptanceModel({spec: base, k: 3, classFactors: [1, 0.6], temperatureSensitivity: 0.1, heterogeneity: {concentration: 5}});
		const expected = model.expected({classIndex: 1, temperature: 0.5}).conditionalRates;
		expected.forEach((c, i) => {
			expect(c).toBeCloseTo([0.8, 0.7, 0.6][i]! * 0.6 * 0.95, 11);
		});
	});
});

describe('live changes and profiles', () => {
	it('withK extends or truncates and keeps profiles valid', () => {
		const model = createAcceptanceModel({
			spec: {kind: 'conditional', rates: [0.8, 0.7, 0.6]},
			k: 3,
			heterogeneity: {concentration: 10, levels: 8},
			classFactors: [1, 0.9],
		});
		const profile = model.drawProfile(createRng('live'), 1, 0);
		const longer = model.withK(5);
		expect(longer.k).toBe(5);
		expect(longer.profileCoordinates(profile)).toEqual(model.profileCoordinates(profile));
		expect(longer.profileConditionalRates(profile)).toHaveLength(5);
		expect(longer.sampleAccepted(profile, 5, 0.999)).toBeLessThanOrEqual(5);
		// Extension: c continues from 0.6 decayed by the fitted factor, d = sqrt(0.6/0.8).
		const d = Math.sqrt(0.6 / 0.8);
		expect(longer.expected().conditionalRates).toEqual([0.8, 0.7, 0.6, 0.6 * d, 0.6 * d * d].map(c => expect.closeTo(c, 11)));
		expect(model.withK(2).expected().conditionalRates).toEqual([0.8, 0.7].map(c => expect.closeTo(c, 11)));
	});

	it('drawProfile consumes exactly one uniform and decodes to its coordinates', () => {
		const model = createAcceptanceModel({
			spec: {kind: 'constant', alpha: 0.6},
			k: 2,
			heterogeneity: {concentration: 4, levels: 10},
			classFactors: [1, 1, 1],
			temperatureSensitivity: 0.1,
		});
		const rng = createRng('one');
		const reference = createRng('one');
		const u = reference.next();
		const profile = model.drawProfile(rng, 2, 0.3);
		expect(rng.next()).toBe(reference.next());
		expect(model.profileCoordinates(profile)).toEqual({classIndex: 2, temperatureBucket: 6, level: Math.floor(u * 10)});
		expect(model.numProfiles).toBe(3 * 41 * 10);
	});

	it('is deterministic for a seed', () => {
		const model = createAcceptanceModel({spec: {kind: 'geometric', first: 0.85, decay: 0.95}, k: 6, heterogeneity: {concentration: 12}});
		expect(simulate(model, 500, 'det')).toEqual(simulate(model, 500, 'det'));
	});

	it('rejects bad arguments, naming the values', () => {
		const model = createAcceptanceModel({spec: {kind: 'constant', alpha: 0.6}, k: 3});
		expect(() => model.drawProfile(createRng(1), 1, 0)).toThrow('classIndex must be an integer in [0, 1), got 1');
		expect(() => model.drawProfile(createRng(1), 0, -1)).toThrow('temperature must be a finite number >= 0, got -1');
		expect(() => model.sampleAccepted(0, 4, 0.5)).toThrow('0 <= draftLength <= k=3 and an integer profile in [0, 1), got draftLength=4, profile=0');
		expect(() => model.sampleAccepted(1, 2, 0.5)).toThrow(RangeError);
		expect(() => model.sampleAccepted(-1, 2, 0.5)).toThrow(RangeError);
		expect(() => model.expected({classWeights: [1, 2]})).toThrow('classWeights must have 1 entries (one per class), got 2');
		expect(() => createAcceptanceModel({spec: {kind: 'constant', alpha: 0.6}, k: 0})).toThrow('k (num_speculative_tokens) must be >= 1, got 0');
		expect(() => createAcceptanceModel({spec: {kind: 'constant', alpha: 0.6}, k: 3, scale: -1})).toThrow(
			'scale must be a finite number >= 0, got -1',
		);
	});
});

describe('sampleAcceptedBatch', () => {
	// Several blocks (2 classes × 41 temperature buckets) and levels, so consecutive entries change block and level.
	const model = createAcceptanceModel({
		spec: {kind: 'conditional', rates: [0.8, 0.7, 0.6, 0.5]},
		k: 4,
		heterogeneity: {concentration: 6, levels: 16},
		classFactors: [1, 0.7],
		temperatureSensitivity: 0.2,
	});

	it('gives the draws, in order, and the results of sampleAccepted per entry (no draw for an empty draft)', () => {
		const profileRng = createRng('batch-profiles');
		const lengths = createRng('batch-lengths');
		const count = 5000;
		const profiles = new Int32Array(count);
		const draftLengths = new Int32Array(count);
		for (let j = 0; j < count; j++) {
			profiles[j] = model.drawProfile(profileRng, j % 2, [0, 0.3, 1][j % 3]!);
			draftLengths[j] = Math.floor(lengths.next() * 5); // 0..4, about a fifth without a draft
		}
		const batchRng = createRng('batch-draws');
		const out = new Int32Array(count).fill(-1);
		model.sampleAcceptedBatch(profiles, draftLengths, count, batchRng, out);
		const loopRng = createRng('batch-draws');
		const expected = Array.from(draftLengths, (d, j) => (d > 0 ? model.sampleAccepted(profiles[j]!, d, loopRng.next()) : 0));
		expect(Array.from(out)).toEqual(expected);
		// Both consumed the same number of uniforms: the streams continue alike.
		expect(batchRng.next()).toBe(loopRng.next());
		expect(expected.filter(a => a > 0).length).toBeGreaterThan(count / 4);
	});

	it('writes only the first count entries and rejects an entry out of range, naming it', () => {
		const out = new Int32Array(3).fill(-1);
		model.sampleAcceptedBatch(new Int32Array([0, 1, 2]), new Int32Array([1, 2, 3]), 2, createRng('n'), out);
		expect(out[2]).toBe(-1);
		expect(() => model.sampleAcceptedBatch(new Int32Array([0]), new Int32Array([5]), 1, createRng('n'), out)).toThrow(
			'0 <= draftLength <= k=4 and an integer profile in [0, 1312), got draftLength=5, profile=0',
		);
		expect(() => model.sampleAcceptedBatch(new Int32Array([1312]), new Int32Array([1]), 1, createRng('n'), out)).toThrow(RangeError);
	});
});
