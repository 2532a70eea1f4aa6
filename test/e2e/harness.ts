/**
 * What the end-to-end tests share: the built CLI's path, how to find a free port, polling a
 * condition until it holds (with the simulator's stderr in the message when it never does), and a
 * real Prometheus to start and query.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {rmSync, writeFileSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import {join, resolve} from 'node:path';

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

/** Kill what is still running among `children`, wait until each has exited, then remove `dir` (if set). */
export async function teardown(children: ReadonlyArray<ChildProcess | undefined>, dir: string): Promise<void> {
	const started = children.filter((c): c is ChildProcess => c !== undefined);
	for (const child of started) {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	}
	await Promise.all(started.map(exited));
	if (dir !== '') rmSync(dir, {recursive: true, force: true});
}

/** An instant sample of Prometheus' HTTP API. */
export type PromSample = {metric: Record<string, string>; value: [number, string]};
/** What `/api/v1/query` answers. */
export type QueryReply = {status: 'success'; data: {resultType: string; result: PromSample[]}} | {status: 'error'; errorType: string; error: string};

/** Evaluate `promql` through Prometheus' HTTP API, at `timeS` (Unix seconds) or now. */
export async function promQuery(promUrl: string, promql: string, timeS?: number): Promise<QueryReply> {
	const params = new URLSearchParams({query: promql});
	if (timeS !== undefined) params.set('time', String(timeS));
	const response = await fetch(`${promUrl}/api/v1/query`, {method: 'POST', body: params});
	return (await response.json()) as QueryReply;
}

/**
 * Start Debian's `prometheus` scraping `targets` (host:port) every second as job `job`, its
 * config and TSDB in `dir`; resolves once it is ready. `log()` goes into the timeout message.
 */
export async function startPrometheus(
	dir: string,
	job: string,
	targets: readonly string[],
	log: () => string,
): Promise<{child: ChildProcess; url: string}> {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const config = join(dir, 'prometheus.yml');
	writeFileSync(
		config,
		[
			'global:',
			'  scrape_interval: 1s',
			'  evaluation_interval: 1s',
			'scrape_configs:',
			`  - job_name: ${job}`,
			'    static_configs:',
			`      - targets: [${targets.map(t => `'${t}'`).join(', ')}]`,
			'',
		].join('\n'),
	);
	const child = spawn(
		'prometheus',
		[`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
		{
			stdio: 'ignore',
		},
	);
	const failed = new Promise<never>((_, fail) =>
		child.once('error', error => fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(INSTALL_HINT) : error)),
	);
	await Promise.race([
		failed,
		until(
			'Prometheus to be ready',
			20_000,
			async () => {
				if ((await fetch(`${url}/-/ready`)).status !== 200) throw new Error('not ready');
			},
			log,
		),
	]);
	return {child, url};
}
