import {addMetricsFlags, type MetricsFlags, parseMetricsFlags} from '../metrics-flags.js';
import {mkdtemp, readdir, rename, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Command} from 'commander';
import {stringifyLog} from '../../events/event-stream.js';
import {formatLogLine, parseLogPrefixPid} from '../../metrics/log/log-prefix.js';
import {perfWork, promShapeOf, sinkEvictions} from '../../metrics/prom/attach.js';
import {OpenMetricsFileWriter} from '../../output/openmetrics-file.js';
import {RecordFiles} from '../../output/record-files.js';
import {RecordPipeline} from '../../output/record-pipeline.js';
import {refusedRequestRecord} from '../../output/request-record.js';
import {badRequestBodyBytes, refusalDurationS} from '../../metrics/prom/simulated-server.js';
import {formatSummaryJson} from '../../output/summary-json.js';
import {DEFAULT_START_EPOCH_MS, Session} from '../../runtime/session.js';
import {summarize} from '../../sim/summary.js';
import {EXIT_RUNTIME, EXIT_USAGE, UserError} from '../../util/user-error.js';
import {DATASET_HIGH_WATER_MARK, OutputStream, writeError} from '../../output/output-stream.js';
import {describeFsError} from '../../util/fs-error.js';
import {makeOutputDirectory, removeCreatedDirectories} from '../io/output-path.js';
import {MIN_SCRAPE_INTERVAL_S} from '../../util/limits.js';
import type {Output} from '../options.js';
import {addSimOptions, buildChecked, parseDurationFlag, parseStartFlag, resolveSimConfig, type SimFlags} from '../sim-options.js';
import {VERSION} from '../version.js';
import {type RunEnvironment, signalExitCode} from '../run-environment.js';

type GenerateFlags = SimFlags &
	MetricsFlags & {
		out: string;
		duration: string;
		scrapeInterval: string;
		start?: string;
		force: boolean;
		created: boolean;
		showHiddenMetrics?: boolean;
		logPrefixPid?: string;
	};

/** What a dataset holds; `summary.json` is renamed into place last, so its presence marks a complete dataset. */
export const DATASET_FILES = ['events.jsonl', 'requests.jsonl', 'vllm.log', 'metrics.om', 'metrics.prom', 'summary.json'] as const;

/** Virtual seconds simulated between flushes to disk (bounds the memory of buffered lines). */
const CHUNK_S = 5;

export function registerGenerate(program: Command, output: Output, env: RunEnvironment): void {
	const command = program
		.command('generate')
		.description(
			'simulate as fast as possible and write a synthetic dataset: events, requests, vLLM log, OpenMetrics scrapes, final exposition, summary',
		)
		.requiredOption('--out <dir>', 'output directory (must be empty unless --force)')
		.requiredOption('--duration <duration>', 'virtual time to simulate (e.g. 90s, 10m, 1h)')
		.option('--scrape-interval <duration>', 'virtual seconds between the timestamped scrapes in metrics.om', '15s')
		.option('--start <iso-time>', 'wall-clock time of virtual time 0 (log timestamps, scrape timestamps)', '2026-01-01T00:00:00Z')
		.option('--force', 'overwrite a non-empty output directory', false)
		.option('--no-created', 'omit the _created companion series (as vLLM with PROMETHEUS_MULTIPROC_DIR)')
		.option('--show-hidden-metrics', "also expose vLLM's deprecated metric families (--show-hidden-metrics-for-version)")
		.option('--log-prefix-pid <pid>', 'prefix vllm.log lines with (APIServer pid=N), as vllm serve prints them');
	addMetricsFlags(command);
	addSimOptions(command).action(async (flags: GenerateFlags) => {
		await generate(flags, output, env);
	});
}

async function generate(flags: GenerateFlags, output: Output, env: RunEnvironment): Promise<void> {
	const durationS = parseDurationFlag(flags.duration, '--duration');
	const scrapeS = parseDurationFlag(flags.scrapeInterval, '--scrape-interval');
	if (scrapeS < MIN_SCRAPE_INTERVAL_S) {
		throw new UserError(`--scrape-interval must be at least ${MIN_SCRAPE_INTERVAL_S} virtual seconds, got ${scrapeS}`);
	}
	const startEpochMs = parseStartFlag(flags.start) ?? DEFAULT_START_EPOCH_MS;
	const pid = flags.logPrefixPid === undefined ? {} : {pid: parseLogPrefixPid(flags.logPrefixPid)};
	const resolved = await resolveSimConfig(flags);
	const {config, seed, traceLines} = resolved;
	const session = buildChecked(
		resolved,
		() =>
			new Session(config, {
				seed,
				startEpochMs,
				server: 'simulated',
				// Built and fed on the record pipeline's thread instead, from the records (see below).
				prometheus: false,
				createdSeries: flags.created,
				showHiddenMetrics: flags.showHiddenMetrics === true,
				...parseMetricsFlags(flags),
				...(traceLines ? {traceLines} : {}),
			}),
	);
	// Loaded only for a terminal: a pipe or a file gets no progress bar.
	const cliProgress = env.isStderrTTY ? (await import('cli-progress')).default : undefined;
	const {staging, created: createdDirectories} = await prepareDirectory(flags.out, flags.force);

	const {built} = session;
	const format = config.logging.format;
	const k = Math.max(1, session.numSpecTokens);
	// Every file is written into the staging directory and moved beside an earlier dataset only once
	// complete. events.jsonl, requests.jsonl and vllm.log are written by the record pipeline's worker thread.
	const recordFiles = await RecordFiles.open(staging, flags.out).catch(async (error: unknown) => {
		await rm(staging, {recursive: true, force: true});
		await removeCreatedDirectories(createdDirectories);
		throw error;
	});
	const om = new OutputStream(join(staging, 'metrics.om'), join(flags.out, 'metrics.om'), DATASET_HIGH_WATER_MARK);
	let openMetrics: OpenMetricsFileWriter | undefined;
	let interrupted: NodeJS.Signals | undefined;
	const offSignal = env.onSignal((signal = 'SIGINT') => {
		interrupted ??= signal;
	});
	const progress = cliProgress
		? new cliProgress.SingleBar(
				{stream: process.stderr, format: 'generate [{bar}] {percentage}% | {value}/{total} virtual s | ETA {eta}s', hideCursor: true},
				cliProgress.Presets.shades_classic,
			)
		: undefined;
	const wallStart = performance.now();
	let progressShown = false;

	// Records are batched and serialised on a worker thread (see RecordPipeline), which also builds the
	// Prometheus registry (the session's simulated server's) from them, takes the metrics.om scrapes
	// at the points asked for and renders metrics.prom: none of that runs on the simulation's thread.
	const pipeline = new RecordPipeline(
		{
			files: recordFiles.sinks,
			spools: {
				writeSpools: rendered => openMetrics!.writeSpools(rendered),
				series: (family, header, key) => openMetrics!.series(family, header, key),
			},
		},
		{
			shape: promShapeOf(built),
			showHiddenMetrics: flags.showHiddenMetrics === true,
			startEpochMs: session.startEpochMs,
			serverCreatedS: session.epochMsAt(0) / 1000,
			createdS: session.createdS,
		},
	);
	const {records} = pipeline;
	let numRefused = 0;
	// From here on a failure, a bug included, cleans up: the worker stopped, the staging directory removed.
	try {
		records.eventText(`${JSON.stringify({type: 'meta', start_t: 0, seed, version: VERSION, start: new Date(startEpochMs).toISOString(), config})}\n`);
		const perf = perfWork(built, flags.enableMfuMetrics === true);
		sinkEvictions(built, (engine, lifetime, idle, gaps, n) => records.eviction(engine, lifetime, idle, gaps, n));
		built.simulation.subscribe({
			onStep(out) {
				records.promStep(out, perf(out));
				for (let i = 0; i < out.finished.length; i++) records.request(out.finished[i]!, out.engine, k);
			},
			onRejected(spec, error) {
				numRefused++;
				records.requestText(refusedRequestRecord(spec, spec.arrivalAt + refusalDurationS(spec.promptTokens), error.message));
				records.refused(spec, badRequestBodyBytes(error));
			},
			onSleepState(engine, _t, level) {
				records.sleepState(engine, level);
			},
			onSleepOperation(operation, t, phase, durationS) {
				records.sleepOperation(operation, t, phase, durationS);
			},
			onLog(engine, t, message) {
				records.eventText(`${stringifyLog(t, engine, message)}\n`);
			},
			// vllm.log: what a vLLM server prints at its default level (INFO), Engine lines included.
			onLogLine(engine, t, line) {
				if (line.level === 'INFO')
					records.logText(`${formatLogLine(line.message, session.epochMsAt(t), format, line.level, {source: line.source, engine, ...pid})}\n`);
			},
		});
		const scrape = (t: number): void => {
			records.promScrape(t, session.epochMsAt(t) / 1000);
		};

		openMetrics = await OpenMetricsFileWriter.create(staging, join(flags.out, 'metrics.om'));
		scrape(0);
		let nextScrapeS = scrapeS;
		for (let t = 0; t < durationS; ) {
			if (interrupted !== undefined)
				throw new UserError(
					`interrupted: no dataset was written (partial files removed${flags.force ? '; an earlier dataset is left as it was' : ''})`,
					signalExitCode(interrupted),
				);
			t = Math.min(durationS, t + CHUNK_S, nextScrapeS);
			built.simulation.runUntil(t);
			await pipeline.flush();
			if (t >= nextScrapeS) {
				scrape(t);
				nextScrapeS += scrapeS;
			}
			if (progress !== undefined) {
				if (!progressShown && performance.now() - wallStart > 1000) {
					progress.start(Math.round(durationS), 0);
					progressShown = true;
				}
				if (progressShown) progress.update(Math.round(t));
			}
		}
		// The last batch goes to the worker; while it renders and writes it, this thread renders the
		// summary (the statistics no longer change), and while the worker then renders the final
		// exposition, this thread writes metrics.om.
		records.clock(built.simulation.now);
		const finishing = pipeline.finish();
		finishing.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
		const summary = formatSummaryJson(summarize(built));
		await finishing;
		await recordFiles.close();
		await openMetrics.finish(om);
		await om.end();
		await writeOutput(staging, flags.out, 'metrics.prom', await pipeline.exposition());
		await writeOutput(staging, flags.out, 'summary.json', summary);
		await swapIn(staging, flags.out);
	} catch (error) {
		await pipeline.destroy();
		await recordFiles.discard();
		await om.destroy();
		await openMetrics?.discard();
		await rm(staging, {recursive: true, force: true});
		await removeCreatedDirectories(createdDirectories);
		throw error;
	} finally {
		offSignal();
		if (progressShown) progress?.stop();
	}
	output.stderr(
		`specsim: wrote ${DATASET_FILES.join(', ')} to ${flags.out} (${durationS} virtual s, ${built.simulation.numFinished} requests${numRefused === 0 ? '' : `, ${numRefused} refused with HTTP 400`})\n`,
	);
}

/** Hidden names generate leaves only while it runs (or after a crash): staging directories and older temporaries. */
const OUR_TEMPORARY = /^(\.specsim-generate-.+|\.metrics-om-spool-.+|\.(.+)\.[0-9a-f]{8}\.tmp)$/;

/**
 * Create `dir` (refusing a non-empty one without `--force`), remove temporaries an earlier crashed
 * run left, and return a new hidden staging directory inside it and the directories created for it
 * (removed again when the run fails). An existing dataset is not touched:
 * {@link swapIn} replaces it only once the new one is complete.
 */
async function prepareDirectory(dir: string, force: boolean): Promise<{readonly staging: string; readonly created: readonly string[]}> {
	if (dir === '') throw new UserError('--out: the directory name is empty');
	let created: readonly string[] = [];
	try {
		created = await makeOutputDirectory(dir, '--out');
		const entries = await readdir(dir);
		if (entries.length > 0 && !force) throw new UserError(`--out ${dir}: directory is not empty (use --force to overwrite a dataset)`);
		for (const name of entries.filter(name => OUR_TEMPORARY.test(name))) await rm(join(dir, name), {recursive: true, force: true});
		return {staging: await mkdtemp(join(dir, '.specsim-generate-')), created};
	} catch (error) {
		await removeCreatedDirectories(created);
		if (error instanceof UserError) throw error;
		throw new UserError(`--out ${dir}: ${describeFsError(error)}`, (error as {code?: string}).code === 'ENOSPC' ? EXIT_RUNTIME : EXIT_USAGE);
	}
}

/** Write a whole file into the staging directory; a failure names the file the user asked for. */
async function writeOutput(staging: string, dir: string, name: (typeof DATASET_FILES)[number], content: string): Promise<void> {
	try {
		await writeFile(join(staging, name), content);
	} catch (error) {
		throw writeError(error, join(dir, name));
	}
}

/**
 * Move a complete dataset from `staging` into `dir`. An earlier `summary.json` goes first (from then
 * on the directory no longer claims a complete dataset), each file replaces its predecessor by an
 * atomic rename, and the new `summary.json` comes last. Renames within one file system need no
 * space. The other five renames run at once: replacing a large file frees its predecessor's
 * blocks (tens of milliseconds for an hour's events.jsonl just written), one after the other
 * they added up.
 */
async function swapIn(staging: string, dir: string): Promise<void> {
	try {
		await rm(join(dir, 'summary.json'), {force: true});
		const moves = DATASET_FILES.filter(name => name !== 'summary.json').map(name => rename(join(staging, name), join(dir, name)));
		// Every rename settled before a failure is reported (none may land after the caller cleans up).
		const failed = (await Promise.allSettled(moves)).find(result => result.status === 'rejected');
		if (failed !== undefined) throw failed.reason;
		await rename(join(staging, 'summary.json'), join(dir, 'summary.json'));
		await rm(staging, {recursive: true, force: true});
	} catch (error) {
		throw writeError(error, dir);
	}
}
