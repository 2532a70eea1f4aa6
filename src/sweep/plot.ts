/**
 * `sweep --plot`: speedup and mean acceptance length against k, simulated beside the closed
 * forms, one colour per (qps, method) group, as a Vega-Lite spec rendered to SVG headlessly.
 */
import type {TopLevelSpec} from 'vega-lite';
import {loadText} from './format.js';
import type {SweepRow} from './rows.js';

/** Axis titles of the chart (tests look for them in the SVG). */
export const PLOT_TITLES = {
	k: 'k (num_speculative_tokens)',
	speedup: 'speedup over no speculation',
	acceptance: 'mean acceptance length',
} as const;

type Datum = {panel: 'speedup' | 'acceptance'; k: number; value: number; series: string; group: string};

/** The Vega-Lite spec of the sweep chart (plain JSON; rows with a null value are left out). */
export function buildPlotSpec(rows: readonly SweepRow[], title: string): TopLevelSpec {
	const values: Datum[] = [];
	const push = (panel: Datum['panel'], row: SweepRow, series: string, value: number | null): void => {
		if (value !== null && Number.isFinite(value)) values.push({panel, k: row.k, value, series, group: groupLabel(row)});
	};
	for (const row of rows) {
		push('speedup', row, 'simulated (TPOT)', row.latency_speedup);
		push('speedup', row, 'simulated (tok/s)', row.throughput_speedup);
		push('speedup', row, 'expected (Leviathan)', row.expected_speedup);
		push('acceptance', row, 'simulated', row.mean_acceptance_length);
		push('acceptance', row, 'expected (1 + Σ r_i)', row.expected_mean_acceptance_length);
	}
	// Groups in sweep order (by qps numerically, then method), not alphabetically.
	const groups = [...new Set(rows.map(groupLabel))];
	const panel = (name: Datum['panel'], yTitle: string, extra: object[] = []) => ({
		width: 360,
		height: 260,
		layer: [
			...extra,
			{
				transform: [{filter: {field: 'panel', equal: name}}],
				mark: {type: 'line', point: true},
				encoding: {
					x: {field: 'k', type: 'quantitative', title: PLOT_TITLES.k, axis: {tickMinStep: 1}, scale: {zero: false}},
					y: {field: 'value', type: 'quantitative', title: yTitle, scale: {zero: false}},
					color: {field: 'group', type: 'nominal', title: 'load, method', scale: {domain: groups}},
					strokeDash: {field: 'series', type: 'nominal', title: 'series'},
					tooltip: [{field: 'group'}, {field: 'series'}, {field: 'k'}, {field: 'value', format: '.3f'}],
				},
			},
		],
	});
	return {
		$schema: 'https://vega.github.io/schema/vega-lite/v5.json',
		title,
		data: {values},
		hconcat: [
			panel('speedup', PLOT_TITLES.speedup, [{mark: {type: 'rule', color: '#999', strokeDash: [2, 2]}, encoding: {y: {datum: 1}}}]),
			panel('acceptance', PLOT_TITLES.acceptance),
		],
		resolve: {scale: {color: 'shared', strokeDash: 'independent'}},
		config: {font: 'sans-serif', legend: {labelLimit: 400}},
	} as TopLevelSpec;
}

/** Compile a Vega-Lite spec and render it to an SVG string without a browser (vega's headless view). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
	const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
	const view = new vega.View(vega.parse(vl.compile(spec).spec), {renderer: 'none'});
	try {
		return await view.toSVG();
	} finally {
		view.finalize();
	}
}

function groupLabel(row: SweepRow): string {
	return `${loadText(row)}, ${row.method}`;
}
