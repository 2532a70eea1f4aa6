import type {Command} from 'commander';
import {formatLogLine} from '../../metrics/log/log-prefix.js';
import {Session} from '../../runtime/session.js';
import {summarize} from '../../sim/summary.js';
import {UserError} from '../../util/user-error.js';
import {formatSummary} from '../format-summary.js';
import type {Output} from '../options.js';
import {addSimOptions, parseDurationFlag, parseSpeed, resolveSimConfig, speedOption, type SimFlags} from '../sim-options.js';

export type RunFlags = SimFlags & {
	headless: boolean;
	speed: string;
	duration?: string;
	json: boolean;
	start?: string;
};

/** How `run` reaches the terminal: whether stdout is a TTY, and the signals that stop it. */
export type RunEnvironment = {
	readonly isTTY: boolean;
	/** Whether stderr is a terminal (progress bars). */
	readonly isStderrTTY: boolean;
	/** Register a handler for SIGINT/SIGTERM; returns the unregister function. */
	onSignal(handler: () => void): () => void;
};

export function registerRun(program: Command, output: Output, env: RunEnvironment): void {
	const command = program
		.command('run', {isDefault: true})
		.description('run the simulator: the live dashboard on a terminal, vLLM-style log lines otherwise (--headless)')
		.option('--headless', 'print log lines and a summary instead of the dashboard (implied when stdout is not a terminal)', false)
		.addOption(speedOption())
		.option('--duration <duration>', 'stop after this much virtual time (e.g. 90s, 10m, 1h); default: until interrupted')
		.option('--json', 'print the summary as JSON', false)
		.option('--start <iso-time>', 'wall-clock time of virtual time 0, for log timestamps (default 2026-01-01T00:00:00Z)');
	addSimOptions(command).action(async (flags: RunFlags) => {
		const session = await createSession(flags);
		await runHeadless(session, flags, output, env);
	});
}

export async function createSession(flags: RunFlags): Promise<Session> {
	const {config, seed} = await resolveSimConfig(flags);
	const startEpochMs = parseStart(flags.start);
	return new Session(config, {
		seed,
		speed: parseSpeed(flags.speed),
		...(flags.duration === undefined ? {} : {durationS: parseDurationFlag(flags.duration, '--duration')}),
		...(startEpochMs === undefined ? {} : {startEpochMs}),
	});
}

async function runHeadless(session: Session, flags: RunFlags, output: Output, env: RunEnvironment): Promise<void> {
	const format = session.config.logging.format;
	session.built.simulation.subscribe({
		onLog: (_engine, t, message) => output.stdout(`${formatLogLine(message, session.epochMsAt(t), format)}\n`),
	});
	const offSignal = env.onSignal(() => session.runner.stop());
	try {
		await session.runner.run();
	} finally {
		offSignal();
	}
	const summary = summarize(session.built);
	output.stdout(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary, session.config.name));
}

function parseStart(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const ms = Date.parse(text);
	if (!Number.isFinite(ms)) throw new UserError(`--start must be an ISO 8601 time such as 2026-01-01T00:00:00Z, got "${text}"`);
	return ms;
}
