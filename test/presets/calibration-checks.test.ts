import {describe, expect, it} from 'vitest';
import {listPresetNames, loadPreset} from '../../src/config/load.js';
import type {SimConfig} from '../../src/config/schema.js';
import {buildSimulation} from '../../src/sim/build.js';
import {PROPOSER_METHODS} from '../../src/speculative/proposers/methods.js';

/**
 * Calibration checks, not validation: every preset's `published` figures are the figures its
 * acceptance (and, for `speedup`, its draft cost) was derived from (see each `source` and
 * docs/published-figures.md). Reproducing them checks the derivation, the closed forms and the
 * simulator's accounting; it says nothing about predicting data the preset was not fitted to
 * (that is held-out-validation.test.ts). At each published k:
 * - the closed forms (`expected()`) equal the figures to the figure's rounding;
 * - a seeded run long enough that 4 standard errors are below half the tolerance (±0.03 for the
 *   mean acceptance length, ±0.01 per position) lands within the tolerance of the figures, and
 *   within 4 standard errors of the closed forms.
 * Fixed-length drafters are measured as vLLM logs them (per-position = accepted at position /
 * drafts, AL = 1 + accepted / drafts). N-gram and suffix drafts are variable-length, and their
 * presets state acceptance for full-length drafts, so those are measured per drafted position
 * (accepted at position / drafts reaching it, vLLM's newest "coverage" convention), AL = 1 + Σ.
 */

const AL_TOLERANCE = 0.03;
const POSITION_TOLERANCE = 0.01;
/** Closed form vs figure: half a unit in the last published digit (ALs have 2 decimals, rates 4). */
const AL_ROUNDING = 0.005 + 1e-9;
const POSITION_ROUNDING = 0.00005 + 1e-9;
/** Runs stop when 4 standard errors are below this fraction of the tolerances. */
const PRECISION = 0.5;

const presets = await Promise.all((await listPresetNames()).map(async name => (await loadPreset(name)).config));
const published = presets.filter(config => config.published.length > 0);

type Measurement = {
	numDrafts: number;
	perPosition: number[];
	meanLength: number;
	draftAcceptanceRate: number;
	sePerPosition: number[];
	seMeanLength: number;
	fullLengthFraction: number;
};

function atK(config: SimConfig, k: number): SimConfig {
	return {...config, speculative: {...config.speculative, numSpecTokens: k}};
}

/**
 * Per-request sums for a cluster-robust standard error: drafts of one request share its
 * acceptance level (heterogeneity), so they are not independent draws. For the ratio
 * r̂ = Σ acc / Σ drafts over finished requests, SE = sqrt(Σ (acc_r − r̂·d_r)²) / Σ d_r.
 */
type Clusters = {drafts: number; d2: number; acc: number[]; acc2: number[]; accD: number[]; accepted: number; accepted2: number; acceptedD: number};

function watchClusters(built: ReturnType<typeof buildSimulation>, k: number): Clusters {
	const c: Clusters = {
		drafts: 0,
		d2: 0,
		acc: new Array(k).fill(0),
		acc2: new Array(k).fill(0),
		accD: new Array(k).fill(0),
		accepted: 0,
		accepted2: 0,
		acceptedD: 0,
	};
	built.simulation.subscribe({
		onStep: out => {
			for (const request of out.finished) {
				const d = request.numSpecSteps;
				c.drafts += d;
				c.d2 += d * d;
				let atLeast = 0;
				for (let i = k - 1; i >= 0; i--) {
					atLeast += request.acceptanceHistogram[i + 1] ?? 0;
					c.acc[i]! += atLeast;
					c.acc2[i]! += atLeast * atLeast;
					c.accD[i]! += atLeast * d;
				}
				const a = request.numAcceptedDraftTokens;
				c.accepted += a;
				c.accepted2 += a * a;
				c.acceptedD += a * d;
			}
		},
	});
	return c;
}

function clusteredSe(sum: number, sum2: number, sumD: number, c: Clusters): number {
	const r = sum / c.drafts;
	return Math.sqrt(Math.max(0, sum2 - 2 * r * sumD + r * r * c.d2)) / c.drafts;
}

function summarise(built: ReturnType<typeof buildSimulation>, fixedLength: boolean, clusters: Clusters | undefined): Measurement {
	const expected = built.expected();
	const k = expected.unconditionalRates.length;
	const w = built.metrics[0]!.lifetime.spec;
	const accepted = w.acceptedPerPos(new Float64Array(k));
	const drafted = w.draftedPerPos(new Float64Array(k));
	const n = w.numDrafts;
	if (clusters !== undefined) {
		// Heterogeneous acceptance: measured over finished requests, with request-clustered errors.
		const c = clusters;
		const perPosition = c.acc.map(x => x / c.drafts);
		const meanLength = 1 + c.accepted / c.drafts;
		return {
			numDrafts: c.drafts,
			perPosition,
			meanLength,
			draftAcceptanceRate: (meanLength - 1) / k,
			sePerPosition: c.acc.map((x, i) => clusteredSe(x, c.acc2[i]!, c.accD[i]!, c)),
			seMeanLength: clusteredSe(c.accepted, c.accepted2, c.acceptedD, c),
			fullLengthFraction: drafted[k - 1]! / n,
		};
	}
	const perPosition: number[] = [];
	const sePerPosition: number[] = [];
	for (let i = 0; i < k; i++) {
		const base = fixedLength ? n : drafted[i]!;
		const r = expected.unconditionalRates[i]!;
		perPosition.push(accepted[i]! / base);
		sePerPosition.push(Math.sqrt((r * (1 - r)) / base));
	}
	let seMeanLength: number;
	let meanLength: number;
	if (fixedLength) {
		// Var(N) from the closed-form accepted-length distribution; drafts are independent.
		const p = expected.acceptedLengthDistribution;
		const mean = p.reduce((s, q, j) => s + q * j, 0);
		const variance = p.reduce((s, q, j) => s + q * j * j, 0) - mean * mean;
		seMeanLength = Math.sqrt(variance / n);
		meanLength = 1 + w.numAcceptedTokens / n;
	} else {
		// The positions share drafts: the sum's standard error is at most the sum of theirs.
		seMeanLength = sePerPosition.reduce((s, x) => s + x, 0);
		meanLength = 1 + perPosition.reduce((s, x) => s + x, 0);
	}
	const draftAcceptanceRate = (meanLength - 1) / k;
	return {numDrafts: n, perPosition, meanLength, draftAcceptanceRate, sePerPosition, seMeanLength, fullLengthFraction: drafted[k - 1]! / n};
}

/**
 * Run until 4 standard errors are within half the tolerances (so the published figures sit 8
 * standard errors wide), growing the run from its draft rate.
 */
function runLongEnough(config: SimConfig): {built: ReturnType<typeof buildSimulation>; m: Measurement} {
	const built = buildSimulation(config, {seed: 0});
	const fixedLength = built.method === 'none' || PROPOSER_METHODS[built.method].fixedLength;
	const clusters = config.speculative.heterogeneity === undefined ? undefined : watchClusters(built, config.speculative.numSpecTokens);
	let t = 60;
	for (let round = 0; round < 12; round++) {
		built.simulation.runUntil(t);
		const m = summarise(built, fixedLength, clusters);
		const worst = Math.max((4 * m.seMeanLength) / AL_TOLERANCE, ...m.sePerPosition.map(se => (4 * se) / POSITION_TOLERANCE));
		if (m.numDrafts > 0 && worst < PRECISION) return {built, m};
		// Standard errors shrink as 1/sqrt(drafts): scale the run by (worst / PRECISION)², with 20% margin.
		t = m.numDrafts === 0 ? t * 4 : t * Math.min(50, Math.max(1.2, 1.2 * (worst / PRECISION) ** 2));
	}
	throw new Error(`${config.name}: the run did not reach the required precision`);
}

describe.each(published.map(config => [config.name, config] as const))('%s', (_name, config) => {
	if (config.speculative.heterogeneity !== undefined) {
		it('weights heterogeneous acceptance per draft, as vLLM counts', () => {
			// Requests that accept more finish in fewer drafts; the model solves its levels with
			// per-draft weights, so the closed forms are what vLLM's per-draft counters converge to.
			const expected = buildSimulation(config, {seed: 0}).expected();
			const spec = config.speculative.acceptance;
			if (spec?.kind === 'unconditional')
				spec.rates.forEach((r, i) => {
					expect(expected.unconditionalRates[i]!).toBeCloseTo(r, 10);
				});
		});
	}

	describe.each(config.published.map(entry => [entry.numSpecTokens, entry] as const))('at k=%i', (k, entry) => {
		it('calibration check: the closed forms equal the figures the preset was derived from', () => {
			const built = buildSimulation(atK(config, k), {seed: 0});
			const expected = built.expected();
			if (entry.meanAcceptanceLength !== undefined)
				expect(Math.abs(expected.meanAcceptanceLength - entry.meanAcceptanceLength)).toBeLessThanOrEqual(AL_ROUNDING);
			if (entry.perPosition !== undefined) {
				expect(entry.perPosition).toHaveLength(k);
				entry.perPosition.forEach((r, i) => {
					expect(Math.abs(expected.unconditionalRates[i]! - r)).toBeLessThanOrEqual(POSITION_ROUNDING);
				});
			}
			if (entry.draftAcceptanceRate !== undefined)
				expect(Math.abs(expected.draftAcceptanceRate - entry.draftAcceptanceRate)).toBeLessThanOrEqual(POSITION_ROUNDING);
			const draft = config.speculative.draftCost;
			if (entry.speedup !== undefined && draft?.kind === 'ratio') {
				// Leviathan: S = (1 + Σ r_i) / (1 + k·c) at batch 1; c was derived from this figure.
				expect(Math.abs(expected.meanAcceptanceLength / (1 + k * draft.c) - entry.speedup)).toBeLessThanOrEqual(AL_ROUNDING);
			}
		});

		it('calibration check: a long seeded run lands on the figures the preset was derived from', () => {
			const {built, m} = runLongEnough(atK(config, k));
			const expected = built.expected();
			if (built.method !== 'none' && PROPOSER_METHODS[built.method].fixedLength) expect(m.fullLengthFraction).toBeGreaterThanOrEqual(0.999);
			expect(4 * m.seMeanLength).toBeLessThan(AL_TOLERANCE);
			expect(Math.abs(m.meanLength - expected.meanAcceptanceLength)).toBeLessThan(4 * m.seMeanLength);
			m.perPosition.forEach((r, i) => {
				expect(4 * m.sePerPosition[i]!).toBeLessThan(POSITION_TOLERANCE);
				expect(Math.abs(r - expected.unconditionalRates[i]!)).toBeLessThan(4 * m.sePerPosition[i]!);
			});
			if (entry.meanAcceptanceLength !== undefined) expect(Math.abs(m.meanLength - entry.meanAcceptanceLength)).toBeLessThan(AL_TOLERANCE);
			entry.perPosition?.forEach((r, i) => {
				expect(Math.abs(m.perPosition[i]! - r)).toBeLessThan(POSITION_TOLERANCE);
			});
			if (entry.draftAcceptanceRate !== undefined)
				expect(Math.abs(m.draftAcceptanceRate - entry.draftAcceptanceRate)).toBeLessThan(POSITION_TOLERANCE);
		});
	});
});

it('calibration checks cover the vLLM goldens, the k sweep, MTP, n-gram, draft model, Medusa and Leviathan', () => {
	const methods = new Set(published.map(config => config.speculative.method));
	for (const method of ['eagle3', 'deepseek_mtp', 'qwen3_next_mtp', 'ngram', 'draft_model', 'medusa']) expect(methods).toContain(method);
	const sweep = published.find(config => config.name === 'llama-3.1-8b-eagle3-k-sweep');
	expect(sweep?.published.map(entry => entry.numSpecTokens)).toEqual([2, 3, 4, 5, 6, 7]);
});
