import {availableParallelism} from 'node:os';
import cliProgress from 'cli-progress';
import {Command, Option} from 'commander';
import {expandGrid, parseConcurrencyList, parseKList, parseMethodList, parseQpsList} from '../../sweep/grid.js';
import {formatSweepCsv, formatSweepTable, loadText} from '../../sweep/format.js';
import {describeBest, type SweepObjective, type SweepSlo} from '../../sweep/slo.js';
import {buildPlotSpec, renderSvg} from '../../sweep/plot.js';
import type {SweepRow} from '../../sweep/rows.js';
import {labelsOf, runSweep, type ResolvedPoint} from '../../sweep/sweep.js';
import {roundNumbers} from '../../output/summary-json.js';
import {UserError} from '../../util/user-error.js';
import {writeFileAtomic} from '../io/atomic-write.js';
import {checkOutputPath} from '../io/output-path.js';
import type {Output} from '../options.js';
import {buildSimulation, isSpeculationOff} from '../../sim/build.js';
import {addSimOptions, buildChecked, parseDurationFlag, parseInteger, resolveSimConfig, type SimFlags} from '../sim-options.js';
import {type RunEnvironment, signalExitCode} from './run.js';

type SweepFlags = Omit<SimFlags, 'k' | 'qps' | 'method' | 'concurrency'> & {
	k: string;
	qps?: string;
	concurrency?: string;
	method?: string;
	duration: string;
	workers?: string;
	json: boolean;
	csv: boolean;
	plot?: string;
	objective: SweepObjective;
	sloTtftP99?: string;
	sloTpotP50?: string;
};

/** `sweep --json`: the sweep's inputs and its rows (nothing that depends on the worker count). */
export type SweepJson = {
	preset: string;
	seed: number;
	duration_s: number;
	objective: SweepObjective;
	slo: {ttft_p99_s: number | null; tpot_p50_s: number | null};
	rows: SweepRow[];
};

/** The common simulation flags a sweep takes as lists instead of single values. */
const SWEPT_FLAGS = new Set(['--k', '--qps', '--method', '--concurrency']);

/** The common simulation flags a sweep takes as they are (preset, seed, engines, logging, faults, ...), new for each command. */
const commonOptions = (): Option[] => addSimOptions(new Command()).options.filter(option => !SWEPT_FLAGS.has(option.long ?? ''));
const COMMON_FLAG_KEYS = [...new Set(commonOptions().map(option => option.attributeName() as keyof SweepFlags & keyof SimFlags))];

export function registerSweep(program: Command, output: Output, env: RunEnvironment): void {
	const command = program
		.command('sweep')
		.description('run the preset over a grid of k (and load, method) and report acceptance, throughput, latency and speedup beside the closed forms')
		.option('--k <range|list>', 'draft lengths: a range and/or list, e.g. 1..8, 2,4,6, 1..3,6', '1..8')
		.option('--qps <list>', "arrival rates to sweep, e.g. 1,4,16,64 (default: the preset's)")
		.option('--concurrency <list>', 'closed-loop client counts to sweep (vllm bench serve --max-concurrency), e.g. 1,16,64,128')
		.option('--method <list>', "speculative methods to sweep, e.g. eagle3,ngram (default: the preset's)")
		.option('--duration <duration>', 'virtual time per configuration (e.g. 60s, 5m)', '120s')
		.option('--workers <n>', 'worker threads (default: the core count); the results do not depend on it')
		.option('--json', 'print the rows as JSON', false)
		.option('--csv', 'print the rows as CSV', false)
		.option('--plot <file.svg>', 'also write speedup against load, acceptance length against k and a TPOT-throughput Pareto panel as an SVG chart')
		.addOption(new Option('--objective <what>', 'what the best k per load maximises').choices(['throughput', 'tpot']).default('throughput'))
		.option('--slo-ttft-p99 <duration>', 'the best k must keep TTFT p99 at or below this (e.g. 500ms)')
		.option('--slo-tpot-p50 <duration>', 'the best k must keep TPOT p50 at or below this (e.g. 20ms)');
	// The other common flags (preset, seed, engines, model name, logging), as every simulating command has them.
	for (const option of commonOptions()) command.addOption(option);
	command.action(async (flags: SweepFlags) => {
		await sweep(flags, output, env);
	});
}

async function sweep(flags: SweepFlags, output: Output, env: RunEnvironment): Promise<void> {
	if (flags.json && flags.csv) throw new UserError('--json and --csv exclude each other');
	if (flags.plot !== undefined && !flags.plot.toLowerCase().endsWith('.svg'))
		throw new UserError(`--plot writes SVG: the file name must end in .svg, got "${flags.plot}"`);
	// Before the sweep runs, not after: a missing directory should not cost the whole sweep.
	if (flags.plot !== undefined) await checkOutputPath(flags.plot, '--plot');
	const durationS = parseDurationFlag(flags.duration, '--duration');
	const slo: SweepSlo = {
		...(flags.sloTtftP99 === undefined ? {} : {ttftP99S: parseDurationFlag(flags.sloTtftP99, '--slo-ttft-p99')}),
		...(flags.sloTpotP50 === undefined ? {} : {tpotP50S: parseDurationFlag(flags.sloTpotP50, '--slo-tpot-p50')}),
	};
	const workers = flags.workers === undefined ? availableParallelism() : parseInteger(flags.workers, '--workers', 1);
	const grid = {
		ks: parseKList(flags.k),
		qps: flags.qps === undefined ? [] : parseQpsList(flags.qps),
		concurrency: flags.concurrency === undefined ? [] : parseConcurrencyList(flags.concurrency),
		methods: flags.method === undefined ? [] : parseMethodList(flags.method),
	};
	const base: SimFlags = {preset: flags.preset, seed: flags.seed};
	if (grid.concurrency.length > 0 && flags.trace !== undefined)
		throw new UserError('--concurrency and --trace exclude each other: a trace sets its own arrival times');
	// Every other common flag applies to each point as given (a list kept by hand dropped the fault
	// and prefix-caching flags without a word).
	for (const key of COMMON_FLAG_KEYS) if (flags[key] !== undefined) Object.assign(base, {[key]: flags[key]});
	const points: ResolvedPoint[] = [];
	let seed = 0;
	let presetName = '';
	let traceLines: string[] | undefined;
	for (const point of expandGrid(grid)) {
		const resolved = await resolveSimConfig({
			...base,
			k: String(point.k),
			...(point.qps === undefined ? {} : {qps: String(point.qps)}),
			...(point.concurrency === undefined ? {} : {concurrency: String(point.concurrency)}),
			...(point.method === undefined ? {} : {method: point.method}),
		});
		if (isSpeculationOff(resolved.config))
			throw new UserError(`a sweep compares speculation with none, but ${resolved.presetPath} turns it off (method "none" or k 0); pass --method`);
		seed = resolved.seed;
		presetName = resolved.config.name;
		traceLines = resolved.traceLines;
		// Build once here, so a configuration that cannot run fails with one line naming the field, not in a worker.
		buildChecked(resolved, () => buildSimulation(resolved.config, {seed, ...(traceLines === undefined ? {} : {traceLines})}));
		points.push({labels: labelsOf(resolved.config), config: resolved.config});
	}

	const progress = env.isStderrTTY
		? new cliProgress.SingleBar(
				{stream: process.stderr, format: 'sweep [{bar}] {value}/{total} simulations | ETA {eta}s', hideCursor: true, clearOnComplete: true},
				cliProgress.Presets.shades_classic,
			)
		: undefined;
	const abort = new AbortController();
	const offSignal = env.onSignal(signal =>
		abort.abort(new UserError('interrupted: the sweep was stopped before it finished', signalExitCode(signal))),
	);
	let rows: SweepRow[];
	try {
		rows = await runSweep(points, {
			seed,
			durationS,
			workers,
			objective: flags.objective,
			slo,
			signal: abort.signal,
			...(traceLines === undefined ? {} : {traceLines}),
			onProgress: (done, total) => {
				if (progress === undefined) return;
				if (done === 0) progress.start(total, 0);
				else progress.update(done);
			},
		});
	} finally {
		offSignal();
		progress?.stop();
	}

	// The closed forms carry float noise (0.7296 computes as 0.7295999999999989): print the rows as
	// run --json prints its summary, at 12 significant digits; the table rounds on its own.
	const printed = flags.json || flags.csv ? roundNumbers(rows) : rows;
	if (flags.json) {
		const json: SweepJson = {
			preset: presetName,
			seed,
			duration_s: durationS,
			objective: flags.objective,
			slo: {ttft_p99_s: slo.ttftP99S ?? null, tpot_p50_s: slo.tpotP50S ?? null},
			rows: printed,
		};
		output.stdout(`${JSON.stringify(json, null, 2)}\n`);
	} else if (flags.csv) {
		output.stdout(formatSweepCsv(printed));
	} else {
		output.stdout(formatSweepTable(rows, {preset: presetName, seed, durationS, best: describeBest(rows, flags.objective, slo, loadText)}));
	}
	if (flags.plot !== undefined) {
		const svg = await renderSvg(buildPlotSpec(rows, `specsim sweep: ${presetName}, seed ${seed}, ${durationS} virtual s per configuration`));
		// A failed write (a full disk) is one line naming the file, exit code 1.
		await writeFileAtomic(flags.plot, svg);
		output.stderr(`specsim: wrote ${flags.plot}\n`);
	}
}
