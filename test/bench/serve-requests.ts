/**
 * The serve server's cost per streaming request, in isolation: from the request's bytes read to
 * the request planned, submitted and its SSE head written, and what each such request keeps alive
 * while it streams (`node --expose-gc --import tsx test/bench/serve-requests.ts [N] [ROUNDS]`).
 *
 * This process is the server: what `specsim serve --headless` builds (the default preset, as the
 * serve benchmark's target), but its runner is never started, so no engine step runs and every
 * request stays live with everything it holds (plan, generation, HTTP objects, closures). A child
 * process (this file with `client`) opens every round's keep-alive connections first (their
 * accepting is not counted: the benchmark's clients reuse theirs), then per round sends one
 * request on each of N of them, as the bench's `net` clients do (same body, `x-bench-tag`
 * header), 8 at a time, each next one when the previous one's head is read. Per round, per request: the server's CPU time (user + system,
 * `process.cpuUsage`, from the go to the child's done), the bytes allocated (heap used after
 * minus before; run node with `--min-semi-space-size=256 --max-semi-space-size=256` so that no
 * scavenge runs meanwhile: the number of collections is printed and must be 0) and the bytes
 * retained (heap used after `gc()`, minus before). `SERVE_REQ_PROF=FILE` writes a CPU profile of
 * the last round's requests, `SERVE_REQ_HEAP=FILE` a sampling heap profile of what they allocate
 * and `SERVE_REQ_SNAP=PREFIX` heap snapshots before and after them (objects new in the second are
 * what the round's requests keep).
 *
 * Instructions per request, which the load of other processes does not move: run it under
 * valgrind's cachegrind (node `--single-threaded --predictable-gc-schedule`) with
 * `SERVE_REQ_GC=0` (no forced collections: those the requests cause are counted) and a fixed
 * `SERVE_REQ_CONNECTIONS` (say 4000), once with 1 round and once with 3; the difference of the
 * two counts over 2N is the server's instructions per request (start-up, the warm-up round and
 * the connections' accepting cancel).
 */
import {fork} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {Session as Inspector} from 'node:inspector/promises';
import {connect, type Socket} from 'node:net';
import {PerformanceObserver} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {writeHeapSnapshot} from 'node:v8';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import {Session} from '../../src/runtime/session.js';
import {startOpenAiServer} from '../../src/server/openai-server.js';
import {BENCH_MODEL} from './serve-protocol.js';
import {outputTokensOf} from './serve-shape.js';

/** Requests in flight at once (the bench's requests come in small bursts after a step's writes). */
const CONCURRENCY = 8;

type ClientMessage = {ready: true} | {done: true; failed: number};
type ServerMessage = {open: {port: number; count: number}} | {go: {first: number; count: number}};

/** The client child: N connections, one streaming request on each, its head read. */
async function client(): Promise<void> {
	// The server gone (ended or killed), so is the client.
	process.on('disconnect', () => process.exit());
	let sockets: Socket[] = [];
	let port = 0;
	const send = (socket: Socket, tag: string): Promise<boolean> =>
		new Promise(ok => {
			const body = Buffer.from(
				JSON.stringify({
					model: BENCH_MODEL,
					prompt: 'Write a haiku about speculative decoding.',
					max_tokens: outputTokensOf('varied', tag),
					ignore_eos: true,
					user: tag,
					stream: true,
				}),
			);
			const head = `POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nx-bench-tag: ${tag}\r\n\r\n`;
			let read = '';
			const onData = (data: Buffer): void => {
				read += data.toString('latin1');
				if (!read.includes('\r\n\r\n')) return;
				socket.removeListener('data', onData);
				ok(read.startsWith('HTTP/1.1 200'));
			};
			socket.on('data', onData);
			socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
		});
	process.on('message', async (message: ServerMessage) => {
		if ('go' in message) {
			const {first, count} = message.go;
			let next = 0;
			let failed = 0;
			const worker = async (): Promise<void> => {
				while (next < count) {
					const i = first + next++;
					if (!(await send(sockets[i]!, `bench-${i}`))) failed++;
				}
			};
			await Promise.all(Array.from({length: CONCURRENCY}, worker));
			process.send!({done: true, failed} satisfies ClientMessage);
			return;
		}
		port = message.open.port;
		sockets = await Promise.all(
			Array.from(
				{length: message.open.count},
				() =>
					new Promise<Socket>((ok, fail) => {
						const socket = connect({host: '127.0.0.1', port, noDelay: true}, () => ok(socket));
						socket.on('error', fail);
					}),
			),
		);
		process.send!({ready: true} satisfies ClientMessage);
	});
}

async function server(count: number, rounds: number): Promise<void> {
	// SERVE_REQ_GC=0: no forced collections (the collections the requests cause are then counted in the CPU).
	const forced = process.env['SERVE_REQ_GC'] !== '0';
	const gc = forced ? (globalThis as {gc?: () => void}).gc : () => {};
	if (gc === undefined) throw new Error('run node with --expose-gc');
	const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '0'});
	const session = new Session(resolved.config, {seed: resolved.seed, speed: 1, traceLines: []});
	const server = await startOpenAiServer(session, {port: 0, servedModelNames: [BENCH_MODEL], modelPath: BENCH_MODEL});
	const port = Number(new URL(server.baseUrl).port);
	let collections = 0;
	new PerformanceObserver(list => (collections += list.getEntries().length)).observe({entryTypes: ['gc']});
	const child = fork(fileURLToPath(import.meta.url), ['client'], {execArgv: ['--import', 'tsx']});
	const next = (): Promise<ClientMessage> => new Promise(ok => child.once('message', ok));
	const profilePath = process.env['SERVE_REQ_PROF'];
	const inspector = profilePath === undefined && process.env['SERVE_REQ_HEAP'] === undefined ? undefined : new Inspector();
	inspector?.connect();
	// Every round's connections first (SERVE_REQ_CONNECTIONS, at least enough for the rounds): runs
	// of different numbers of rounds then differ by the rounds' requests only.
	const connections = Math.max((rounds + 1) * count, Number(process.env['SERVE_REQ_CONNECTIONS'] ?? 0));
	child.send({open: {port, count: connections}} satisfies ServerMessage);
	await next();
	// Round 0 warms the code up (and is not printed).
	for (let round = 0; round <= rounds; round++) {
		await new Promise(ok => setTimeout(ok, 50));
		gc();
		// The observer hears of that collection a little later: not one of the round's.
		await new Promise(ok => setTimeout(ok, 10));
		const profiling = profilePath !== undefined && inspector !== undefined && round === rounds;
		const snapshots = process.env['SERVE_REQ_SNAP'];
		if (snapshots !== undefined && round === rounds) writeHeapSnapshot(`${snapshots}-before.heapsnapshot`);
		const sampling = process.env['SERVE_REQ_HEAP'];
		if (sampling !== undefined && round === rounds && inspector !== undefined) {
			await inspector.post('HeapProfiler.enable');
			await inspector.post('HeapProfiler.startSampling', {
				samplingInterval: 256,
				includeObjectsCollectedByMajorGC: true,
				includeObjectsCollectedByMinorGC: true,
			});
		}
		if (profiling) {
			await inspector.post('Profiler.enable');
			await inspector.post('Profiler.setSamplingInterval', {interval: 50});
			await inspector.post('Profiler.start');
		}
		const heapBefore = process.memoryUsage().heapUsed;
		collections = 0;
		const cpuBefore = process.cpuUsage();
		const inFlightBefore = server.engine.numInFlight;
		child.send({go: {first: round * count, count}} satisfies ServerMessage);
		const done = (await next()) as {done: true; failed: number};
		const cpu = process.cpuUsage(cpuBefore);
		const heapAfter = process.memoryUsage().heapUsed;
		await new Promise(ok => setTimeout(ok, 10));
		const seen = collections;
		if (profiling) {
			const {profile} = await inspector.post('Profiler.stop');
			writeFileSync(profilePath!, JSON.stringify(profile));
		}
		if (sampling !== undefined && round === rounds && inspector !== undefined) {
			const {profile} = await inspector.post('HeapProfiler.stopSampling');
			writeFileSync(sampling, JSON.stringify(profile));
		}
		gc();
		if (snapshots !== undefined && round === rounds) writeHeapSnapshot(`${snapshots}-after.heapsnapshot`);
		const retained = process.memoryUsage().heapUsed - heapBefore;
		const started = server.engine.numInFlight - inFlightBefore;
		if (done.failed > 0 || started !== count) throw new Error(`${done.failed} failed, ${started} of ${count} started`);
		if (round === 0) continue;
		console.log(
			`round ${round}: ${count} requests, CPU ${((cpu.user + cpu.system) / count).toFixed(0)} µs ` +
				`(user ${(cpu.user / count).toFixed(0)}, system ${(cpu.system / count).toFixed(0)}), ` +
				`allocated ${((heapAfter - heapBefore) / count / 1024).toFixed(2)} KiB, retained ${(retained / count / 1024).toFixed(2)} KiB ` +
				`per request (${seen} collections meanwhile)`,
		);
	}
	child.kill();
	await server.close();
}

if (process.argv[2] === 'client') await client();
else await server(Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 5));
