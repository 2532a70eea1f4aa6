import {describe, expect, it} from 'vitest';
import {fc, test as fcTest} from '@fast-check/vitest';
import {SpecDecodingStats} from '../../../src/metrics/stats/spec-decoding-stats.js';
import {acceptanceRate, meanAcceptanceLength} from '../../../src/metrics/stats/derived.js';

/**
 * vLLM's scheduler golden vectors (tests/v1/core/test_scheduler.py, test_schedule_spec_decoding_stats):
 * one step each; inner lists are requests' scheduled spec tokens and sampled outputs. The scheduler
 * observes a draft only when both are non-empty, with accepted = len(output) - 1.
 */
const goldenVectors: Array<{
	spec: number[][];
	output: number[][];
	numDrafts: number;
	numDraftTokens: number;
	numAccepted: number;
	perPos: number[];
}> = [
	{spec: [[1, 2, 3]], output: [[1, 2, 3, 4]], numDrafts: 1, numDraftTokens: 3, numAccepted: 3, perPos: [1, 1, 1]},
	{spec: [[1, 2, 3]], output: [[1, 5]], numDrafts: 1, numDraftTokens: 3, numAccepted: 1, perPos: [1, 0, 0]},
	{
		spec: [[1, 2], [3]],
		output: [
			[1, 2, 5],
			[3, 4],
		],
		numDrafts: 2,
		numDraftTokens: 3,
		numAccepted: 3,
		perPos: [2, 1],
	},
	{spec: [[1]], output: [[1, 2]], numDrafts: 1, numDraftTokens: 1, numAccepted: 1, perPos: [1]},
	{spec: [[]], output: [[5]], numDrafts: 0, numDraftTokens: 0, numAccepted: 0, perPos: [0]},
	{
		spec: [
			[1, 2, 3],
			[4, 5, 6],
		],
		output: [
			[1, 2, 7],
			[4, 8],
		],
		numDrafts: 2,
		numDraftTokens: 6,
		numAccepted: 3,
		perPos: [2, 1, 0],
	},
];

describe('SpecDecodingStats', () => {
	it.each(goldenVectors)('scheduler golden vector %#', ({spec, output, numDrafts, numDraftTokens, numAccepted, perPos}) => {
		const k = Math.max(...spec.map(s => s.length), 1);
		const stats = SpecDecodingStats.new(k);
		spec.forEach((drafted, i) => {
			const sampled = output[i]!;
			if (drafted.length > 0 && sampled.length > 0) stats.observeDraft(drafted.length, sampled.length - 1);
		});
		expect(stats.numDrafts).toBe(numDrafts);
		expect(stats.numDraftTokens).toBe(numDraftTokens);
		expect(stats.numAcceptedTokens).toBe(numAccepted);
		expect(stats.numAcceptedTokensPerPos()).toEqual(perPos);
	});

	it('keeps drafted-per-position counts (newest vLLM)', () => {
		const stats = new SpecDecodingStats(3);
		stats.observeDraft(1, 1);
		stats.observeDraft(2, 1);
		expect(stats.numDraftTokensPerPos()).toEqual([2, 1, 0]);
		expect(stats.numAcceptedTokensPerPos()).toEqual([2, 0, 0]);
	});

	it.each([
		[4, 1, 'numAcceptedTokens=1, numDraftTokens=4, numSpecTokens=3'],
		[2, 3, 'numAcceptedTokens=3, numDraftTokens=2, numSpecTokens=3'],
		[2, -1, 'numAcceptedTokens=-1, numDraftTokens=2, numSpecTokens=3'],
		[1.5, 1, 'numAcceptedTokens=1, numDraftTokens=1.5, numSpecTokens=3'],
		[Number.NaN, 0, 'numAcceptedTokens=0, numDraftTokens=NaN, numSpecTokens=3'],
	])('rejects drafted=%d accepted=%d with a RangeError naming the values, changing nothing', (d, a, message) => {
		const stats = new SpecDecodingStats(3);
		stats.observeDraft(3, 2);
		expect(() => stats.observeDraft(d, a)).toThrow(
			new RangeError(`observeDraft requires integers 0 <= numAcceptedTokens <= numDraftTokens <= numSpecTokens, got ${message}`),
		);
		expect([stats.numDrafts, stats.numDraftTokens, stats.numAcceptedTokens]).toEqual([1, 3, 2]);
	});

	it('rejects a non-positive k', () => {
		expect(() => new SpecDecodingStats(0)).toThrow(RangeError);
	});

	it('adds and resets', () => {
		const a = new SpecDecodingStats(2);
		const b = new SpecDecodingStats(2);
		a.observeDraft(2, 2);
		b.observeDraft(2, 1);
		a.add(b);
		expect([a.numDrafts, a.numDraftTokens, a.numAcceptedTokens]).toEqual([2, 4, 3]);
		expect(a.numAcceptedTokensPerPos()).toEqual([2, 1]);
		a.reset();
		expect([a.numDrafts, a.numDraftTokens, a.numAcceptedTokens]).toEqual([0, 0, 0]);
		expect(a.numAcceptedTokensPerPos()).toEqual([0, 0]);
		expect(() => a.add(new SpecDecodingStats(3))).toThrow(RangeError);
	});

	const drafts = (k: number) =>
		fc.array(
			fc.integer({min: 0, max: k}).chain(d => fc.tuple(fc.constant(d), fc.integer({min: 0, max: d}))),
			{maxLength: 200},
		);

	fcTest.prop([fc.integer({min: 1, max: 8}).chain(k => fc.tuple(fc.constant(k), drafts(k)))])(
		'satisfies the aggregate invariants of vLLM (docs/accounting.md)',
		([k, stream]) => {
			const stats = new SpecDecodingStats(k);
			for (const [d, a] of stream) stats.observeDraft(d, a);
			const perPos = stats.numAcceptedTokensPerPos() as number[];
			const draftedPerPos = stats.numDraftTokensPerPos() as number[];
			expect(stats.numAcceptedTokens).toBeLessThanOrEqual(stats.numDraftTokens);
			expect(stats.numDraftTokens).toBeLessThanOrEqual(k * stats.numDrafts);
			expect(perPos[0]!).toBeLessThanOrEqual(stats.numDrafts);
			for (let i = 1; i < k; i++) {
				expect(perPos[i]!).toBeLessThanOrEqual(perPos[i - 1]!);
				expect(draftedPerPos[i]!).toBeLessThanOrEqual(draftedPerPos[i - 1]!);
			}
			for (let i = 0; i < k; i++) expect(draftedPerPos[i]!).toBeGreaterThanOrEqual(perPos[i]!);
			expect(perPos.reduce((s, x) => s + x, 0)).toBe(stats.numAcceptedTokens);
			expect(draftedPerPos.reduce((s, x) => s + x, 0)).toBe(stats.numDraftTokens);
			expect(draftedPerPos[0]).toBe(stats.numDrafts - stream.filter(([d]) => d === 0).length);
			const mal = meanAcceptanceLength(stats.numAcceptedTokens, stats.numDrafts);
			expect(mal).toBeGreaterThanOrEqual(1);
			expect(mal).toBeLessThanOrEqual(k + 1);
		},
	);
});

describe('derived quantities', () => {
	it('follow vLLM zero-denominator rules', () => {
		expect(acceptanceRate(0, 0)).toBeNaN();
		expect(acceptanceRate(3, 6)).toBe(0.5);
		expect(meanAcceptanceLength(0, 0)).toBe(1);
		expect(meanAcceptanceLength(3, 2)).toBe(2.5);
	});
});
