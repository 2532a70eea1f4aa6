import {runCli} from '../../src/cli/program.js';

/**
 * `specsim ARGS` in-process without a terminal: its stdout and stderr collected, and the
 * SIGINT/SIGTERM handler it registers in the test's hands (`signal()` plays Ctrl+C).
 */
export function startCli(args: string[], variables: Record<string, string> = {}) {
	let stdout = '';
	let stderr = '';
	let signal: (() => void) | undefined;
	const env = {
		env: variables,
		isTTY: false,
		isStderrTTY: false,
		onSignal(handler: () => void) {
			signal = handler;
			return () => {
				signal = undefined;
			};
		},
	};
	const output = {
		stdout(text: string) {
			stdout += text;
		},
		stderr(text: string) {
			stderr += text;
		},
	};
	const exit = runCli(args, output, env);
	return {exit, stdout: () => stdout, stderr: () => stderr, hasSignalHandler: () => signal !== undefined, signal: () => signal?.()};
}
