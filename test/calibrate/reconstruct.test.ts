import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {parseLogLine, type PrintedLine} from '../../src/calibrate/log-line.js';
import {reconstructLine} from '../../src/calibrate/reconstruct.js';
import type {Observation} from '../../src/calibrate/types.js';
import {LOG_FORMATS} from '../../src/metrics/log/formats.js';
import {drawInterval, formatCounts} from './helpers.js';
import {SAMPLE_LINES} from './samples.js';

const origin = {source: 'test.log', line: 1};

function printed(line: string): PrintedLine {
	const result = parseLogLine(line);
	if (result.kind !== 'ok') throw new Error(`did not parse: ${JSON.stringify(result)}`);
	return result.printed;
}

function reconstruct(line: string, assumedK?: number): {observation: Observation; warnings: string[]} {
	const {observation, warnings} = reconstructLine(printed(line), origin, assumedK === undefined ? {} : {assumedK});
	if (observation === undefined) throw new Error(`no observation: ${warnings.map(w => w.message).join('; ')}`);
	return {observation, warnings: warnings.map(w => `${w.kind}: ${w.message}`)};
}

describe('reconstructing counts from the sample lines', () => {
	it('v1-per-position ngram line (classic): 129 drafts, 150 accepted, 387 drafted, per position 70/46/34', () => {
		const {observation: o, warnings} = reconstruct(SAMPLE_LINES.v1PerPosition);
		expect(o).toMatchObject({
			format: 'classic',
			k: 3,
			numDrafts: 129,
			numAcceptedTokens: 150,
			numDraftTokens: 387,
			acceptedPerPos: [70, 46, 34],
			draftsFrom: 'drafted/k',
		});
		expect(warnings).toEqual([]);
	});

	it('club-3090 throughput line: 331 drafts, per position 255/173/109/60/35, about 10 s', () => {
		const {observation: o, warnings} = reconstruct(SAMPLE_LINES.club3090);
		expect(o).toMatchObject({
			format: 'throughput',
			k: 5,
			numDrafts: 331,
			numAcceptedTokens: 632,
			numDraftTokens: 1655,
			acceptedPerPos: [255, 173, 109, 60, 35],
		});
		expect(o.elapsedS).toBeCloseTo(10, 2);
		expect(warnings).toEqual([]);
	});

	it('zmarty throughput line (EAGLE-3, k = 3): 203 drafts, per position 122/58/26', () => {
		const {observation: o} = reconstruct(SAMPLE_LINES.zmarty);
		expect(o).toMatchObject({format: 'throughput', k: 3, numDrafts: 203, numAcceptedTokens: 206, numDraftTokens: 609, acceptedPerPos: [122, 58, 26]});
		expect(o.acceptedPerPos!.reduce((a, b) => a + b, 0)).toBe(206);
	});

	it('v0 line: cumulative, drafts = draft tokens / k, accepted prefix = emitted − drafts', () => {
		const {observation: o, warnings} = reconstruct(SAMPLE_LINES.v0);
		expect(o).toMatchObject({
			format: 'v0',
			k: 3,
			numDrafts: 4437,
			numDraftTokens: 13311,
			numAcceptedTokens: 10616 - 4437,
			acceptedAnywhere: 8547,
			cumulative: true,
		});
		expect(o.acceptedPerPos).toBeUndefined();
		// 0.642 = 8547 / 13311 and 0.598 = 10616 / (4437 · 4) check out: no warnings.
		expect(warnings).toEqual([]);
	});

	it('V1-b line needs an assumed k; with k = 3 it is 22 drafts', () => {
		expect(reconstructLine(printed(SAMPLE_LINES.v1b), origin, {}).warnings.map(w => w.kind)).toEqual(['assumed-k']);
		const {observation: o} = reconstruct(SAMPLE_LINES.v1b, 3);
		expect(o).toMatchObject({
			format: 'v1-b',
			k: 3,
			kAssumed: true,
			numDrafts: 22,
			numAcceptedTokens: 66,
			numDraftTokens: 66,
			draftsFrom: 'assumed-k',
		});
	});

	it('V1-a line (fraction rate, trailing comma and space)', () => {
		const {observation: o} = reconstruct(
			'INFO 04-01 10:00:00 [metrics.py:50] Speculative metrics: Draft acceptance rate: 0.625, Number of accepted tokens: 25, Number of draft tokens: 40, ',
			4,
		);
		expect(o).toMatchObject({format: 'v1-a', k: 4, numDrafts: 10, numAcceptedTokens: 25, numDraftTokens: 40});
	});
});

describe('V1-c versus classic', () => {
	// 129 drafts, 150 accepted: V1-c printed 150 / 129 = 1.16 where classic printed 2.16.
	const v1c =
		'SpecDecoding metrics: Draft acceptance rate: 38.8%, Mean acceptance length: 1.16, Accepted: 150 tokens, Drafted: 387 tokens, Per-position acceptance rate: 0.543, 0.357, 0.264';

	it('a mean length without the bonus token is recognised as V1-c with the same counts', () => {
		const {observation: o} = reconstruct(v1c);
		expect(o).toMatchObject({format: 'v1-c', numDrafts: 129, acceptedPerPos: [70, 46, 34]});
		expect(reconstruct(SAMPLE_LINES.v1PerPosition).observation.format).toBe('classic');
	});

	it('a mean length below 1 can only be V1-c', () => {
		const line =
			'SpecDecoding metrics: Draft acceptance rate: 20.0%, Mean acceptance length: 0.60, Accepted: 6 tokens, Drafted: 30 tokens, Per-position acceptance rate: 0.300, 0.200, 0.100';
		expect(reconstruct(line).observation).toMatchObject({format: 'v1-c', numDrafts: 10, acceptedPerPos: [3, 2, 1]});
	});
});

describe('drafts from the mean length when drafted / k fails', () => {
	it('variable-length drafts: drafted / k is not an integer, drafts come from the mean length and per-position rates', () => {
		// 100 drafts (k = 3) drafting 250 tokens; acc_pos 60/30/10 → accepted 100, mean length 2.00.
		const line =
			'SpecDecoding metrics: Draft acceptance rate: 40.0%, Mean acceptance length: 2.00, Accepted: 100 tokens, Drafted: 250 tokens, Per-position acceptance rate: 0.600, 0.300, 0.100';
		const {observation: o, warnings} = reconstruct(line);
		expect(o).toMatchObject({numDrafts: 100, acceptedPerPos: [60, 30, 10], draftsFrom: 'mean-length'});
		expect(warnings.some(w => w.startsWith('variable-length:'))).toBe(true);
	});

	it('drafted / k an integer that the printed values contradict: warns and uses the consistent count', () => {
		// 90 drafts drafting 270 of k = 3 would print 1 + 100/90 = 2.11; the line says 2.00 (100 drafts, short ones among them).
		const line =
			'SpecDecoding metrics: Draft acceptance rate: 37.0%, Mean acceptance length: 2.00, Accepted: 100 tokens, Drafted: 270 tokens, Per-position acceptance rate: 0.600, 0.300, 0.100';
		const {observation: o, warnings} = reconstruct(line);
		expect(o.numDrafts).toBe(100);
		expect(warnings.find(w => w.startsWith('derivation:'))).toContain('drafted / k = 90 disagrees');
	});

	it('an edited line no count can reproduce is used with rounded counts when drafted / k is an integer, else skipped', () => {
		const edited =
			'SpecDecoding metrics: Draft acceptance rate: 38.8%, Mean acceptance length: 2.50, Accepted: 150 tokens, Drafted: 387 tokens, Per-position acceptance rate: 0.543, 0.357, 0.264';
		const {observation: o, warnings} = reconstruct(edited);
		expect(o).toMatchObject({numDrafts: 129, draftsFrom: 'rounded', acceptedPerPos: [70, 46, 34]});
		expect(warnings.some(w => w.startsWith('inconsistent:'))).toBe(true);
		const skipped = reconstructLine(printed(edited.replace('Drafted: 387', 'Drafted: 388').replace('38.8%', '38.7%')), origin);
		expect(skipped.observation).toBeUndefined();
		expect(skipped.warnings.map(w => w.kind)).toContain('inconsistent');
	});

	it('flags per-position rates that rise (impossible for prefix counts)', () => {
		const line =
			'SpecDecoding metrics: Draft acceptance rate: 38.8%, Mean acceptance length: 2.16, Accepted: 150 tokens, Drafted: 387 tokens, Per-position acceptance rate: 0.357, 0.543, 0.264';
		const {warnings} = reconstructLine(printed(line), origin);
		expect(warnings.map(w => w.kind)).toContain('non-monotone');
	});

	it('skips lines without draft tokens', () => {
		const line =
			'SpecDecoding metrics: Mean acceptance length: 1.00, Mean verification depth: 0.00/3, Accepted throughput: 0.00 tokens/s, Drafted throughput: 0.00 tokens/s, Accepted: 0 tokens, Drafted: 0 tokens, Per-position acceptance rate: -----, -----, -----, Per-position verification coverage: 0.000, 0.000, 0.000, Avg Draft acceptance rate: nan%';
		const result = reconstructLine(printed(line), origin);
		expect(result.observation).toBeUndefined();
		expect(result.warnings.map(w => w.kind)).toEqual(['no-drafts']);
	});
});

describe('coverage lines', () => {
	it('the upstream unit-test line: (d=1, a=1) and (d=2, a=1) with k = 3', () => {
		const line = formatCounts('coverage', {
			k: 3,
			numDrafts: 2,
			numDraftTokens: 3,
			numAcceptedTokens: 2,
			acceptedPerPos: [2, 0, 0],
			draftedPerPos: [2, 1, 0],
		});
		expect(line).toContain('Per-position acceptance rate: 1.000, 0.000, -----');
		const {observation: o} = reconstruct(line);
		expect(o).toMatchObject({format: 'coverage', k: 3, numDrafts: 2, numDraftTokens: 3, acceptedPerPos: [2, 0, 0], draftedPerPos: [2, 1, 0]});
	});
});

describe('round trip: lines specsim formats reconstruct to their counts', () => {
	test.prop(
		[
			fc.constantFrom(...LOG_FORMATS),
			fc.integer({min: 1, max: 6}),
			fc.integer({min: 1, max: 1000}),
			fc.double({min: 0.05, max: 0.95, noNaN: true}),
			fc.integer({min: 1, max: 2 ** 31}),
		],
		{numRuns: 60},
	)('fixed-length drafts, at most 1000 per line: exact drafts and per-position counts', (format, k, numDrafts, alpha, seed) => {
		const counts = drawInterval(seed, k, numDrafts, alpha, false);
		const {observation: o} = reconstruct(formatCounts(format, counts));
		expect(o.numDrafts).toBe(numDrafts);
		expect(o.numAcceptedTokens).toBe(counts.numAcceptedTokens);
		expect(o.acceptedPerPos).toEqual(counts.acceptedPerPos);
	});

	test.prop(
		[
			fc.constantFrom(...LOG_FORMATS),
			fc.integer({min: 1, max: 6}),
			fc.integer({min: 1001, max: 200_000}),
			fc.double({min: 0.05, max: 0.95, noNaN: true}),
			fc.integer({min: 1, max: 2 ** 31}),
		],
		{numRuns: 25},
	)(
		'fixed-length drafts, more than 1000 per line: exact drafts, per-position counts within the 3-decimal rounding',
		(format, k, numDrafts, alpha, seed) => {
			const counts = drawInterval(seed, k, numDrafts, alpha, false);
			const line = formatCounts(format, counts);
			const {observation: o} = reconstruct(line);
			expect(o.numDrafts).toBe(numDrafts);
			expect(o.acceptedPerPos!.reduce((a, b) => a + b, 0)).toBe(counts.numAcceptedTokens);
			o.acceptedPerPos!.forEach((a, i) => {
				expect(Math.abs(a - counts.acceptedPerPos[i]!)).toBeLessThanOrEqual(Math.ceil(numDrafts / 1000));
			});
			expect(formatCounts(format, {...counts, acceptedPerPos: o.acceptedPerPos!})).toBe(line);
		},
	);

	test.prop(
		[
			fc.constantFrom(...LOG_FORMATS),
			fc.integer({min: 2, max: 6}),
			fc.integer({min: 1, max: 5000}),
			fc.double({min: 0.05, max: 0.95, noNaN: true}),
			fc.integer({min: 1, max: 2 ** 31}),
		],
		{numRuns: 60},
	)('variable-length drafts: the reconstructed counts print the same line', (format, k, numDrafts, alpha, seed) => {
		const counts = drawInterval(seed, k, numDrafts, alpha, true);
		const line = formatCounts(format, counts);
		const {observation: o} = reconstruct(line);
		const draftedPerPos = o.draftedPerPos ?? counts.draftedPerPos;
		const again = formatCounts(format, {
			k,
			numDrafts: o.numDrafts,
			numDraftTokens: o.numDraftTokens,
			numAcceptedTokens: o.numAcceptedTokens,
			acceptedPerPos: o.acceptedPerPos!,
			draftedPerPos,
		});
		expect(again).toBe(line);
	});
});
