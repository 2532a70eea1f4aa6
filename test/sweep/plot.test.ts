import {describe, expect, it} from 'vitest';
import {buildPlotSpec, crossovers, logAxisTicks, PLOT_TITLES, paretoFront, renderSvg, SERIES, speedupData} from '../../src/sweep/plot.js';
import {makeRow, type SweepRow} from '../../src/sweep/rows.js';
import {measurement} from './helpers.js';

const baseline = measurement({cost_ratio: null, expected_speedup: null, output_tokens_per_s: 1000, tpot_s: {p50: 0.008, p99: 0.009}});
/** k = 1, 2 at concurrency 1, 16, 256: k=2 falls below 1.0 between 16 and 256. */
const rows: SweepRow[] = [1, 16, 256].flatMap(c =>
	[1, 2].map(k =>
		makeRow(
			{k, qps: null, concurrency: c, method: 'eagle3'},
			measurement({
				output_tokens_per_s: c === 256 && k === 2 ? 800 : 1000 * (1 + 0.2 * k),
				mean_acceptance_length: 1 + 0.6 * k,
				expected_mean_acceptance_length: 1 + 0.55 * k,
				tpot_s: {p50: 0.008 / (1 + 0.2 * k), p99: 0.01},
			}),
			baseline,
		),
	),
);

describe('buildPlotSpec', () => {
	it('speedup against load: closed loops use tok/s, one line per k and method, crossover interpolated on log load', () => {
		const data = speedupData(rows);
		expect(data.filter(d => d.line === 'k=2 eagle3').map(d => [d.load, d.speedup])).toEqual([
			[1, 1.4],
			[16, 1.4],
			[256, 0.8],
		]);
		// 1.4 → 0.8 between 16 and 256: a third of the way in log space, 16 · 16^(1/3)... = 16^(4/3)·... exactly exp(ln16 + (0.4/0.6)·ln16).
		const [cross] = crossovers(data);
		expect(cross!.line).toBe('k=2 eagle3');
		expect(cross!.load).toBeCloseTo(Math.exp(Math.log(16) + (0.4 / 0.6) * (Math.log(256) - Math.log(16))), 9);
		expect(crossovers(data)).toHaveLength(1);
	});

	it('open loops use the TPOT speedup', () => {
		const open = makeRow({k: 1, qps: 4, concurrency: null, method: 'ngram'}, measurement({tpot_s: {p50: 0.004, p99: 0.005}}), baseline);
		expect(speedupData([open])).toEqual([
			{kind: 'qps', load: 4, speedup: 2, line: 'k=1 ngram', k: 1, method: 'ngram', expected: open.expected_speedup},
		]);
	});

	it('the Pareto front keeps what no other configuration beats on both throughput and TPOT', () => {
		const p = (throughput: number, tpotMs: number) => ({throughput, tpotMs});
		expect(paretoFront([p(100, 5), p(200, 6), p(150, 7), p(300, 20), p(250, 25)])).toEqual([p(100, 5), p(200, 6), p(300, 20)]);
	});

	it('has a speedup panel per load kind, the acceptance panel and the Pareto panel; legends say simulated or expected', () => {
		const spec = buildPlotSpec(rows, 't') as unknown as {concat: unknown[]};
		expect(spec.concat).toHaveLength(3);
		const text = JSON.stringify(spec);
		for (const name of Object.values(SERIES)) expect(text).toContain(name);
		expect(text).toContain('no speculation');
	});
});

describe('renderSvg', () => {
	it('renders headlessly to an SVG with the axis titles, the crossover and both series names', async () => {
		const svg = await renderSvg(buildPlotSpec(rows, 'specsim sweep test'));
		expect(svg.startsWith('<svg')).toBe(true);
		for (const title of [
			PLOT_TITLES.concurrency,
			PLOT_TITLES.speedup,
			PLOT_TITLES.k,
			PLOT_TITLES.acceptance,
			PLOT_TITLES.throughput,
			PLOT_TITLES.tpot,
		])
			expect(svg).toContain(title);
		expect(svg).toContain('specsim sweep test');
		expect(svg).toContain('× crossover below 1.0:');
		expect(svg).toContain('k=2 eagle3 at 102');
		expect(svg).toContain(SERIES.simulated);
		expect(svg).toContain('expected: closed form');
	});

	it('lays out readably: solid and dashed legend lines are drawn, columns hug their panels, log axes span the data', async () => {
		// k = 1..6, every k ≥ 2 crossing below 1.0 at concurrency 256: five crossovers to name.
		const many: SweepRow[] = [1, 16, 256].flatMap(c =>
			[1, 2, 3, 4, 5, 6].map(k =>
				makeRow(
					{k, qps: null, concurrency: c, method: 'eagle3'},
					measurement({output_tokens_per_s: c === 256 && k >= 2 ? 800 : 1000 * (1 + 0.1 * k), tpot_s: {p50: 0.008 / (1 + 0.1 * k), p99: 0.01}}),
					baseline,
				),
			),
		);
		const svg = await renderSvg(buildPlotSpec(many, 'specsim sweep test'));
		// The simulated/expected legends: every line symbol has a visible stroke (a strokeDash legend has no colour of its own).
		const strokeSymbols = [...svg.matchAll(/role-legend-symbol[^>]*><path [^>]*d="M-[\d.]+,0L[\d.]+,0"[^>]*>/g)].map(m => m[0]);
		expect(strokeSymbols.length).toBeGreaterThanOrEqual(4);
		for (const symbol of strokeSymbols) expect(symbol).toContain('stroke="#333"');
		// The second panel starts right after the first (380 px wide plus its axis), not after a one-line subtitle naming five crossovers.
		const second = /concat_1_group"[^>]*><g transform="translate\(([\d.]+),/.exec(svg);
		expect(Number(second?.[1])).toBeLessThan(500);
		// Log axes end near the data (concurrency 1..256 here), not at the next power of ten (1,000).
		const axis = new RegExp(
			`X-axis titled '${PLOT_TITLES.concurrency.replace(/[()]/g, '\\$&')}' for a log scale with values from ([\\d.]+) to ([\\d.]+)`,
		).exec(svg);
		expect(Number(axis?.[2])).toBeGreaterThan(256);
		expect(Number(axis?.[2])).toBeLessThan(400);
		// The k axis labels the swept k only (here 1..6), as integers.
		const kAxis = svg.slice(svg.indexOf(`X-axis titled '${PLOT_TITLES.k}'`));
		const kLabels = [...kAxis.slice(0, kAxis.indexOf('role-axis-domain')).matchAll(/opacity="1">([^<]+)<\/text>/g)].map(m => m[1]);
		expect(kLabels).toEqual(['1', '2', '3', '4', '5', '6']);
	});
});

describe('the throughput axis over a narrow span', () => {
	it("labels round values inside the data: over 848 to 854.5 tok/s Vega's log axis labelled nothing", async () => {
		// One load below capacity, as `sweep --k 1..3` at the preset's QPS: every configuration
		// delivers about the offered load, 848 to 854.5 tok/s.
		const low = measurement({cost_ratio: null, expected_speedup: null, output_tokens_per_s: 848, tpot_s: {p50: 0.007, p99: 0.008}});
		const oneLoad = [1, 2, 3].map(k =>
			makeRow(
				{k, qps: 4, concurrency: null, method: 'eagle3'},
				measurement({output_tokens_per_s: 853 + 0.5 * k, tpot_s: {p50: 0.007 / (1 + 0.2 * k), p99: 0.008}}),
				low,
			),
		);
		const svg = await renderSvg(buildPlotSpec(oneLoad, 'specsim sweep test'));
		const labels = [...svg.matchAll(/<text[^>]*>(\d+)<\/text>/g)].map(m => Number(m[1]));
		expect(labels).toEqual(expect.arrayContaining([850, 852, 854]));
	});

	it('leaves a span of a decade or more to Vega, and rounds the step to 1, 2 or 5 × 10^n', () => {
		expect(logAxisTicks([100, 1000])).toEqual({});
		expect(logAxisTicks([499, 530])).toEqual({axis: {values: [500, 510, 520, 530]}});
		expect(logAxisTicks([0.12, 0.31])).toEqual({axis: {values: [0.15, 0.2, 0.25, 0.3]}});
		expect(logAxisTicks([42])).toEqual({axis: {values: [42]}});
		expect(logAxisTicks([])).toEqual({});
	});
});
