import {render} from 'ink';
import type {LiveSession} from '../runtime/live-session.js';
import App from './App.js';
import {createDashboardControls} from './controls.js';
import type {ExplainFn} from './explain-numbers.js';
import {createSnapshotStore, type SnapshotStore} from './snapshot-store.js';

/** Options of {@link startDashboard}. */
export type DashboardOptions = {
	/** Shown in the header; omit when `/metrics` is off. */
	readonly metricsUrl?: string;
	/** Sections of the `e` panel. */
	readonly explain: ExplainFn;
	/** @default process.stdin */
	readonly stdin?: NodeJS.ReadStream;
	/** @default process.stdout */
	readonly stdout?: NodeJS.WriteStream;
	/** Terminal writes per second at most (snapshots arrive about 10 per second). @default 12 */
	readonly maxFps?: number;
};

/** The escape that shows the terminal's cursor (DECTCEM set). */
const SHOW_CURSOR = '\u001B[?25h';
let stderrFiltered = false;

/**
 * Ink hides the cursor of the terminal it draws on through cli-cursor, and the first hide
 * registers restore-cursor's exit hook, which writes {@link SHOW_CURSOR} to the process's
 * **stderr** at exit whether or not stderr is a terminal. With `specsim 2>vllm.log` the log
 * then ended in that escape, after vLLM's last line, where a log parser reads it as a line of
 * garbage. Ink shows the cursor again itself on the stream it drew on when it unmounts, so on a
 * stderr that is not a terminal the hook's write has nothing to restore: this drops exactly
 * that write (nothing else of specsim writes it, and never to a file).
 */
function keepCursorEscapeOffRedirectedStderr(stderr: NodeJS.WriteStream): void {
	if (stderr.isTTY || stderrFiltered) return;
	stderrFiltered = true;
	const write = stderr.write.bind(stderr) as (...args: unknown[]) => boolean;
	stderr.write = ((chunk: unknown, ...rest: unknown[]): boolean => (chunk === SHOW_CURSOR ? true : write(chunk, ...rest))) as typeof stderr.write;
}

/** A mounted dashboard. */
export type Dashboard = {
	readonly store: SnapshotStore;
	/** Resolves once the dashboard has exited (`q`, Ctrl+C or {@link Dashboard.quit}) and the terminal is restored. */
	waitUntilExit(): Promise<void>;
	/** Exit as `q` does (for SIGTERM). */
	quit(): void;
};

/**
 * Mount the dashboard on a terminal over a session. The caller runs the session's runner and
 * awaits {@link Dashboard.waitUntilExit}; the dashboard never stops the runner itself.
 */
export function startDashboard(session: LiveSession, options: DashboardOptions): Dashboard {
	keepCursorEscapeOffRedirectedStderr(process.stderr);
	const store = createSnapshotStore(session, options.metricsUrl === undefined ? {} : {metricsUrl: options.metricsUrl});
	const controls = createDashboardControls(session, {refresh: store.refresh, onRestart: store.restarted});
	const instance = render(<App source={store} controls={controls} explain={options.explain} />, {
		maxFps: options.maxFps ?? 12,
		exitOnCtrlC: true,
		// Nothing in the simulator writes to the console while the dashboard is up.
		patchConsole: false,
		...(options.stdin === undefined ? {} : {stdin: options.stdin}),
		...(options.stdout === undefined ? {} : {stdout: options.stdout}),
	});
	let exited: Promise<void> | undefined;
	return {
		store,
		waitUntilExit(): Promise<void> {
			exited ??= instance.waitUntilExit().then(
				() => store.close(),
				(error: unknown) => {
					store.close();
					throw error;
				},
			);
			return exited;
		},
		quit(): void {
			instance.unmount();
		},
	};
}
