import {type Command, Option} from 'commander';
import {explainSections} from '../../explain/index.js';
import {formatLogLine, parseLogPrefixPid} from '../../metrics/log/log-prefix.js';
import {Session} from '../../runtime/session.js';
import {startMetricsServer, type MetricsServer} from '../../server/metrics-server.js';
import {readProcessStats} from '../../server/process-stats.js';
import {formatSummaryJson} from '../../output/summary-json.js';
import type {SimObserver} from '../../sim/simulation.js';
import {summarize} from '../../sim/summary.js';
import {addMetricsFlags, type MetricsFlags, parseMetricsFlags} from '../metrics-flags.js';
import {UserError} from '../../util/user-error.js';
import {formatSummary} from '../format-summary.js';
import type {Output} from '../options.js';
import type {RunEnvironment} from '../run-environment.js';
import {
	addSimOptions,
	buildChecked,
	decimalNumber,
	parseDurationFlag,
	parseSpeed,
	parseStartFlag,
	resolveSimConfig,
	speedOption,
	type SimFlags,
} from '../sim-options.js';

export type RunFlags = SimFlags &
	MetricsFlags & {
		headless: boolean;
		speed: string;
		duration?: string;
		json: boolean;
		start?: string;
		host: string;
		port: string;
		/** False with `--no-server`. */
		server: boolean;
		/** False with `--no-created`. */
		created: boolean;
		/** `--show-hidden-metrics`. */
		showHiddenMetrics?: boolean;
		/** `--log-prefix-pid N`. */
		logPrefixPid?: string;
	};

export {type RunEnvironment, signalExitCode} from '../run-environment.js';

export function registerRun(program: Command, output: Output, env: RunEnvironment): void {
	const command = program
		.command('run', {isDefault: true})
		.description('run the simulator: the live dashboard on a terminal, vLLM-style log lines otherwise (--headless)')
		.option('--headless', 'print log lines and a summary instead of the dashboard (implied when stdin or stdout is not a terminal)', false)
		.addOption(speedOption())
		.option('--duration <duration>', 'stop after this much virtual time (e.g. 90s, 10m, 1h); default: until interrupted')
		.option('--json', 'print the summary as JSON, alone on stdout (log lines go to stderr)', false)
		.option('--start <iso-time>', 'wall-clock time of virtual time 0, for log timestamps (default 2026-01-01T00:00:00Z)')
		.option('--host <host>', 'address /metrics listens on', '127.0.0.1')
		.addOption(new Option('--port <n>', 'port of /metrics (0 picks a free port and prints it)').default('8000'))
		.option('--no-server', 'do not serve /metrics')
		.option('--no-created', 'omit the _created companion series (as vLLM with PROMETHEUS_MULTIPROC_DIR)')
		.option('--show-hidden-metrics', "also expose vLLM's deprecated metric families (--show-hidden-metrics-for-version)")
		.option('--log-prefix-pid <pid>', 'prefix log lines with (APIServer pid=N), as vllm serve prints them');
	addMetricsFlags(command);
	addSimOptions(command).action(async (flags: RunFlags) => {
		const port = parsePort(flags.port);
		const session = await createSession(flags);
		const dashboard = env.isTTY && !flags.headless;
		// Ink and React load only for the dashboard (every other command starts without them), and
		// before the server, so the dashboard is up as soon as /metrics is announced.
		const ui = dashboard ? await import('../../ui/start-dashboard.js') : undefined;
		// Headless, uvicorn's access lines join the server log, with its `(APIServer pid=N) ` prefix.
		const pidPrefix = flags.logPrefixPid === undefined ? '' : `(APIServer pid=${parseLogPrefixPid(flags.logPrefixPid)}) `;
		const onAccessLine = dashboard ? undefined : (line: string) => (flags.json ? output.stderr : output.stdout)(`${pidPrefix}${line}\n`);
		const server = flags.server
			? await startMetricsServer(session, {
					host: flags.host,
					port,
					nowS: () => session.epochMsAt(session.now) / 1000,
					...(onAccessLine === undefined ? {} : {onAccessLine}),
				})
			: undefined;
		// The handlers are in place before the serving line: a script may signal as soon as it reads it.
		const signals = listenForStopSignals(env);
		if (!dashboard) signals.onStop(() => session.runner.stop());
		const offClosed = dashboard ? undefined : env.onStdoutClosed?.(() => session.runner.stop());
		try {
			if (server !== undefined) {
				// Headless stdout carries only log lines and the summary.
				const line = `specsim: serving /metrics on ${server.metricsUrl}\n`;
				if (dashboard) output.stdout(line);
				else output.stderr(line);
			}
			if (ui !== undefined) {
				// The dashboard keeps the terminal; a redirected stderr (`specsim 2>vllm.log`) gets every log line.
				const logTo = env.isStderrTTY ? undefined : (text: string) => output.stderr(text);
				await runDashboard(ui.startDashboard, session, server, env, signals, logTo && serverLog(session, logTo, flags.logPrefixPid));
			} else await runHeadless(session, flags, output);
		} finally {
			signals.off();
			offClosed?.();
			await server?.close();
		}
	});
}

export async function createSession(flags: RunFlags): Promise<Session> {
	const resolved = await resolveSimConfig(flags);
	const {config, seed, traceLines} = resolved;
	const startEpochMs = parseStartFlag(flags.start);
	return buildChecked(
		resolved,
		() =>
			new Session(config, {
				seed,
				server: {readProcess: readProcessStats},
				createdSeries: flags.created,
				showHiddenMetrics: flags.showHiddenMetrics === true,
				...parseMetricsFlags(flags),
				...(traceLines ? {traceLines} : {}),
				speed: parseSpeed(flags.speed),
				...(flags.duration === undefined ? {} : {durationS: parseDurationFlag(flags.duration, '--duration')}),
				...(startEpochMs === undefined ? {} : {startEpochMs}),
			}),
	);
}

/**
 * The server log as `vllm serve` prints it: the INFO lines (vLLM's default level) with logger
 * prefix and timestamps, and the optional `(APIServer pid=N)` prefix, one `write` per line.
 */
export function serverLog(session: Session, write: (text: string) => void, logPrefixPid?: string): SimObserver {
	const format = session.config.logging.format;
	const pid = logPrefixPid === undefined ? {} : {pid: parseLogPrefixPid(logPrefixPid)};
	return {
		onLogLine(engine, t, line) {
			if (line.level === 'INFO')
				write(`${formatLogLine(line.message, session.epochMsAt(t), format, line.level, {source: line.source, engine, ...pid})}\n`);
		},
	};
}

/** The run until its duration, a signal or a closed stdout (the caller listens for those), then the summary. */
async function runHeadless(session: Session, flags: RunFlags, output: Output): Promise<void> {
	// With --json, stdout carries the JSON alone (`| jq .`); the log lines go to stderr.
	session.subscribe(serverLog(session, text => (flags.json ? output.stderr(text) : output.stdout(text)), flags.logPrefixPid));
	await session.runner.run();
	const summary = summarize(session.built);
	output.stdout(
		flags.json
			? formatSummaryJson(summary)
			: formatSummary(
					summary,
					session.config.name,
					session.config.scheduler.maxModelLen,
					session.config.workload.classes.some(c => typeof c !== 'string' && c.ignoreEos === true),
				),
	);
}

/** SIGINT, SIGTERM and SIGHUP, listened for from before a live command's serving line to its end. */
export type StopSignals = {
	/** Call `stop` on a signal from now on, and at once if one has come already. */
	onStop(stop: () => void): void;
	/** Stop listening. */
	off(): void;
};

/**
 * Listen for the signals that end `run` and `serve` from now on. A script may signal as soon as
 * it reads the serving line, before the dashboard is up (Ink loads and draws after the line):
 * the signal is kept until the dashboard can quit, rather than left to the default handler,
 * which killed the process with exit code 130.
 */
export function listenForStopSignals(env: RunEnvironment): StopSignals {
	let signalled = false;
	let stop: (() => void) | undefined;
	const off = env.onSignal(() => {
		signalled = true;
		stop?.();
	});
	return {
		onStop(handler) {
			stop = handler;
			if (signalled) handler();
		},
		off,
	};
}

/**
 * The dashboard until `q`, Ctrl+C or one of `signals`; then the runner stops and the terminal is
 * restored before this returns (the caller closes the server and stops listening). A signal that
 * came before the dashboard was up ends it as soon as it is. `log` observes the simulation
 * meanwhile (the callers write the log to a redirected stderr with it); nothing else is written
 * to the terminal while the dashboard is up.
 */
export async function runDashboard(
	startDashboard: typeof import('../../ui/start-dashboard.js').startDashboard,
	session: Session,
	server: Pick<MetricsServer, 'metricsUrl'> | undefined,
	env: RunEnvironment,
	signals: StopSignals,
	log?: SimObserver,
): Promise<void> {
	const offLog = log === undefined ? undefined : session.subscribe(log);
	const dashboard = startDashboard(session, {
		explain: explainSections,
		...(server === undefined ? {} : {metricsUrl: server.metricsUrl}),
		...(env.terminal ?? {}),
	});
	let failure: unknown;
	const running = session.runner.run().catch((error: unknown) => {
		failure = error;
		dashboard.quit();
	});
	signals.onStop(() => dashboard.quit());
	try {
		await dashboard.waitUntilExit();
	} finally {
		session.runner.stop();
		await running;
		offLog?.();
	}
	if (failure !== undefined) throw failure;
}

export function parsePort(text: string): number {
	const port = decimalNumber(text);
	if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UserError(`--port must be an integer in 0..65535, got "${text}"`);
	return port;
}
