/**
 * Runs every expressible published point through the simulator (with and without speculation, the
 * same seeded workload) and compares simulated with published speedup.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {simConfigSchema, type SimConfigInput} from '../../src/config/schema.js';
import {buildSimulation} from '../../src/sim/build.js';
import {summarize} from '../../src/sim/summary.js';
import {type PublishedPoint, SERIES, type SeriesSpec, SIGN_EXCEPTIONS, type SpeedupMetric} from './series.js';

export type ValidationRow = {
	readonly spec: SeriesSpec;
	readonly point: PublishedPoint;
	readonly published: number;
	readonly simulated: number;
	/** simulated − published. */
	readonly error: number;
};

/** The rows of published-perf.jsonl (a copy of the shared reference rows this harness uses). */
export function readPublished(): PublishedPoint[] {
	const text = readFileSync(join(import.meta.dirname, 'published-perf.jsonl'), 'utf8');
	return text
		.split('\n')
		.filter(line => line.trim() !== '')
		.map(line => JSON.parse(line) as PublishedPoint);
}

const SEED = 7;

/** The measured quantity of one seeded run for a metric (higher is better for throughputs, lower for latency). */
export function measure(input: SimConfigInput, durationS: number, speculationOff: boolean, metric: SpeedupMetric): number {
	const built = buildSimulation(simConfigSchema.parse(input), {seed: SEED, speculationOff});
	built.simulation.runUntil(durationS);
	const e = summarize(built).engines;
	switch (metric) {
		case 'output-throughput':
			return e.output_tokens_per_s;
		case 'total-throughput':
			return (e.prompt_tokens + e.generation_tokens) / durationS;
		case 'e2e-latency': {
			const mean = e.e2e_latency_s.mean;
			if (mean === null) throw new Error('no request finished');
			return mean;
		}
	}
}

/** The configuration of one point with its load applied. */
export function pointConfig(spec: SeriesSpec, point: PublishedPoint): SimConfigInput {
	const base = spec.config(point);
	const arrival = point.load_kind === 'qps' ? ({kind: 'poisson', rate: point.load} as const) : ({kind: 'closed-loop', users: point.load} as const);
	return {...base, workload: {...base.workload, arrival}};
}

/** Simulated speedup at one published point. */
export function simulateSpeedup(spec: SeriesSpec, point: PublishedPoint): number {
	const config = pointConfig(spec, point);
	const on = measure(config, spec.durationS, false, spec.metric);
	const off = measure(config, spec.durationS, true, spec.metric);
	return spec.metric === 'e2e-latency' ? off / on : on / off;
}

/** Every published point with a speedup, of every expressible series, in series order. */
export function runValidation(points: readonly PublishedPoint[] = readPublished()): ValidationRow[] {
	const rows: ValidationRow[] = [];
	for (const spec of SERIES) {
		for (const point of points) {
			if (point.series !== spec.series || point.speedup === null) continue;
			const simulated = simulateSpeedup(spec, point);
			rows.push({spec, point, published: point.speedup, simulated, error: simulated - point.speedup});
		}
	}
	return rows;
}

/** Median of absolute errors. */
export function medianAbsError(rows: readonly ValidationRow[]): number {
	const sorted = rows.map(r => Math.abs(r.error)).sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	const mid = sorted.length >> 1;
	return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The README table: series, load, published, simulated, error, role (aligned as Biome formats Markdown tables). */
export function formatTable(rows: readonly ValidationRow[]): string {
	const header = ['series', 'load', 'published', 'simulated', 'error', 'role'];
	const right = [false, false, true, true, true, false];
	const body = rows.map(r => {
		const load = `${r.point.load_kind === 'qps' ? 'QPS' : r.point.load_kind} ${r.point.load}`;
		const k = r.point.k === null ? '' : ` (k=${r.point.k})`;
		const approx = r.point.approx ? ' ≈' : '';
		const miss = r.spec.role === 'validation' && r.published < 1 !== r.simulated < 1 ? ' †' : '';
		return [`${r.spec.label}${k}`, load, `${r.published.toFixed(2)}${approx}`, `${r.simulated.toFixed(2)}${miss}`, signed(r.error), r.spec.role];
	});
	const widths = header.map((h, j) => Math.max(h.length, 3, ...body.map(cells => cells[j]!.length)));
	const line = (cells: readonly string[]): string =>
		`| ${cells.map((c, j) => (right[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join(' | ')} |`;
	const separator = `| ${widths.map((w, j) => (right[j] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
	const validation = rows.filter(r => r.spec.role === 'validation');
	const misses = crossoverMisses(validation);
	const calibration = rows.length - validation.length;
	const exceptions = SERIES.filter(s => misses.some(m => m.spec === s));
	const lines = [
		line(header),
		separator,
		...body.map(line),
		'',
		`Median absolute error of speedup over the ${validation.length} validation points: ${medianAbsError(validation).toFixed(3)}` +
			`${calibration > 0 ? ` (the ${calibration} calibration points excluded)` : ''}.` +
			` ${validation.length - misses.length} of ${validation.length} are simulated on the same side of 1.0 as published;` +
			` † marks the ${misses.length} that are not. ≈: read off a chart.`,
		'',
		'Why the † points miss:',
		'',
		...exceptions.map(s => `- ${s.label}: ${SIGN_EXCEPTIONS[s.series]?.reason ?? 'NOT EXPLAINED'}.`),
		'',
		'Notes per series:',
		'',
		...SERIES.map(s => `- ${s.label}: ${s.note}.`),
	];
	return `${lines.join('\n')}\n`;
}

function signed(x: number): string {
	return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
}

/** Points on the wrong side of 1.0: published below and simulated at or above, or the reverse. */
export function crossoverMisses(rows: readonly ValidationRow[]): ValidationRow[] {
	return rows.filter(r => r.published < 1 !== r.simulated < 1);
}

/**
 * The most points, of a series in load order, that any monotone simulated curve can put on the
 * published side of 1.0: a non-increasing curve is at or above 1.0 up to some load and below it
 * after (a non-decreasing one the reverse), so only those sign patterns are reachable. A series
 * whose published signs alternate more than once cannot be matched everywhere by a model whose
 * speedup moves one way with load.
 */
export function bestMonotoneAgreement(published: readonly number[]): number {
	const above = published.map(x => x >= 1);
	let best = 0;
	for (let split = 0; split <= above.length; split++) {
		let falling = 0;
		let rising = 0;
		for (let i = 0; i < above.length; i++) {
			if (above[i] === i < split) falling++;
			if (above[i] === i >= split) rising++;
		}
		best = Math.max(best, falling, rising);
	}
	return best;
}
