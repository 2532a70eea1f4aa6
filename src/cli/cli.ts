#!/usr/bin/env node
// First: React must see NODE_ENV before it loads (see production-env.ts).
import './production-env.js';
import {runCli} from './program.js';

const output = {
	stdout: (text: string) => void process.stdout.write(text),
	stderr: (text: string) => void process.stderr.write(text),
};

const env = {
	isTTY: Boolean(process.stdout.isTTY),
	isStderrTTY: Boolean(process.stderr.isTTY),
	onSignal(handler: () => void): () => void {
		process.on('SIGINT', handler);
		process.on('SIGTERM', handler);
		return () => {
			process.off('SIGINT', handler);
			process.off('SIGTERM', handler);
		};
	},
};

try {
	process.exitCode = await runCli(process.argv.slice(2), output, env);
} catch (error) {
	// A bug, not bad input: still one line, with the stack only on request.
	process.stderr.write(`specsim: internal error: ${(error as Error).message ?? String(error)}\n`);
	if (process.env['SPECSIM_DEBUG']) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
	process.exitCode = 70;
}
