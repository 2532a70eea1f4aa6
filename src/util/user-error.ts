/**
 * An error caused by the user's input (a flag, a file, a line). The CLI prints its message as
 * one line, `specsim: <message>`, without a stack trace, and exits with `exitCode`.
 */
export class UserError extends Error {
	readonly exitCode: number;
	constructor(message: string, exitCode = 2) {
		super(message);
		this.name = 'UserError';
		this.exitCode = exitCode;
	}
}

/** Exit codes: 0 ok, 1 runtime failure (e.g. port in use, verification mismatch), 2 bad input. */
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
