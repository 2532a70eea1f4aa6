/**
 * What a command needs from the process around it (terminal, signals, environment), apart from
 * the command modules so that loading one command does not load another (`generate` needs these,
 * not `run`'s dashboard).
 */
/** How a command reaches the terminal: whether stdout and stderr are TTYs, and the signals that stop it. */
export type RunEnvironment = {
	/**
	 * Whether the dashboard can run: stdout is a terminal to draw on and stdin one to read keys
	 * from (`specsim </dev/null` or `echo | specsim` on a terminal runs headless).
	 */
	readonly isTTY: boolean;
	/** Whether stderr is a terminal (progress bars). */
	readonly isStderrTTY: boolean;
	/** Register a handler for SIGINT/SIGTERM/SIGHUP (it is told which); returns the unregister function. */
	onSignal(handler: (signal?: NodeJS.Signals) => void): () => void;
	/**
	 * Register a handler for standard output closing under us (`specsim ... | head -1`): commands
	 * that print as they go stop quietly. Returns the unregister function. @default never called
	 */
	onStdoutClosed?(handler: () => void): () => void;
	/** Environment variables a command reads (`serve`: `VLLM_SERVER_DEV_MODE`). @default none set */
	readonly env?: Readonly<Record<string, string | undefined>>;
	/** Streams the dashboard draws on and reads keys from. @default process.stdout, process.stdin */
	readonly terminal?: {readonly stdin: NodeJS.ReadStream; readonly stdout: NodeJS.WriteStream};
};

/** The conventional exit status of a command stopped by `signal`: 128 + its number (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals | undefined): number {
	if (signal === 'SIGTERM') return 143;
	return signal === 'SIGHUP' ? 129 : 130;
}
