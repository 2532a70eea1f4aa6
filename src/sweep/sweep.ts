/**
 * `specsim sweep` without the CLI: run every configuration of a grid and its baseline, and
 * assemble the rows.
 */
import type {SimConfig} from '../config/schema.js';
import {runJobs} from './pool.js';
import type {RunJob} from './run-config.js';
import {groupKey, makeRow, markBest, type RowLabels, type SweepRow} from './rows.js';
import {markObjective, type SweepObjective, type SweepSlo} from './slo.js';

/** One configuration of a sweep, resolved against the preset (flags applied, validated). */
export type ResolvedPoint = {
	readonly labels: RowLabels;
	readonly config: SimConfig;
};

/** Options of {@link runSweep}. */
export type SweepOptions = {
	readonly seed: number;
	/** Virtual seconds per configuration. */
	readonly durationS: number;
	/** Worker threads (1: in this thread). */
	readonly workers: number;
	/** Called after each simulation (speculative or baseline) completes. */
	readonly onProgress?: (done: number, total: number) => void;
	/** Abort the sweep (see `runJobs`). */
	readonly signal?: AbortSignal;
	/** Lines of the workload trace every configuration replays (read once by the caller). */
	readonly traceLines?: readonly string[];
	/** What the best k per group maximises (`--objective`). @default 'throughput' */
	readonly objective?: SweepObjective;
	/** SLOs the best k must meet. @default {} */
	readonly slo?: SweepSlo;
};

/**
 * Run each point with speculation, plus one baseline (speculation off, same seed and duration)
 * per (qps, method) group, whose workload is identical to its points' (k does not change the
 * baseline). Rows come back in point order with the best k per group marked; the result is the
 * same for any worker count.
 */
export async function runSweep(points: readonly ResolvedPoint[], options: SweepOptions): Promise<SweepRow[]> {
	const jobs: RunJob[] = [];
	const trace = options.traceLines === undefined ? {} : {traceLines: options.traceLines};
	const baselineOf = new Map<string, number>();
	const groupOf = (p: ResolvedPoint): string => groupKey(p.labels);
	for (const point of points) {
		const group = groupOf(point);
		if (baselineOf.has(group)) continue;
		baselineOf.set(group, jobs.length);
		jobs.push({config: point.config, seed: options.seed, durationS: options.durationS, speculationOff: true, ...trace});
	}
	const firstRun = jobs.length;
	for (const point of points) jobs.push({config: point.config, seed: options.seed, durationS: options.durationS, speculationOff: false, ...trace});
	const results = await runJobs(jobs, {
		workers: options.workers,
		...(options.onProgress ? {onProgress: options.onProgress} : {}),
		...(options.signal ? {signal: options.signal} : {}),
	});
	const rows = points.map((point, i) => makeRow(point.labels, results[firstRun + i]!, results[baselineOf.get(groupOf(point))!]!));
	return markObjective(markBest(rows), options.objective ?? 'throughput', options.slo ?? {});
}

/** The row labels of a resolved configuration: its k, its arrival rate or its clients (whichever loop it is) and its method. */
export function labelsOf(config: SimConfig): RowLabels {
	const arrival = config.workload.arrival;
	const closed = arrival.kind === 'closed-loop';
	return {
		k: config.speculative.numSpecTokens,
		qps: closed ? null : arrival.rate,
		concurrency: closed ? arrival.users : null,
		method: config.speculative.method,
	};
}
