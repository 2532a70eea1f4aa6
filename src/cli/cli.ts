#!/usr/bin/env node
// First: React must see NODE_ENV before it loads (see production-env.ts).
import './production-env.js';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Script} from 'node:vm';
import {describeFsError} from '../util/fs-error.js';
import {EXIT_RUNTIME} from '../util/user-error.js';

type RunCli = typeof import('./program.js').runCli;

/**
 * `specsim generate` from the script the CLI bundle holds for it (`scripts/bundle-cli.mjs`:
 * `generate-cli.cjs`, the generate path as one function, and V8's code cache for it), so that its
 * 700 KB of JavaScript are not parsed and compiled again at each start. `undefined` where there is
 * no such script (run from source): the command modules are imported as for every other command.
 * A cache V8 refuses (another Node, other V8 flags) only costs the compilation it would have saved.
 */
function generateFromCodeCache(): RunCli | undefined {
	const file = fileURLToPath(new URL('./generate-cli.cjs', import.meta.url));
	let source: string;
	let cachedData: Buffer;
	try {
		// ASCII (the bundle step checks): no UTF-8 to decode.
		source = readFileSync(file, 'latin1');
		cachedData = readFileSync(`${file}.cache`);
	} catch {
		return undefined;
	}
	const wrapper = new Script(source, {filename: file, cachedData}).runInThisContext() as (...args: unknown[]) => void;
	const module = {exports: {} as {runCli: RunCli}};
	wrapper(module.exports, createRequire(file), module, file, dirname(file));
	return module.exports.runCli;
}

/**
 * The signals a running command stops on, cleaning up as it goes: SIGHUP too, or a closed terminal
 * would end the process where it stands (`generate` leaving its staging directory behind).
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Commands that stop early on one of {@link STOP_SIGNALS}. */
const stopHandlers = new Set<(signal?: NodeJS.Signals) => void>();
const stop = (signal: NodeJS.Signals): void => {
	for (const handler of [...stopHandlers]) handler(signal);
};
/** Commands that stop early when nobody reads standard output any more. */
const closeHandlers = new Set<() => void>();

// A write that fails ends the printing, and commands that print as they go stop early. A reader
// that went away (`specsim replay ... | head -2`; Node ignores SIGPIPE, so it arrives as EPIPE) is
// not an error: the command ends quietly. Any other failure (`> file` on a full disk: ENOSPC, EIO,
// EFBIG) is an I/O failure: one line on stderr, exit code 1, never a stack trace.
let stdoutClosed = false;
let stdoutFailed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (stdoutClosed) return;
	stdoutClosed = true;
	if (error.code !== 'EPIPE') {
		stdoutFailed = true;
		// The failed write may be reported after the command has returned its exit code.
		if (!process.exitCode) process.exitCode = EXIT_RUNTIME;
		output.stderr(`specsim: ${describeFsError(error)} writing standard output\n`);
	}
	for (const handler of [...closeHandlers]) handler();
});
// Nowhere to report a failing stderr: stop writing to it, and keep the command's exit code.
let stderrClosed = false;
process.stderr.on('error', () => {
	stderrClosed = true;
});

const output = {
	stdout: (text: string) => void (stdoutClosed || process.stdout.write(text)),
	stderr: (text: string) => void (stderrClosed || process.stderr.write(text)),
};

const env = {
	env: process.env,
	// The dashboard draws on stdout and reads keys from stdin in raw mode, which only a terminal has.
	isTTY: Boolean(process.stdout.isTTY && process.stdin.isTTY),
	isStderrTTY: Boolean(process.stderr.isTTY),
	onSignal(handler: (signal?: NodeJS.Signals) => void): () => void {
		// Listening for these signals only while a command does keeps their default (end the process) otherwise.
		if (stopHandlers.size === 0) for (const signal of STOP_SIGNALS) process.on(signal, stop);
		stopHandlers.add(handler);
		return () => {
			stopHandlers.delete(handler);
			if (stopHandlers.size > 0) return;
			for (const signal of STOP_SIGNALS) process.off(signal, stop);
		};
	},
	onStdoutClosed(handler: () => void): () => void {
		closeHandlers.add(handler);
		return () => void closeHandlers.delete(handler);
	},
};

/**
 * `SPECSIM_DEBUG=1`: an internal error prints its stack, in the TypeScript sources' lines (the
 * bundle's source maps), so `generate` then runs from its modules rather than from the one-line
 * script the code cache is made for.
 */
const debug = Boolean(process.env['SPECSIM_DEBUG']);
if (debug) process.setSourceMapsEnabled(true);

try {
	const argv = process.argv.slice(2);
	const runCli = (argv[0] === 'generate' && !debug ? generateFromCodeCache() : undefined) ?? (await import('./program.js')).runCli;
	const code = await runCli(argv, output, env);
	process.exitCode = stdoutFailed && code === 0 ? EXIT_RUNTIME : code;
} catch (error) {
	// A bug, not bad input: still one line, with the stack only on request.
	if (!stderrClosed) {
		const hint = debug ? '' : ' (SPECSIM_DEBUG=1 prints where)';
		process.stderr.write(`specsim: internal error: ${(error as Error).message ?? String(error)}${hint}\n`);
		if (debug) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
	}
	process.exitCode = 70;
	// What the failed command left running (a worker thread, an open server) must not keep the
	// process alive: a second for pending output, then exit (the timer itself holds nothing).
	setTimeout(() => process.exit(), 1000).unref();
}
