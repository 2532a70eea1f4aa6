import OpenAI from 'openai';
import {startCli} from '../helpers/cli-run.js';

const SERVING = /^specsim: serving the OpenAI-compatible API on (http:\/\/127\.0\.0\.1:\d+) \(model (.+)\)\n$/m;

/** Poll `read` until it returns a value (the server acts on its own clock; nothing here measures time). */
export async function waitFor<T>(read: () => T | undefined | Promise<T | undefined>): Promise<T> {
	for (;;) {
		const value = await read();
		if (value !== undefined) return value;
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

/**
 * `specsim serve ARGS` in-process on a free port, with environment `variables`: its base URL once
 * it listens, an SDK client, and `stop()` (SIGINT; resolves to the exit code).
 */
export async function serveCli(args: string[], variables: Record<string, string> = {}) {
	const run = startCli(['serve', '--port', '0', ...args], variables);
	const [, baseUrl] = await waitFor(() => SERVING.exec(run.stderr()) ?? undefined);
	const stop = async (): Promise<number> => {
		await waitFor(() => (run.hasSignalHandler() ? true : undefined));
		run.signal();
		return run.exit;
	};
	return {run, baseUrl: baseUrl!, client: new OpenAI({baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0}), stop};
}
