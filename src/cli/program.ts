import {Command, CommanderError} from 'commander';
import {TraceError} from '../engine/workload/trace.js';
import {registerCalibrate} from './commands/calibrate.js';
import {registerExplain} from './commands/explain.js';
import {registerGenerate} from './commands/generate.js';
import {registerReplay} from './commands/replay.js';
import {registerPresets} from './commands/presets.js';
import {registerRun, type RunEnvironment} from './commands/run.js';
import {registerServe} from './commands/serve.js';
import {registerSweep} from './commands/sweep.js';
import {escapeControl} from '../util/escape.js';
import {EXIT_USAGE, UserError} from '../util/user-error.js';
import type {Output} from './options.js';

import {VERSION} from './version.js';

/** For tests and pipes: no terminal, no signals. */
export const NO_TERMINAL: RunEnvironment = {isTTY: false, isStderrTTY: false, onSignal: () => () => undefined};

/** Build the `specsim` command tree. Commands write through `output`; nothing here exits the process. */
export function createProgram(output: Output, env: RunEnvironment = NO_TERMINAL): Command {
	const program = new Command('specsim')
		.description('A deterministic, GPU-free inference-engine simulator with vLLM-faithful speculative-decoding metrics.')
		.version(VERSION)
		.showSuggestionAfterError(true)
		.exitOverride()
		.configureOutput({
			writeOut: text => output.stdout(text),
			writeErr: text => output.stderr(text),
			// Commander prints usage errors itself; we print one line of our own instead.
			outputError: () => undefined,
		});
	registerRun(program, output, env);
	registerGenerate(program, output, env);
	registerReplay(program, output, env);
	registerSweep(program, output, env);
	registerPresets(program, output);
	registerCalibrate(program, output);
	registerExplain(program, output);
	registerServe(program, output, env);
	return program;
}

/**
 * Run the CLI and return the exit code. Usage and input errors become one line on stderr,
 * `specsim: <message>`, never a stack trace.
 */
export async function runCli(argv: readonly string[], output: Output, env: RunEnvironment = NO_TERMINAL): Promise<number> {
	const program = createProgram(output, env);
	// `run` is the default command, so commander would read an unknown command as an argument of it.
	const first = argv[0];
	if (
		first !== undefined &&
		!first.startsWith('-') &&
		!program.commands.some(c => c.name() === first || c.aliases().includes(first)) &&
		first !== 'help'
	) {
		output.stderr(`specsim: unknown command '${escapeControl(first)}' (commands: ${program.commands.map(c => c.name()).join(', ')})\n`);
		return EXIT_USAGE;
	}
	try {
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
	}
}
