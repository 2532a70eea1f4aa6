import {Command, CommanderError} from 'commander';
import {TraceError} from '../engine/workload/trace.js';
import {escapeControl} from '../util/escape.js';
import {EXIT_USAGE, UserError} from '../util/user-error.js';
import type {Output} from './options.js';
import type {RunEnvironment} from './run-environment.js';
import {VERSION} from './version.js';

/** Adds one command (its options, help and action) to the program. */
type Register = (program: Command, output: Output, env: RunEnvironment) => void;

/**
 * Every command, in the order `--help` lists them, with the import of the module that registers it.
 * A command's module pulls in everything its action needs (the Ink dashboard for `run`, the HTTP
 * server for `serve`, the fitting code for `calibrate`, ...): imported only when the command can
 * run, `specsim generate` starts without loading the dashboard or the server.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
	['run', async () => (await import('./commands/run.js')).registerRun],
	['generate', async () => (await import('./commands/generate.js')).registerGenerate],
	['replay', async () => (await import('./commands/replay.js')).registerReplay],
	['sweep', async () => (await import('./commands/sweep.js')).registerSweep],
	['presets', async () => (await import('./commands/presets.js')).registerPresets],
	['calibrate', async () => (await import('./commands/calibrate.js')).registerCalibrate],
	['explain', async () => (await import('./commands/explain.js')).registerExplain],
	['serve', async () => (await import('./commands/serve.js')).registerServe],
];

/** The command names, in `--help` order. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/** For tests and pipes: no terminal, no signals. */
export const NO_TERMINAL: RunEnvironment = {isTTY: false, isStderrTTY: false, onSignal: () => () => undefined};

/**
 * Build the `specsim` command tree. Commands write through `output`; nothing here exits the process.
 * `only`: register just that command (what `specsim <command> ...` parses; its own help and errors
 * are the same), instead of all of them (the program's help, the default command `run`).
 */
export async function createProgram(output: Output, env: RunEnvironment = NO_TERMINAL, only?: string): Promise<Command> {
	const program = new Command('specsim')
		.description('A deterministic, GPU-free inference-engine simulator with vLLM-faithful speculative-decoding metrics.')
		.version(VERSION)
		.showSuggestionAfterError(true)
		.exitOverride()
		// Commander leaves a description unwrapped when its column is under 40 characters; with
		// option terms as long as `--served-model-name <names...>` that meant lines of 120 and more.
		.configureHelp({minWidthToWrap: 20})
		.configureOutput({
			writeOut: text => output.stdout(text),
			writeErr: text => output.stderr(text),
			// Commander prints usage errors itself; we print one line of our own instead.
			outputError: () => undefined,
		});
	const wanted = COMMANDS.filter(([name]) => only === undefined || name === only);
	const registers = await Promise.all(wanted.map(([, load]) => load()));
	for (const register of registers) register(program, output, env);
	return program;
}

/**
 * Run the CLI and return the exit code. Usage and input errors become one line on stderr,
 * `specsim: <message>`, never a stack trace.
 */
export async function runCli(argv: readonly string[], output: Output, env: RunEnvironment = NO_TERMINAL): Promise<number> {
	// `run` is the default command, so commander would read an unknown command as an argument of it.
	const first = argv[0];
	if (first !== undefined && !first.startsWith('-') && !COMMAND_NAMES.includes(first) && first !== 'help') {
		output.stderr(`specsim: unknown command '${escapeControl(first)}' (commands: ${COMMAND_NAMES.join(', ')})\n`);
		return EXIT_USAGE;
	}
	// `specsim --version` alone prints what commander prints for it, without loading every command
	// module first (the program with every command is what the option belongs to).
	if (argv.length === 1 && (first === '--version' || first === '-V')) {
		output.stdout(`${VERSION}\n`);
		return 0;
	}
	// `specsim <command> ...`: only that command is parsed, so only its module is loaded.
	const only = first !== undefined && COMMAND_NAMES.includes(first) ? first : undefined;
	// generate's serialising thread starts on the other core while this one loads the command.
	const recordWorker = only === 'generate' ? await import('../output/record-worker-start.js') : undefined;
	recordWorker?.startRecordWorkerEarly();
	try {
		const program = await createProgram(output, env, only);
		await program.parseAsync(argv, {from: 'user'});
		return 0;
	} catch (error) {
		if (error instanceof CommanderError) {
			if (error.exitCode === 0) return 0; // --help, --version
			output.stderr(`specsim: ${escapeControl(error.message.replace(/^error: /, ''), true)}\n`);
			return EXIT_USAGE;
		}
		if (error instanceof UserError || error instanceof TraceError) {
			// Messages quote the user's input (a file name, a field): never let it drive the terminal.
			output.stderr(`specsim: ${escapeControl(error.message, true)}\n`);
			return error instanceof UserError ? error.exitCode : EXIT_USAGE;
		}
		throw error;
	} finally {
		await recordWorker?.stopUnusedRecordWorker();
	}
}
