/**
 * `sweep --plot`: the sweep as people read it, rendered to SVG headlessly with Vega-Lite:
 *
 * 1. speedup against load (clients or QPS, log axis), one line per k and method, the 1.0 line and
 *    each line's crossover (where it falls below 1.0) marked; one panel per load kind swept;
 * 2. mean acceptance length against k, simulated beside the closed form;
 * 3. TPOT p50 against output throughput (the Pareto panel of `vllm bench sweep`), every
 *    configuration and the no-speculation baseline per load, the non-dominated ones joined.
 *
 * Speedup is output tokens/s over the baseline for closed loops (what a fixed set of clients
 * gets) and baseline TPOT p50 over TPOT p50 for open loops (below capacity both runs serve the
 * same QPS, so throughput says 1 and latency is what changes).
 */
import type {TopLevelSpec} from 'vega-lite';
import type {SweepRow} from './rows.js';

/** Axis titles of the chart (tests look for them in the SVG). */
export const PLOT_TITLES = {
	concurrency: 'concurrency (clients, log scale)',
	qps: 'QPS (requests/s, log scale)',
	speedup: 'speedup over no speculation',
	k: 'k (num_speculative_tokens)',
	acceptance: 'mean acceptance length',
	throughput: 'output throughput (tok/s)',
	tpot: 'TPOT p50 (ms)',
} as const;

/** Legend names: what was simulated and what the closed form expects, never confused. */
export const SERIES = {
	simulated: 'simulated (solid)',
	expected: 'expected: closed form 1 + Σ r_i (dashed)',
	expectedSpeedup: 'expected: Leviathan, batch 1 (dashed)',
} as const;

type LoadKind = 'concurrency' | 'qps';

/** One point of the speedup panels. */
export type SpeedupDatum = {kind: LoadKind; load: number; speedup: number; line: string; k: number; method: string; expected: number};
/** Where a line first falls below 1.0 (log-linear interpolation between the two loads around it). */
export type Crossover = {kind: LoadKind; load: number; line: string};

const lineLabel = (k: number, method: string): string => `k=${k} ${method}`;

function loadOf(row: SweepRow): {kind: LoadKind; load: number; speedup: number | null} | undefined {
	if (row.concurrency !== null) return {kind: 'concurrency', load: row.concurrency, speedup: row.throughput_speedup};
	if (row.qps !== null) return {kind: 'qps', load: row.qps, speedup: row.latency_speedup};
	return undefined;
}

/** The speedup points, sorted by line and load. */
export function speedupData(rows: readonly SweepRow[]): SpeedupDatum[] {
	const out: SpeedupDatum[] = [];
	for (const row of rows) {
		const l = loadOf(row);
		if (l === undefined || l.speedup === null || !Number.isFinite(l.speedup)) continue;
		out.push({
			kind: l.kind,
			load: l.load,
			speedup: l.speedup,
			line: lineLabel(row.k, row.method),
			k: row.k,
			method: row.method,
			expected: row.expected_speedup,
		});
	}
	return out.sort((a, b) =>
		a.kind === b.kind ? (a.line === b.line ? a.load - b.load : a.k - b.k || a.method.localeCompare(b.method)) : a.kind.localeCompare(b.kind),
	);
}

/** Each line's first crossing from >= 1 to < 1, interpolated on log(load). */
export function crossovers(data: readonly SpeedupDatum[]): Crossover[] {
	const out: Crossover[] = [];
	for (let i = 1; i < data.length; i++) {
		const a = data[i - 1]!;
		const b = data[i]!;
		if (a.kind !== b.kind || a.line !== b.line || !(a.speedup >= 1 && b.speedup < 1)) continue;
		if (out.some(c => c.kind === a.kind && c.line === a.line)) continue;
		const t = (a.speedup - 1) / (a.speedup - b.speedup);
		out.push({kind: a.kind, line: a.line, load: Math.exp(Math.log(a.load) + t * (Math.log(b.load) - Math.log(a.load)))});
	}
	return out;
}

/** The configurations no other one beats on both throughput and TPOT (higher tok/s, lower TPOT). */
export function paretoFront<T extends {throughput: number; tpotMs: number}>(points: readonly T[]): T[] {
	const front = points.filter(
		p => !points.some(q => q !== p && q.throughput >= p.throughput && q.tpotMs <= p.tpotMs && (q.throughput > p.throughput || q.tpotMs < p.tpotMs)),
	);
	return [...front].sort((a, b) => a.throughput - b.throughput);
}

/** The Vega-Lite spec of the sweep chart (plain JSON). */
export function buildPlotSpec(rows: readonly SweepRow[], title: string): TopLevelSpec {
	const speedups = speedupData(rows);
	const marks = crossovers(speedups);
	const lines = [...new Set(speedups.map(d => d.line))];
	const kinds = (['concurrency', 'qps'] as const).filter(kind => speedups.some(d => d.kind === kind));
	const colors = {field: 'line', type: 'nominal', title: 'configuration', scale: {domain: ['no speculation', ...lines]}} as const;
	const speedupPanel = (kind: LoadKind) => {
		const own = marks.filter(c => c.kind === kind);
		// One line per three crossovers: a long one-line subtitle would widen the panel's grid column.
		const marked = own.map(c => `${c.line} at ${c.load.toPrecision(3)}`);
		const subtitle =
			own.length === 0
				? ['no line falls below 1.0 (the dashed line)']
				: ['× crossover below 1.0:', ...Array.from({length: Math.ceil(marked.length / 3)}, (_, i) => marked.slice(3 * i, 3 * i + 3).join('; '))];
		const data = speedups.filter(d => d.kind === kind);
		const x = {field: 'load', type: 'quantitative', title: PLOT_TITLES[kind], scale: LOG_SCALE} as const;
		return {
			title: {text: `speedup against load (${kind === 'qps' ? 'TPOT, open loop' : 'tok/s, closed loop'})`, subtitle},
			width: 380,
			height: 260,
			layer: [
				{data: {values: [{one: 1}]}, mark: {type: 'rule', color: '#555', strokeDash: [4, 3]}, encoding: {y: {field: 'one', type: 'quantitative'}}},
				{
					data: {values: data.map(d => ({...d, series: SERIES.simulated}))},
					mark: {type: 'line', point: true},
					encoding: {
						x,
						y: {field: 'speedup', type: 'quantitative', title: PLOT_TITLES.speedup, scale: {zero: false}},
						color: colors,
						strokeDash: seriesDash('speedup', SERIES.expectedSpeedup),
						tooltip: [{field: 'line'}, {field: 'load'}, {field: 'speedup', format: '.3f'}],
					},
				},
				{
					data: {values: data.map(d => ({...d, series: SERIES.expectedSpeedup}))},
					mark: {type: 'line', strokeWidth: 1, opacity: 0.7},
					encoding: {x, y: {field: 'expected', type: 'quantitative'}, color: colors, strokeDash: {field: 'series', type: 'nominal'}},
				},
				{
					data: {values: own.map(c => ({...c, one: 1}))},
					mark: {type: 'point', shape: 'cross', size: 220, filled: true, stroke: '#000', strokeWidth: 0.5},
					encoding: {x: {field: 'load', type: 'quantitative'}, y: {field: 'one', type: 'quantitative'}, color: colors},
				},
			],
		};
	};
	const acceptance = rows.flatMap(row => [
		{k: row.k, value: row.mean_acceptance_length, series: SERIES.simulated, method: row.method},
		{k: row.k, value: row.expected_mean_acceptance_length, series: SERIES.expected, method: row.method},
	]);
	const acceptancePanel = {
		title: {text: 'acceptance length against k', subtitle: 'simulated (mean over loads) beside the closed form'},
		width: 300,
		height: 260,
		data: {values: acceptance},
		mark: {type: 'line', point: {color: '#333'}, color: '#333'},
		encoding: {
			// Integer ticks at the swept k (tickMinStep alone still labels 1.4, 1.8, … on a short axis).
			x: {
				field: 'k',
				type: 'quantitative',
				title: PLOT_TITLES.k,
				axis: {values: [...new Set(rows.map(row => row.k))].sort((a, b) => a - b), format: 'd'},
			},
			y: {field: 'value', type: 'quantitative', aggregate: 'mean', title: PLOT_TITLES.acceptance, scale: {zero: false}},
			strokeDash: seriesDash('acceptance length', SERIES.expected),
			detail: {field: 'method', type: 'nominal'},
		},
	};
	const points = rows
		.filter(row => row.tpot_p50_s !== null)
		.map(row => ({throughput: row.output_tokens_per_s, tpotMs: row.tpot_p50_s! * 1000, line: lineLabel(row.k, row.method), load: loadName(row)}));
	const seenBaseline = new Set<string>();
	for (const row of rows) {
		const load = loadName(row);
		if (seenBaseline.has(load) || row.baseline_tpot_p50_s === null) continue;
		seenBaseline.add(load);
		points.push({throughput: row.baseline_output_tokens_per_s, tpotMs: row.baseline_tpot_p50_s * 1000, line: 'no speculation', load});
	}
	const front = paretoFront(points);
	const paretoPanel = {
		title: {text: 'TPOT against throughput', subtitle: 'every configuration and load; dotted: the Pareto front'},
		width: 300,
		height: 260,
		layer: [
			{
				data: {values: front},
				mark: {type: 'line', color: '#999', strokeDash: [2, 2]},
				encoding: {x: {field: 'throughput', type: 'quantitative'}, y: {field: 'tpotMs', type: 'quantitative'}},
			},
			{
				data: {values: points},
				mark: {type: 'point', filled: true, size: 50},
				encoding: {
					x: {
						field: 'throughput',
						type: 'quantitative',
						title: PLOT_TITLES.throughput,
						scale: LOG_SCALE,
						...logAxisTicks(points.map(p => p.throughput)),
					},
					y: {field: 'tpotMs', type: 'quantitative', title: PLOT_TITLES.tpot, scale: LOG_SCALE, axis: {values: TPOT_TICKS_MS}},
					color: colors,
					tooltip: [{field: 'line'}, {field: 'load'}, {field: 'throughput', format: '.1f'}, {field: 'tpotMs', format: '.2f'}],
				},
			},
		],
	};
	return {
		$schema: 'https://vega.github.io/schema/vega-lite/v5.json',
		title,
		columns: 2,
		// Size each grid column to its own panels (the default 'all' gives every cell the widest one's width).
		align: 'each',
		spacing: 30,
		concat: [...kinds.map(speedupPanel), acceptancePanel, paretoPanel],
		resolve: {scale: {color: 'shared', strokeDash: 'independent'}},
		config: {font: 'sans-serif', legend: {labelLimit: 400, titleLimit: 400}, title: {fontSize: 12, subtitleFontSize: 10, anchor: 'start'}},
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

/**
 * Log axes span the data (plus a little padding), not the enclosing powers of ten: a sweep over
 * concurrency 1..256 should not draw an empty decade up to 1,000.
 */
const LOG_SCALE = {type: 'log', nice: false, padding: 8} as const;

/**
 * Ticks for a log axis over `values`: none of its own (Vega's) when the data spans a decade or
 * more; otherwise round values (a step of 1, 2 or 5 × 10^n, at most 5 of them) inside the data,
 * since Vega's own log ticks over a narrow span can carry no label at all (a sweep at one load
 * below capacity: every configuration delivers the offered 848 to 855 tok/s).
 */
export function logAxisTicks(values: readonly number[]): {axis?: {values: number[]}} {
	const positive = values.filter(v => v > 0 && Number.isFinite(v));
	if (positive.length === 0) return {};
	const min = Math.min(...positive);
	const max = Math.max(...positive);
	if (max >= 10 * min) return {};
	if (max === min) return {axis: {values: [min]}};
	const rough = (max - min) / 4;
	const decade = 10 ** Math.floor(Math.log10(rough));
	const step = [1, 2, 5, 10].map(m => m * decade).find(s => s >= rough)!;
	const ticks: number[] = [];
	// Rounded to the step's decimals, so that 0.1 + 0.2 reads 0.3 on the axis.
	const digits = Math.max(0, -Math.floor(Math.log10(step)));
	for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(Number(t.toFixed(digits)));
	return {axis: {values: ticks}};
}

/** TPOT ticks (ms): a log axis that spans less than a decade would otherwise label only part of it. */
const TPOT_TICKS_MS = [1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000, 2000, 5000];

/**
 * The legend that tells simulated (solid) from expected (dashed), under its panel so it does not
 * widen the panel's grid column. Its symbols are drawn as dark strokes explicitly: a strokeDash
 * legend has no colour of its own and would draw invisible lines.
 */
function seriesDash(title: string, expected: string) {
	return {
		field: 'series',
		type: 'nominal',
		title,
		scale: {domain: [SERIES.simulated, expected]},
		legend: {
			orient: 'bottom',
			direction: 'vertical',
			symbolType: 'stroke',
			symbolStrokeWidth: 2,
			symbolSize: 300,
			encode: {symbols: {update: {stroke: {value: '#333'}}}},
		},
	} as const;
}

function loadName(row: SweepRow): string {
	return row.concurrency !== null ? `concurrency ${row.concurrency}` : row.qps !== null ? `qps ${row.qps}` : 'preset load';
}
