#!/usr/bin/env node
// First: React must see NODE_ENV before it loads (see production-env.ts).
import './production-env.js';
import {runCli} from './program.js';

/** Commands that stop early on SIGINT/SIGTERM. */
const stopHandlers = new Set<(signal?: NodeJS.Signals) => void>();
const stop = (signal: NodeJS.Signals): void => {
	for (const handler of [...stopHandlers]) handler(signal);
};
/** Commands that stop early when nobody reads standard output any more. */
const closeHandlers = new Set<() => void>();

// A reader that went away (`specsim replay ... | head -2`) is not an error: drop what is left to
// print and let the command end quietly. Node ignores SIGPIPE, so the closed pipe arrives as EPIPE.
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code !== 'EPIPE') throw error;
	if (stdoutClosed) return;
	stdoutClosed = true;
	for (const handler of [...closeHandlers]) handler();
});
let stderrClosed = false;
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code !== 'EPIPE') throw error;
	stderrClosed = true;
});

const output = {
	stdout: (text: string) => void (stdoutClosed || process.stdout.write(text)),
	stderr: (text: string) => void (stderrClosed || process.stderr.write(text)),
};

const env = {
	env: process.env,
	isTTY: Boolean(process.stdout.isTTY),
	isStderrTTY: Boolean(process.stderr.isTTY),
	onSignal(handler: (signal?: NodeJS.Signals) => void): () => void {
		// Listening for SIGINT/SIGTERM only while a command does keeps their default (end the process) otherwise.
		if (stopHandlers.size === 0) {
			process.on('SIGINT', stop);
			process.on('SIGTERM', stop);
		}
		stopHandlers.add(handler);
		return () => {
			stopHandlers.delete(handler);
			if (stopHandlers.size > 0) return;
			process.off('SIGINT', stop);
			process.off('SIGTERM', stop);
		};
	},
	onStdoutClosed(handler: () => void): () => void {
		closeHandlers.add(handler);
		return () => void closeHandlers.delete(handler);
	},
};

try {
	process.exitCode = await runCli(process.argv.slice(2), output, env);
} catch (error) {
	// A bug, not bad input: still one line, with the stack only on request.
	if (!stderrClosed) {
		process.stderr.write(`specsim: internal error: ${(error as Error).message ?? String(error)}\n`);
		if (process.env['SPECSIM_DEBUG']) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
	}
	process.exitCode = 70;
}
