import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {Counter, Gauge, Registry} from 'prom-client';
import {SpecDecodingStats} from '../../../src/metrics/stats/spec-decoding-stats.js';
import {createSpecDecodingProm} from '../../../src/metrics/prom/spec-decoding-prom.js';
import {
	OPENMETRICS_CONTENT_TYPE,
	OPENMETRICS_EOF,
	OpenMetricsAccumulator,
	TEXT_CONTENT_TYPE,
	renderOpenMetrics,
	renderOpenMetricsScrape,
	renderText,
} from '../../../src/metrics/prom/exposition.js';
import {GOLDEN_CREATED_S, createGoldenScenario} from './scenario.js';
import {runSpecScrapes} from './scrapes.js';

const golden = (name: string): string => readFileSync(new URL(`../../golden/${name}`, import.meta.url), 'utf8');

describe('renderText (prometheus_client generate_latest)', () => {
	it('reproduces the /metrics example of docs/prometheus.md', async () => {
		const registry = new Registry();
		const prom = createSpecDecodingProm({registry, modelName: 'm', engine: 0, numSpecTokens: 2, perPositionDrafted: false});
		const stats = new SpecDecodingStats(2);
		for (let i = 0; i < 8; i++) stats.observeDraft(2, 1);
		stats.observeDraft(2, 0);
		stats.observeDraft(2, 0);
		prom.observe(stats);
		const text = await renderText(registry, {createdS: 1.7e9});
		expect(
			text.startsWith(
				'# HELP vllm:spec_decode_num_drafts_total Number of spec decoding drafts.\n' +
					'# TYPE vllm:spec_decode_num_drafts_total counter\n' +
					'vllm:spec_decode_num_drafts_total{engine="0",model_name="m"} 10.0\n' +
					'# HELP vllm:spec_decode_num_drafts_created Number of spec decoding drafts.\n' +
					'# TYPE vllm:spec_decode_num_drafts_created gauge\n' +
					'vllm:spec_decode_num_drafts_created{engine="0",model_name="m"} 1.7e+09\n',
			),
		).toBe(true);
		expect(text).toContain(
			'# HELP vllm:spec_decode_num_accepted_tokens_per_pos_total Accepted tokens per draft position.\n' +
				'# TYPE vllm:spec_decode_num_accepted_tokens_per_pos_total counter\n' +
				'vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="0"} 8.0\n' +
				'vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="1"} 0.0\n',
		);
	});

	it('matches the golden file of the two-engine scenario', async () => {
		const scenario = createGoldenScenario();
		for (let i = 0; i < 3; i++) scenario.step(i);
		expect(await renderText(scenario.registry, {createdS: GOLDEN_CREATED_S})).toBe(golden('two-engines-k3.prom'));
	});

	it('omits _created without createdS', async () => {
		const scenario = createGoldenScenario();
		const text = await renderText(scenario.registry);
		expect(text).not.toContain('_created');
		const withCreated = golden('two-engines-k3.prom').split('\n');
		// Same lines as the golden file minus the _created blocks (values aside: no step was run here).
		expect(text.split('\n').filter(line => line.startsWith('#'))).toEqual(
			withCreated.filter(line => line.startsWith('#') && !line.includes('_created ')),
		);
	});

	it('escapes HELP (backslash, newline) and label values (backslash, quote, newline); sorts label names', async () => {
		const registry = new Registry();
		const gauge = new Gauge({name: 'odd_gauge', help: 'a \\ b\nc "q"', labelNames: ['zeta', 'alpha'], registers: [registry]});
		gauge.set({zeta: 'x\\y"z\nw', alpha: 'plain'}, 1e-7);
		const counter = new Counter({name: 'plain_total', help: 'p', registers: [registry]});
		counter.inc(1e6);
		expect(await renderText(registry)).toBe(
			'# HELP odd_gauge a \\\\ b\\nc "q"\n' +
				'# TYPE odd_gauge gauge\n' +
				'odd_gauge{alpha="plain",zeta="x\\\\y\\"z\\nw"} 1e-07\n' +
				'# HELP plain_total p\n' +
				'# TYPE plain_total counter\n' +
				'plain_total 1e+06\n',
		);
		expect(await renderOpenMetrics(registry, {createdS: 0.5, timestampS: 12})).toBe(
			'# HELP odd_gauge a \\\\ b\\nc \\"q\\"\n' +
				'# TYPE odd_gauge gauge\n' +
				'odd_gauge{alpha="plain",zeta="x\\\\y\\"z\\nw"} 1e-07 12.0\n' +
				'# HELP plain p\n' +
				'# TYPE plain counter\n' +
				'plain_total 1e+06 12.0\n' +
				'plain_created 0.5 12.0\n' +
				'# EOF\n',
		);
	});

	it("exports Python's content types", () => {
		expect(TEXT_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
		expect(OPENMETRICS_CONTENT_TYPE).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
	});
});

describe('renderOpenMetrics (prometheus_client.openmetrics generate_latest)', () => {
	it('matches the golden file of the two-engine scenario', async () => {
		const scenario = createGoldenScenario();
		for (let i = 0; i < 3; i++) scenario.step(i);
		expect(await renderOpenMetrics(scenario.registry, {createdS: GOLDEN_CREATED_S})).toBe(golden('two-engines-k3.om'));
	});

	it('appends timestamps and leaves # EOF to the caller when asked', async () => {
		const scenario = createGoldenScenario();
		const text = await renderOpenMetrics(scenario.registry, {timestampS: 1700000015.5, eof: false});
		expect(text.endsWith(OPENMETRICS_EOF)).toBe(false);
		expect(text).toContain('vllm:spec_decode_num_drafts_total{engine="1",model_name="sim-model"} 0.0 1700000015.5\n');
		expect(text).toContain('vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="sim-model"} 0.0 1700000015.5\n');
		for (const line of text.split('\n')) {
			if (line !== '' && !line.startsWith('#')) expect(line.endsWith(' 1700000015.5')).toBe(true);
		}
	});
});

describe('multi-scrape OpenMetrics', () => {
	it('matches the golden file: families once, each series contiguous, scrapes in order', async () => {
		const accumulator = new OpenMetricsAccumulator();
		await runSpecScrapes(chunks => accumulator.add(chunks));
		const text = accumulator.toString();
		expect(text).toBe(golden('spec-k3-scrapes.om'));

		const lines = text.split('\n').filter(line => line !== '');
		expect(lines.filter(line => line === '# EOF')).toHaveLength(1);
		const types = lines.filter(line => line.startsWith('# TYPE ')).map(line => line.split(' ')[2]);
		expect(new Set(types).size).toBe(types.length);
		// Each series (sample name without suffix + labels) is one contiguous run with rising timestamps.
		const seen = new Set<string>();
		let previous = '';
		let lastTimestamp = 0;
		for (const line of lines.filter(l => !l.startsWith('#'))) {
			const [nameAndLabels, , timestamp] = line.split(' ');
			const series = nameAndLabels!.replace(/_(total|created)\{/, '{');
			if (series !== previous) {
				expect(seen.has(series)).toBe(false);
				seen.add(series);
				previous = series;
				lastTimestamp = 0;
			}
			expect(Number(timestamp)).toBeGreaterThanOrEqual(lastTimestamp);
			lastTimestamp = Number(timestamp);
		}
		expect(seen.size).toBe(2 * (3 + 3)); // 2 engines × (3 counters + 3 positions)
	});

	it('renderOpenMetrics of one scrape equals the accumulator of that scrape', async () => {
		const scenario = createGoldenScenario();
		scenario.step(0);
		const accumulator = new OpenMetricsAccumulator();
		accumulator.add(await renderOpenMetricsScrape(scenario.registry, {createdS: 5, timestampS: 30}));
		expect(accumulator.toString()).toBe(await renderOpenMetrics(scenario.registry, {createdS: 5, timestampS: 30}));
	});
});
