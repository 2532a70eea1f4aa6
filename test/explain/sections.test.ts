import {describe, expect, it} from 'vitest';
import {collectTexts} from '../../src/calibrate/collect.js';
import {
	EXPLAIN_SECTION_IDS,
	exampleLogLine,
	explainNumbersFromExpectation,
	explainSections,
	formatExplainText,
	kTableFromConditional,
	type ExplainNumbers,
} from '../../src/explain/index.js';
import {createAcceptanceModel} from '../../src/speculative/acceptance/model.js';

/** vLLM's EAGLE-3 Llama-3.1-8B golden rates, as the default preset states them. */
const eagle = explainNumbersFromExpectation(createAcceptanceModel({spec: {kind: 'unconditional', rates: [0.7296, 0.5208, 0.3545]}, k: 3}).expected());
/** Leviathan's i.i.d. model, alpha = 0.8, k = 4, classic log layout. */
const iid = explainNumbersFromExpectation(createAcceptanceModel({spec: {kind: 'constant', alpha: 0.8}, k: 4}).expected(), {logFormat: 'classic'});

function body(numbers: ExplainNumbers, id: string): string {
	return explainSections(numbers).find(s => s.id === id)!.body;
}

describe('explainSections', () => {
	it('returns every section, in order, deterministically', () => {
		const sections = explainSections(eagle);
		expect(sections.map(s => s.id)).toEqual([...EXPLAIN_SECTION_IDS]);
		expect(explainSections(eagle)).toEqual(sections);
		for (const s of sections) {
			expect(s.title.length).toBeGreaterThan(0);
			expect(s.body.endsWith('\n')).toBe(false);
		}
	});

	it('expected counts for 1000 drafts', () => {
		expect(eagle).toMatchObject({
			k: 3,
			numDrafts: 1000,
			numDraftTokens: 3000,
			numAcceptedTokens: 730 + 521 + 354 + 1,
			acceptedPerPos: [730, 521, 355],
		});
		expect(eagle.expectedMeanLength).toBeCloseTo(2.6049, 12);
	});

	it('per-position section: unconditional and conditional rates', () => {
		const text = body(eagle, 'per-position');
		expect(text).toContain('0                       0.730            0.730');
		expect(text).toContain('1                       0.521            0.714');
		expect(text).toContain('2                       0.354            0.681');
	});

	it('accepted-length distribution, bonus token and rate versus length carry the numbers', () => {
		const dist = body(eagle, 'accepted-length');
		for (const p of ['0.270', '0.209', '0.166', '0.354']) expect(dist).toContain(p);
		expect(dist).toContain('E[N] = r_0 + ... + r_(k-1) = 1.605');
		const bonus = body(eagle, 'bonus-token');
		expect(bonus).toContain('1 + accepted / drafts = 1 + 1,606 / 1,000 = 2.61');
		expect(bonus).toContain('at most k + 1 = 4');
		expect(bonus).toContain('The model expects 1 + E[N] = 2.605');
		const rate = body(eagle, 'rate-vs-length');
		expect(rate).toContain('accepted / draft tokens = 1,606 / 3,000 = 53.5%');
	});

	it('i.i.d. alpha = 0.8: the k table has the closed forms (1 − a^(k+1)) / (1 − a)', () => {
		const text = body(iid, 'k-table');
		for (let k = 1; k <= 8; k++) {
			const length = (1 - 0.8 ** (k + 1)) / 0.2;
			const row = text.split('\n').find(line => line.startsWith(`${k} `))!;
			expect(row).toContain(length.toFixed(3));
			expect(row).toContain(`${((100 * (length - 1)) / k).toFixed(1)}%`);
		}
		expect(text).toMatch(/^4 .*<- this k$/m);
		expect(body(iid, 'why-falling')).toContain("Here the conditional rates are flat (0.800): Leviathan's i.i.d. model");
	});

	it('the example log line is what vLLM prints for the counts, in the chosen layout, and calibrates back', () => {
		const line = exampleLogLine(iid)!;
		expect(line).toBe(
			'INFO 09-11 12:00:10 [metrics.py:86] SpecDecoding metrics: Draft acceptance rate: 59.1%, Mean acceptance length: 3.36, Accepted: 2362 tokens, Drafted: 4000 tokens, Per-position acceptance rate: 0.800, 0.640, 0.512, 0.410',
		);
		expect(body(iid, 'log-line')).toContain(line);
		expect(exampleLogLine(eagle)).toBe(
			'INFO 09-11 12:00:10 [metrics.py:96] SpecDecoding metrics: Mean acceptance length: 2.61, Accepted throughput: 160.60 tokens/s, Drafted throughput: 300.00 tokens/s, Accepted: 1606 tokens, Drafted: 3000 tokens, Per-position acceptance rate: 0.730, 0.521, 0.355, Avg Draft acceptance rate: 53.5%',
		);
		const {observations} = collectTexts([['explain', line]]);
		expect(observations[0]).toMatchObject({numDrafts: 1000, acceptedPerPos: [800, 640, 512, 410]});
	});

	it('PromQL section evaluates the docstring and dashboard queries on the counts', () => {
		const text = body(eagle, 'promql');
		expect(text).toContain(
			'Acceptance rate -> 0.5353\n  rate(vllm:spec_decode_num_accepted_tokens_total[$interval]) / rate(vllm:spec_decode_num_draft_tokens_total[$interval])',
		);
		expect(text).toContain('Mean acceptance length (conventionally including bonus tokens) -> 2.606');
		expect(text).toContain('Acceptance rate by draft position (timeseries) -> 0.730, 0.521, 0.355 (one series per position)');
		expect(text).toContain(
			'sum(rate(vllm:spec_decode_num_accepted_tokens_total F R)) / (sum(rate(vllm:spec_decode_num_draft_tokens_total F R)) > 0)',
		);
		expect(text).toContain('vllm:spec_decode_num_drafts_total                      1,000');
	});

	it('live numbers with short drafts: the draft-tokens section says how many are missing', () => {
		const live: ExplainNumbers = {
			...eagle,
			numDraftTokens: 2500,
			acceptanceRate: 1606 / 2500,
			acceptedPerPos: undefined,
			draftedPerPos: undefined,
			logFormat: 'coverage',
		};
		expect(body(live, 'draft-tokens')).toContain(
			'drafts x k = 1,000 x 3 = 3,000; draft tokens = 2,500 (mean verification depth 2.50 of 3).\nHere 500 draft tokens are missing',
		);
		expect(body(live, 'log-line')).toContain('Mean verification depth: 2.50/3');
	});

	it('describes rising conditional rates and checks its input', () => {
		const rising: ExplainNumbers = {...eagle, unconditionalRates: [0.6, 0.42, 0.336], conditionalRates: [0.6, 0.7, 0.8]};
		expect(body(rising, 'why-falling')).toContain('Here the conditional rates rise (0.600 -> 0.800)');
		expect(() => explainSections({...eagle, conditionalRates: [0.5]})).toThrow(RangeError);
		expect(() => explainSections({...eagle, k: 0})).toThrow('k must be a positive integer, got 0');
	});

	it('kTableFromConditional continues rates the way the simulator extends them', () => {
		const rows = kTableFromConditional([0.8, 0.8], 4);
		expect(rows.map(r => r.lastPositionRate)).toEqual([0.8, 0.8 ** 2, 0.8 ** 3, 0.8 ** 4].map(x => expect.closeTo(x, 12)));
		expect(formatExplainText(explainSections(eagle), 'head').startsWith('head\n\n## What a draft is\n\n')).toBe(true);
	});
});

describe('with no drafts yet', () => {
	it('prints no NaN', async () => {
		const {explainSections} = await import('../../src/explain/index.js');
		const sections = explainSections({
			k: 3,
			unconditionalRates: [0, 0, 0],
			conditionalRates: [0, 0, 0],
			meanAcceptanceLength: 1,
			acceptanceRate: 0,
			numDrafts: 0,
			numDraftTokens: 0,
			numAcceptedTokens: 0,
			expectedMeanLength: 2.6,
		});
		const text = sections.map(s => s.body).join('\n');
		expect(text).not.toMatch(/NaN|nan/);
		expect(sections.find(s => s.id === 'draft-tokens')!.body).toContain('No drafts yet (drafts x k = 0 x 3 = 0; draft tokens = 0).');
	});
});
