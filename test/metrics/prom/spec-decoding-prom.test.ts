import {describe, expect, it} from 'vitest';
import {fc, test as fcTest} from '@fast-check/vitest';
import {Counter, Registry} from 'prom-client';
import {SpecDecodingStats} from '../../../src/metrics/stats/spec-decoding-stats.js';
import {createSpecDecodingProm, SPEC_DECODE_FAMILIES} from '../../../src/metrics/prom/spec-decoding-prom.js';
import {collectFamilies} from '../../../src/metrics/prom/collect.js';
import {getMetrics, type Counter as ReadCounter, type Vector} from '../../../src/metrics/reader.js';

const counterValue = (metrics: Awaited<ReturnType<typeof getMetrics>>, name: string, engine: string): number => {
	const found = metrics.find((m): m is ReadCounter => m.kind === 'counter' && m.name === name && m.labels['engine'] === engine);
	if (!found) throw new Error(`no counter ${name} for engine ${engine}`);
	return found.value;
};
const vectorValues = (metrics: Awaited<ReturnType<typeof getMetrics>>, name: string, engine: string): readonly number[] => {
	const found = metrics.find((m): m is Vector => m.kind === 'vector' && m.name === name && m.labels['engine'] === engine);
	if (!found) throw new Error(`no vector ${name} for engine ${engine}`);
	return found.values;
};

describe('createSpecDecodingProm', () => {
	it("creates vLLM's four families (vLLM 0.10.2 and later) with every position series at 0", async () => {
		const registry = new Registry();
		createSpecDecodingProm({registry, modelName: 'm', engine: 0, numSpecTokens: 4, perPositionDrafted: false});
		const families = await collectFamilies(registry);
		expect(families.map(f => [f.name, f.type, f.help])).toEqual([
			['vllm:spec_decode_num_drafts', 'counter', 'Number of spec decoding drafts.'],
			['vllm:spec_decode_num_draft_tokens', 'counter', 'Number of draft tokens.'],
			['vllm:spec_decode_num_accepted_tokens', 'counter', 'Number of accepted tokens.'],
			['vllm:spec_decode_num_accepted_tokens_per_pos', 'counter', 'Accepted tokens per draft position.'],
		]);
		const perPos = families[3]!;
		expect(perPos.series.map(s => s.labels)).toEqual([0, 1, 2, 3].map(p => ({model_name: 'm', engine: '0', position: String(p)})));
		expect(perPos.series.flatMap(s => s.samples.map(x => [x.name, x.value]))).toEqual(
			[0, 1, 2, 3].map(() => ['vllm:spec_decode_num_accepted_tokens_per_pos_total', 0]),
		);
	});

	it('adds the drafted-per-position family and the "verified" HELP in the newest mode', async () => {
		const registry = new Registry();
		createSpecDecodingProm({registry, modelName: 'm', engine: '0', numSpecTokens: 2, perPositionDrafted: true});
		const families = await collectFamilies(registry);
		expect(families.map(f => [f.name, f.help])).toEqual([
			['vllm:spec_decode_num_drafts', 'Number of spec decoding drafts.'],
			['vllm:spec_decode_num_draft_tokens', 'Number of verified draft tokens.'],
			['vllm:spec_decode_num_accepted_tokens', 'Number of accepted tokens.'],
			['vllm:spec_decode_num_accepted_tokens_per_pos', 'Accepted tokens per draft position.'],
			['vllm:spec_decode_num_draft_tokens_per_pos', 'Verified draft tokens per draft position.'],
		]);
		expect(families[4]!.series).toHaveLength(2);
	});

	it('accumulates observed steps per engine in one shared registry', async () => {
		const registry = new Registry();
		const e0 = createSpecDecodingProm({registry, modelName: 'm', engine: 0, numSpecTokens: 3, perPositionDrafted: true});
		const e1 = createSpecDecodingProm({registry, modelName: 'm', engine: 1, numSpecTokens: 3, perPositionDrafted: true});
		const stats = new SpecDecodingStats(3);
		stats.observeDraft(3, 2);
		stats.observeDraft(2, 0);
		e0.observe(stats);
		e0.observe(stats); // same step twice: everything doubles
		stats.reset();
		stats.observeDraft(1, 1);
		e1.observe(stats);

		const metrics = await getMetrics(registry);
		expect(counterValue(metrics, 'vllm:spec_decode_num_drafts', '0')).toBe(4);
		expect(counterValue(metrics, 'vllm:spec_decode_num_draft_tokens', '0')).toBe(10);
		expect(counterValue(metrics, 'vllm:spec_decode_num_accepted_tokens', '0')).toBe(4);
		expect(vectorValues(metrics, 'vllm:spec_decode_num_accepted_tokens_per_pos', '0')).toEqual([2, 2, 0]);
		expect(vectorValues(metrics, 'vllm:spec_decode_num_draft_tokens_per_pos', '0')).toEqual([4, 4, 2]);
		expect(counterValue(metrics, 'vllm:spec_decode_num_drafts', '1')).toBe(1);
		expect(vectorValues(metrics, 'vllm:spec_decode_num_accepted_tokens_per_pos', '1')).toEqual([1, 0, 0]);
		expect(vectorValues(metrics, 'vllm:spec_decode_num_draft_tokens_per_pos', '1')).toEqual([1, 0, 0]);

		// Reading again (another scrape) flushes nothing new and loses nothing.
		expect(await getMetrics(registry)).toEqual(metrics);
		e1.observe(stats);
		expect(counterValue(await getMetrics(registry), 'vllm:spec_decode_num_accepted_tokens', '1')).toBe(2);
	});

	it('rejects stats of a larger k, a duplicate engine, a bad k and a mode clash', () => {
		const registry = new Registry();
		const prom = createSpecDecodingProm({registry, modelName: 'm', engine: 0, numSpecTokens: 3, perPositionDrafted: false});
		expect(() => prom.observe(new SpecDecodingStats(4))).toThrow(
			new RangeError('stats.numSpecTokens must be at most 3 for engine 0, got 4 (call ensurePositions first)'),
		);
		expect(() => prom.observe(new SpecDecodingStats(2))).not.toThrow(); // a live decrease of k
		expect(() => createSpecDecodingProm({registry, modelName: 'm', engine: '0', numSpecTokens: 3, perPositionDrafted: false})).toThrow(RangeError);
		expect(() => createSpecDecodingProm({registry, modelName: 'm', engine: 1, numSpecTokens: 0, perPositionDrafted: false})).toThrow(
			new RangeError('numSpecTokens must be a positive integer, got 0'),
		);
		expect(() => createSpecDecodingProm({registry, modelName: 'm', engine: 1, numSpecTokens: 3, perPositionDrafted: true})).toThrow(
			/vllm:spec_decode_num_draft_tokens is already registered in this registry with help "Number of draft tokens\."/,
		);
		// Nothing of engine 1 was left behind by the failed call.
		expect(() => createSpecDecodingProm({registry, modelName: 'm', engine: 1, numSpecTokens: 3, perPositionDrafted: false})).not.toThrow();
	});

	it('refuses a registry whose family was not created by specsim', () => {
		const registry = new Registry();
		new Counter({name: SPEC_DECODE_FAMILIES.numDrafts.name, help: 'x', registers: [registry]});
		expect(() => createSpecDecodingProm({registry, modelName: 'm', engine: 0, numSpecTokens: 1, perPositionDrafted: false})).toThrow(
			new TypeError('registry already has a metric named vllm:spec_decode_num_drafts that specsim did not create'),
		);
	});

	it("never registers into prom-client's global registry", async () => {
		const {register} = await import('prom-client');
		createSpecDecodingProm({registry: new Registry(), modelName: 'm', engine: 0, numSpecTokens: 2, perPositionDrafted: true});
		expect(register.getSingleMetric(SPEC_DECODE_FAMILIES.numDrafts.name)).toBeUndefined();
	});
});

// One draft: [drafted, accepted] with 0 <= accepted <= drafted <= k (drafted = 0 is not observed: not a draft).
const draftArb = (k: number) => fc.integer({min: 1, max: k}).chain(d => fc.tuple(fc.constant(d), fc.integer({min: 0, max: d})));
const scenarioArb = fc.integer({min: 1, max: 6}).chain(k =>
	fc.tuple(
		fc.constant(k),
		// steps × engines × drafts, with scrapes interleaved at random steps
		fc.array(fc.tuple(fc.array(fc.array(draftArb(k), {maxLength: 5}), {minLength: 2, maxLength: 2}), fc.boolean()), {maxLength: 12}),
	),
);

describe('SpecDecodingProm counters (property)', () => {
	fcTest.prop([scenarioArb, fc.boolean()])(
		'exposed counters equal the sums of the observed stats, per-position counts non-increasing',
		async ([k, steps], perPositionDrafted) => {
			const registry = new Registry();
			const engines = [0, 1].map(engine => createSpecDecodingProm({registry, modelName: 'm', engine, numSpecTokens: k, perPositionDrafted}));
			const stats = new SpecDecodingStats(k);
			const expected = [0, 1].map(() => ({
				drafts: 0,
				draftTokens: 0,
				accepted: 0,
				acceptedPerPos: new Array<number>(k).fill(0),
				draftPerPos: new Array<number>(k).fill(0),
			}));
			for (const [perEngine, scrape] of steps) {
				perEngine.forEach((drafts, engine) => {
					stats.reset();
					const e = expected[engine]!;
					for (const [d, a] of drafts) {
						stats.observeDraft(d, a);
						e.drafts += 1;
						e.draftTokens += d;
						e.accepted += a;
						for (let i = 0; i < a; i++) e.acceptedPerPos[i]! += 1;
						for (let i = 0; i < d; i++) e.draftPerPos[i]! += 1;
					}
					engines[engine]!.observe(stats);
				});
				if (scrape) await getMetrics(registry); // a scrape in the middle must not change the totals
			}
			const metrics = await getMetrics(registry);
			for (const engine of [0, 1]) {
				const e = expected[engine]!;
				const label = String(engine);
				expect(counterValue(metrics, 'vllm:spec_decode_num_drafts', label)).toBe(e.drafts);
				expect(counterValue(metrics, 'vllm:spec_decode_num_draft_tokens', label)).toBe(e.draftTokens);
				expect(counterValue(metrics, 'vllm:spec_decode_num_accepted_tokens', label)).toBe(e.accepted);
				const perPos = vectorValues(metrics, 'vllm:spec_decode_num_accepted_tokens_per_pos', label);
				expect(perPos).toEqual(e.acceptedPerPos);
				for (let i = 1; i < k; i++) expect(perPos[i]!).toBeLessThanOrEqual(perPos[i - 1]!);
				expect(perPos.reduce((s, x) => s + x, 0)).toBe(e.accepted);
				expect(perPos[0] ?? 0).toBeLessThanOrEqual(e.drafts);
				if (perPositionDrafted) {
					const drafted = vectorValues(metrics, 'vllm:spec_decode_num_draft_tokens_per_pos', label);
					expect(drafted).toEqual(e.draftPerPos);
					for (let i = 0; i < k; i++) {
						expect(drafted[i]!).toBeGreaterThanOrEqual(perPos[i]!);
						if (i > 0) expect(drafted[i]!).toBeLessThanOrEqual(drafted[i - 1]!);
					}
					expect(drafted.reduce((s, x) => s + x, 0)).toBe(e.draftTokens);
					expect(drafted[0]).toBe(e.drafts);
				} else {
					expect(metrics.some(m => m.name === 'vllm:spec_decode_num_draft_tokens_per_pos')).toBe(false);
				}
			}
		},
	);
});

describe('a live change of k', () => {
	it('adds position series at 0 and keeps the old ones', async () => {
		const {Registry} = await import('prom-client');
		const {createSpecDecodingProm} = await import('../../../src/metrics/prom/spec-decoding-prom.js');
		const {SpecDecodingStats} = await import('../../../src/metrics/stats/spec-decoding-stats.js');
		const {getMetrics} = await import('../../../src/metrics/reader.js');
		const registry = new Registry();
		const prom = createSpecDecodingProm({registry, modelName: 'm', engine: 0, numSpecTokens: 2, perPositionDrafted: true});
		const two = new SpecDecodingStats(2);
		two.observeDraft(2, 2);
		prom.observe(two);
		const four = new SpecDecodingStats(4);
		four.observeDraft(4, 3);
		expect(() => prom.observe(four)).toThrow('stats.numSpecTokens must be at most 2 for engine 0, got 4 (call ensurePositions first)');
		prom.ensurePositions(4);
		expect(prom.numPositions).toBe(4);
		prom.observe(four);
		prom.observe(two);
		const metrics = await getMetrics(registry);
		const vector = (name: string) => metrics.find(m => m.name === name && m.kind === 'vector');
		expect(vector('vllm:spec_decode_num_accepted_tokens_per_pos')).toMatchObject({values: [3, 3, 1, 0]});
		expect(vector('vllm:spec_decode_num_draft_tokens_per_pos')).toMatchObject({values: [3, 3, 1, 1]});
	});
});
