/**
 * What the end-to-end tests share: the built CLI's path, how to find a free port, and polling a
 * condition until it holds, with the simulator's stderr in the message when it never does.
 */
import type {ChildProcess} from 'node:child_process';
import {createServer, type AddressInfo} from 'node:net';
import {resolve} from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/cli.js');
export const INSTALL_HINT = "prometheus was not found: install Debian's prometheus package (apt-get update && apt-get install -y prometheus)";

export const sleep = (ms: number) => new Promise(done => setTimeout(done, ms));

export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
	const {port} = server.address() as AddressInfo;
	await new Promise(done => server.close(done));
	return port;
}

/** Poll until `check` passes or `timeoutMs` passes (then its last error is thrown, with `log()` appended). */
export async function until(what: string, timeoutMs: number, check: () => Promise<void>, log: () => string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	while (Date.now() < deadline) {
		try {
			await check();
			return;
		} catch (error) {
			last = error;
			await sleep(250);
		}
	}
	throw new Error(`timed out waiting for ${what}: ${(last as Error)?.message ?? String(last)}\nsimulator stderr:\n${log()}`);
}

export function exited(child: ChildProcess): Promise<number | null> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
	return new Promise(done => child.once('exit', code => done(code)));
}
