import {describe, expect, it} from 'vitest';
import {buildPlotSpec, PLOT_TITLES, renderSvg} from '../../src/sweep/plot.js';
import {makeRow} from '../../src/sweep/rows.js';
import {measurement} from './helpers.js';

const baseline = measurement({cost_ratio: null, expected_speedup: null, tpot_s: {p50: 0.008, p99: 0.009}});
const rows = [1, 2, 3].map(k =>
	makeRow(
		{k, qps: 4, concurrency: null, method: 'eagle3'},
		measurement({mean_acceptance_length: 1 + 0.6 * k, tpot_s: {p50: 0.008 / (1 + 0.4 * k), p99: 0.01}}),
		baseline,
	),
);

describe('buildPlotSpec', () => {
	it('plots speedup (simulated and expected) and acceptance length against k, one colour per group', () => {
		const spec = buildPlotSpec(rows, 'title') as {data: {values: Array<Record<string, unknown>>}; hconcat: unknown[]};
		expect(spec.hconcat).toHaveLength(2);
		const values = spec.data.values;
		expect(values).toHaveLength(rows.length * 5);
		expect(values.filter(v => v['panel'] === 'acceptance' && v['series'] === 'simulated').map(v => [v['k'], v['value']])).toEqual([
			[1, 1.6],
			[2, 2.2],
			[3, 2.8],
		]);
		expect(new Set(values.map(v => v['group']))).toEqual(new Set(['qps 4, eagle3']));
		expect(new Set(values.filter(v => v['panel'] === 'speedup').map(v => v['series']))).toEqual(
			new Set(['simulated (TPOT)', 'simulated (tok/s)', 'expected (Leviathan)']),
		);
	});

	it('orders the colour legend as the sweep does (qps numerically), not alphabetically', () => {
		const mixed = [16, 4].map(qps => makeRow({k: 1, qps, concurrency: null, method: 'eagle3'}, measurement(), baseline));
		const spec = buildPlotSpec(mixed, 't') as {hconcat: Array<{layer: Array<{encoding?: {color?: {scale: {domain: string[]}}}}>}>};
		expect(spec.hconcat[1]!.layer[0]!.encoding!.color!.scale.domain).toEqual(['qps 16, eagle3', 'qps 4, eagle3']);
	});

	it('leaves out null values', () => {
		const row = makeRow({k: 1, qps: null, concurrency: 1, method: 'ngram'}, measurement({tpot_s: {p50: null, p99: null}}), baseline);
		const spec = buildPlotSpec([row], 't') as {data: {values: Array<Record<string, unknown>>}};
		expect(spec.data.values.map(v => v['series'])).not.toContain('simulated (TPOT)');
		expect(spec.data.values[0]!['group']).toBe('concurrency 1, ngram');
	});
});

describe('renderSvg', () => {
	it('renders headlessly to an SVG with the axis titles', async () => {
		const svg = await renderSvg(buildPlotSpec(rows, 'specsim sweep test'));
		expect(svg.startsWith('<svg')).toBe(true);
		for (const title of Object.values(PLOT_TITLES)) expect(svg).toContain(title);
		expect(svg).toContain('specsim sweep test');
		expect(svg).toContain('qps 4, eagle3');
	});
});
