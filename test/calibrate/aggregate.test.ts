import {describe, expect, it} from 'vitest';
import {aggregateObservations} from '../../src/calibrate/aggregate.js';
import {calibrate} from '../../src/calibrate/calibrate.js';
import {collectTexts} from '../../src/calibrate/collect.js';
import {formatWarning, formatWarnings} from '../../src/calibrate/report.js';
import {loadPreset} from '../../src/config/load.js';
import {UserError} from '../../src/util/user-error.js';
import {SAMPLE_LINES} from './samples.js';

const v1e = (accepted: number, drafted: number, perPos: string, mal: string, rate: string): string =>
	`SpecDecoding metrics: Mean acceptance length: ${mal}, Accepted throughput: 0.00 tokens/s, Drafted throughput: 0.00 tokens/s, Accepted: ${accepted} tokens, Drafted: ${drafted} tokens, Per-position acceptance rate: ${perPos}, Avg Draft acceptance rate: ${rate}%`;

describe('aggregating observations', () => {
	it('sums counts over lines and files', () => {
		const {observations} = collectTexts([
			['a.log', `${SAMPLE_LINES.v1PerPosition}\n${SAMPLE_LINES.zmarty}\n`],
			['b.log', `${SAMPLE_LINES.zmarty}\n`],
		]);
		const {counts} = aggregateObservations(observations);
		expect(counts).toMatchObject({
			k: 3,
			numDrafts: 129 + 2 * 203,
			numDraftTokens: 387 + 2 * 609,
			numAcceptedTokens: 150 + 2 * 206,
			numObservations: 3,
			formats: {classic: 1, throughput: 2},
		});
		expect(counts.perPosition!.acceptedPerPos).toEqual([70 + 2 * 122, 46 + 2 * 58, 34 + 2 * 26]);
		expect(counts.intervals).toHaveLength(3);
	});

	it('turns cumulative v0 lines into intervals (restarts count whole)', () => {
		const v0 = (accepted: number, drafted: number, emitted: number): string =>
			`INFO 10-16 19:05:47 metrics.py:367] Speculative metrics: Draft acceptance rate: ${(accepted / drafted).toFixed(3)}, System efficiency: ${(emitted / ((drafted / 3) * 4)).toFixed(3)}, Number of speculative tokens: 3, Number of accepted tokens: ${accepted}, Number of draft tokens: ${drafted}, Number of emitted tokens: ${emitted}.`;
		const {observations} = collectTexts([['v0.log', [v0(60, 300, 250), v0(120, 600, 500), v0(30, 150, 125)].join('\n')]]);
		const {counts, warnings} = aggregateObservations(observations);
		// 100 drafts, then +100, then a restart with 50: 250 drafts whose prefix-accepted = emitted − drafts.
		expect(counts).toMatchObject({numDrafts: 250, numDraftTokens: 750, numAcceptedTokens: 150 + 150 + 75, acceptedAnywhere: 60 + 60 + 30});
		expect(counts.intervals.map(i => i.numDrafts)).toEqual([100, 100, 50]);
		expect(warnings.map(w => w.kind)).toContain('counter-reset');
	});

	it('keeps the k with most drafts and says what it skipped', () => {
		const {observations} = collectTexts([['mixed.log', `${SAMPLE_LINES.club3090}\n${SAMPLE_LINES.zmarty}\n`]]);
		const {counts, warnings} = aggregateObservations(observations);
		expect(counts.k).toBe(5);
		expect(counts.numDrafts).toBe(331);
		expect(warnings.find(w => w.kind === 'mixed-k')?.message).toBe(
			'the input mixes k = 5, 3; using k = 5 (most drafts) and skipping 1 observation(s) with k = 3',
		);
	});

	it('flags lines that look like bugs: 0% and 100% acceptance, tiny samples', () => {
		const lines = [v1e(0, 300, '0.000, 0.000, 0.000', '1.00', '0.0'), v1e(30, 30, '1.000, 1.000, 1.000', '4.00', '100.0'), SAMPLE_LINES.zmarty].join(
			'\n',
		);
		const {observations} = collectTexts([['bugs.log', lines]]);
		const {warnings} = aggregateObservations(observations);
		const byLine = warnings.filter(w => w.origin !== undefined).map(w => `${w.origin!.line}:${w.kind}`);
		expect(byLine).toEqual(['1:zero-acceptance', '2:tiny-sample', '2:full-acceptance']);
		expect(formatWarning(warnings[0]!)).toBe(
			'warning: bugs.log:1: 0% acceptance (0 of 300 drafted tokens): a broken or mismatched drafter (tokenizer, wrong draft model)?',
		);
	});

	it('refuses to add log lines and Prometheus scrapes together', () => {
		const scrape =
			'vllm:spec_decode_num_drafts_total{engine="0",model_name="m"} 10.0\nvllm:spec_decode_num_draft_tokens_total{engine="0",model_name="m"} 30.0\nvllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="m"} 12.0\n';
		const {observations} = collectTexts(
			[
				['a.log', SAMPLE_LINES.zmarty],
				['s.prom', scrape],
			],
			{assumedK: 3},
		);
		expect(() => aggregateObservations(observations)).toThrow(UserError);
		expect(() => aggregateObservations(observations)).toThrow(/either log lines or Prometheus scrapes/);
	});
});

describe('calibrate: unusable input and warnings', () => {
	it('fails with a UserError naming what it saw when nothing is usable', async () => {
		const {input} = await loadPreset('llama-3.1-8b-eagle3');
		const collected = collectTexts([['junk.log', 'hello\nSpecDecoding metrics: Accepted: x\nworld\n']]);
		expect(() => calibrate(collected, {base: input})).toThrow(
			'nothing usable found in junk.log: 0 spec-decode log lines usable, 1 unparseable, 0 Prometheus scrapes with spec_decode counters, 2 other lines',
		);
		expect(collected.warnings.map(formatWarning)).toEqual([
			'warning: junk.log:2: unparseable spec-decode line (no "Draft acceptance rate:" field: SpecDecoding metrics: Accepted: x)',
		]);
	});

	it('reports unparseable lines by file and line number and does not use them', async () => {
		const {input} = await loadPreset('llama-3.1-8b-eagle3');
		const text = [
			SAMPLE_LINES.zmarty,
			'INFO unrelated',
			SAMPLE_LINES.zmarty.slice(0, 150),
			SAMPLE_LINES.zmarty.replace('Accepted: 206', 'Accepted: 2x6'),
		].join('\n');
		const result = calibrate(collectTexts([['run.log', text]]), {base: input});
		expect(result.stats).toMatchObject({logLines: 1, unparseable: 2, ignoredLines: 1});
		expect(result.counts.numDrafts).toBe(203);
		const lines = formatWarnings(result.warnings).filter(l => l.includes('unparseable'));
		expect(lines.map(l => l.slice(0, 'warning: run.log:3: unparseable'.length))).toEqual([
			'warning: run.log:3: unparseable',
			'warning: run.log:4: unparseable',
		]);
	});

	it('caps repeated warnings of one kind and counts the rest', () => {
		const warnings = Array.from({length: 8}, (_, i) => ({kind: 'tiny-sample' as const, origin: {source: 'f', line: i + 1}, message: 'tiny'}));
		const lines = formatWarnings(warnings);
		expect(lines).toHaveLength(6);
		expect(lines[5]).toBe('warning: ... and 3 more "tiny-sample" warnings');
	});
});
