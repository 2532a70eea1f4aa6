import {readFileSync} from 'node:fs';
import {Registry} from 'prom-client';
import {describe, expect, it} from 'vitest';
import {collectTexts} from '../../src/calibrate/collect.js';
import {parsePromLine} from '../../src/calibrate/prometheus.js';
import {renderText} from '../../src/metrics/prom/exposition.js';
import {createSpecDecodingProm} from '../../src/metrics/prom/spec-decoding-prom.js';
import {SpecDecodingStats} from '../../src/metrics/stats/spec-decoding-stats.js';

/** Two engines with k = 3; returns a function that observes drafts [(d, a), ...] on an engine. */
function setup(perPositionDrafted = false) {
	const registry = new Registry();
	const engines = [0, 1].map(engine => createSpecDecodingProm({registry, modelName: 'llama', engine, numSpecTokens: 3, perPositionDrafted}));
	const observe = (engine: number, drafts: Array<[number, number]>): void => {
		const stats = new SpecDecodingStats(3);
		for (const [d, a] of drafts) stats.observeDraft(d, a);
		engines[engine]!.observe(stats);
	};
	return {registry, observe};
}

describe('calibrating from Prometheus scrapes', () => {
	it('one scrape: counters since start, summed over engines', async () => {
		const {registry, observe} = setup();
		observe(0, [
			[3, 3],
			[3, 1],
			[3, 0],
		]);
		observe(1, [[3, 2]]);
		const text = await renderText(registry, {createdS: 1.7e9});
		const {observations, stats} = collectTexts([['scrape.prom', text]]);
		expect(stats.scrapes).toBe(1);
		expect(observations).toHaveLength(1);
		expect(observations[0]).toMatchObject({
			format: 'prometheus',
			k: 3,
			numDrafts: 4,
			numDraftTokens: 12,
			numAcceptedTokens: 6,
			acceptedPerPos: [3, 2, 1],
			draftedPerPos: [4, 4, 4],
			draftsFrom: 'counter',
		});
	});

	it('two scrapes, as two files or one file of two expositions: their increase', async () => {
		const {registry, observe} = setup();
		observe(0, [
			[3, 3],
			[3, 1],
		]);
		const first = await renderText(registry);
		observe(0, [
			[3, 2],
			[3, 0],
		]);
		observe(1, [
			[3, 3],
			[2, 1],
		]);
		const second = await renderText(registry);
		const expected = {numDrafts: 4, numDraftTokens: 11, numAcceptedTokens: 6, acceptedPerPos: [3, 2, 1]};
		const twoFiles = collectTexts([
			['a.prom', first],
			['b.prom', second],
		]);
		expect(twoFiles.observations).toHaveLength(1);
		expect(twoFiles.observations[0]).toMatchObject({...expected, origin: {source: 'b.prom', line: 1}});
		const oneFile = collectTexts([['both.prom', first + second]]);
		expect(oneFile.stats.scrapes).toBe(2);
		expect(oneFile.observations[0]).toMatchObject(expected);
		// Variable-length drafts (drafted 11 < 3 × 4) without the drafted-per-position family.
		expect(oneFile.observations[0]!.draftedPerPos).toBeUndefined();
	});

	it('keeps one engine or one model with the filters, and names what exists when nothing matches', async () => {
		const {registry, observe} = setup();
		observe(0, [[3, 3]]);
		observe(1, [
			[3, 1],
			[3, 0],
		]);
		const text = await renderText(registry);
		expect(collectTexts([['s', text]], {filter: {engines: ['1']}}).observations[0]).toMatchObject({
			numDrafts: 2,
			numAcceptedTokens: 1,
			acceptedPerPos: [1, 0, 0],
		});
		expect(collectTexts([['s', text]], {filter: {modelName: 'llama', engines: ['0', '1']}}).observations[0]).toMatchObject({numDrafts: 3});
		expect(() => collectTexts([['s', text]], {filter: {modelName: 'qwen'}})).toThrow(
			'no vllm:spec_decode_* series with model_name="qwen"; the scrapes have model_name llama and engine 0, 1',
		);
	});

	it('reads the drafted-per-position family of the newest vLLM', async () => {
		const {registry, observe} = setup(true);
		observe(0, [
			[3, 2],
			[1, 1],
			[2, 0],
		]);
		const {observations} = collectTexts([['s', await renderText(registry)]]);
		expect(observations[0]).toMatchObject({numDrafts: 3, numDraftTokens: 6, acceptedPerPos: [2, 1, 0], draftedPerPos: [3, 2, 1]});
	});

	it('splits a timestamped OpenMetrics file into scrapes; each interval is an observation', () => {
		const text = readFileSync(new URL('../golden/spec-k3-scrapes.om', import.meta.url), 'utf8');
		const {observations, stats} = collectTexts([['spec-k3-scrapes.om', text]]);
		expect(stats.scrapes).toBe(3);
		expect(observations.map(o => [o.numDrafts, o.numDraftTokens, o.numAcceptedTokens, o.acceptedPerPos])).toEqual([
			[2, 5, 3, [2, 1, 0]],
			[2, 6, 1, [1, 0, 0]],
		]);
		expect(observations[0]!.elapsedS).toBe(15);
	});

	it('treats a counter that falls as a restart: the new value is the increase, with a warning', () => {
		const scrape = (drafts: number, tokens: number, accepted: number, p0: number): string =>
			[
				`vllm:spec_decode_num_drafts_total{engine="0",model_name="m"} ${drafts}.0`,
				`vllm:spec_decode_num_draft_tokens_total{engine="0",model_name="m"} ${tokens}.0`,
				`vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="m"} ${accepted}.0`,
				`vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="0"} ${p0}.0`,
				'',
			].join('\n');
		const {observations, warnings} = collectTexts([
			['a', scrape(100, 100, 60, 60)],
			['b', scrape(10, 10, 7, 7)],
		]);
		expect(observations[0]).toMatchObject({k: 1, numDrafts: 10, numDraftTokens: 10, numAcceptedTokens: 7, acceptedPerPos: [7]});
		expect(warnings.filter(w => w.kind === 'counter-reset')).toHaveLength(4);
	});

	it('reports malformed spec-decode samples by line and ignores other text', () => {
		const {warnings, stats} = collectTexts([
			[
				'bad.prom',
				[
					'# HELP x y',
					'vllm:spec_decode_num_drafts_total{engine="0" 5.0',
					'some log line',
					'vllm:spec_decode_num_drafts_total{engine="0"} five',
				].join('\n'),
			],
		]);
		expect(warnings.map(w => [w.origin?.line, w.kind])).toEqual([
			[2, 'unparseable'],
			[4, 'unparseable'],
		]);
		expect(stats.ignoredLines).toBe(1);
	});

	it('parses labels with escapes, exemplars and timestamps; leaves log lines alone', () => {
		expect(parsePromLine('vllm:x_total{a="q\\"x\\\\y",b="n\\nl"} 1.5e+03 1700000000000')).toEqual({
			kind: 'sample',
			sample: {name: 'vllm:x_total', labels: {a: 'q"x\\y', b: 'n\nl'}, value: 1500, timestamp: 1700000000000},
		});
		expect(parsePromLine('foo_total 3 # {trace_id="a"} 1.0')).toMatchObject({kind: 'sample', sample: {name: 'foo_total', value: 3}});
		expect(parsePromLine('INFO 10-16 19:05:47 metrics.py:367] Speculative metrics: x')).toEqual({kind: 'other'});
		expect(parsePromLine('# EOF')).toEqual({kind: 'eof'});
	});
});
