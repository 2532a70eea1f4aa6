/**
 * Load benchmark of `specsim serve` (issue 12 §5). The server runs in a child process pinned to one
 * core (`taskset -c 1` when available); the load comes from this process and, for the streams,
 * from client processes it forks ({@link ./serve-clients.ts}), all pinned to the other core.
 *
 * 1. Throughput: autocannon against `POST /v1/completions` (`max_tokens: 16, ignore_eos: true`,
 *    non-streaming) at `--speed max`: completed requests per second and autocannon's latency.
 * 2. Added latency at `--speed max`: a closed loop of clients, each request tagged (`user`) so the
 *    server's record of it can be matched. Added latency = what the client measured minus the
 *    wall time the request spent inside the simulated engine (submitted → finished on the server's
 *    clock): HTTP parsing, validation, tokenizing, JSON, the socket, and waiting for the event loop.
 * 3. Streaming at `--speed 1` (when `serve` streams): 1,000 concurrent streaming clients; the
 *    server's RSS and event-loop delay, and the added TTFT: client TTFT minus the simulated TTFT at
 *    speed 1, split on one clock into its parts (request sent → read by the server, read →
 *    simulated arrival, first token due → written, written → read by the client), so what the
 *    clients' own event loops add is seen apart from what the server adds; and, per engine step,
 *    where the server's time goes from the step's wall deadline to its last chunk written (see
 *    {@link StepTimings}). The opening wave (1,000 requests sent at once) is reported apart from
 *    the steady state. Two load shapes (see {@link StreamShape}): varied output lengths, the shape
 *    of real benchmark traffic and the headline figure, and equal lengths, the stated worst case.
 */
import {type ChildProcess, fork, spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {Agent, request} from 'node:http';
import {resolve} from 'node:path';
import autocannon from 'autocannon';
import type {BenchResult} from './harness.js';
import {
	BENCH_MODEL,
	type BenchClient,
	type ClientsJob,
	type ClientsMessage,
	type ClientsResult,
	type Spread,
	type StepTimings,
	type StreamTiming,
	type TargetMessage,
	type TargetRecord,
	type TargetReport,
} from './serve-protocol.js';
import {compileTarget} from './serve-compile.js';
import {outputTokensOf, type StreamShape} from './serve-shape.js';

const TARGET = resolve(import.meta.dirname, 'serve-target.ts');

type Target = {child: ChildProcess; baseUrl: string; report(): Promise<TargetReport>; stop(): Promise<void>};

/** Where the server child comes from and how it runs (the A/B driver points it at another checkout). */
export type TargetOptions = {
	/** The serve-target.ts to fork (compiled against its checkout's `dist/`: {@link compileTarget}). @default this checkout's */
	readonly targetPath?: string;
	/** Extra node flags for the child (e.g. `--cpu-prof`). */
	readonly nodeFlags?: readonly string[];
	/** Extra environment variables for the child (e.g. a variant of the floor server, `serve-floor.ts`). */
	readonly env?: Readonly<Record<string, string>>;
	/**
	 * What of the server is pinned to CPU 1: the whole `process` (its main thread and V8's helper
	 * threads: garbage collection's marking, sweeping and parallel scavenging, the optimizing
	 * compiler), or its `main-thread` only, V8's helper threads then on CPU 0 with the clients, as on
	 * a machine with more than two cores, where they run beside the event loop, not in its place.
	 * @default 'process'
	 */
	readonly pin?: ServerPinning;
	/** Run the target's TypeScript through tsx (`node --import tsx`) instead of compiling it ({@link compileTarget}). @default false */
	readonly tsx?: boolean;
};

/** See {@link TargetOptions.pin}. */
export type ServerPinning = 'process' | 'main-thread';

/** Can this machine pin processes to cores (`taskset`, two cores or more)? */
const canPin = (): boolean => spawnSync('taskset', ['-c', '1', 'true']).status === 0;

/**
 * Start the server child at `speed`, pinned to CPU 1 when `taskset` exists (the clients are pinned
 * to CPU 0 by {@link pinClients}, so the two never share a core); see {@link TargetOptions.pin}.
 */
export async function startTarget(speed: string, options: TargetOptions = {}): Promise<Target> {
	const pin = canPin();
	const mainThreadOnly = pin && options.pin === 'main-thread';
	const flags = [...(options.tsx === true ? ['--import', 'tsx'] : []), ...(options.nodeFlags ?? [])];
	const targetPath = options.targetPath ?? TARGET;
	const child = fork(options.tsx === true ? targetPath : await compileTarget(targetPath), [speed], {
		execArgv: flags,
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		...(options.env === undefined ? {} : {env: {...process.env, ...options.env}}),
		// Main thread only: every thread starts on CPU 0, then the main thread alone moves to CPU 1
		// (V8's helper threads exist from the start and stay where they are).
		...(pin ? {execPath: 'taskset', execArgv: ['-c', mainThreadOnly ? '0' : '1', process.execPath, ...flags]} : {}),
	});
	const next = () =>
		new Promise<TargetMessage>((ok, fail) => {
			child.once('message', m => ok(m as TargetMessage));
			child.once('exit', code => fail(new Error(`serve bench target exited with ${code}`)));
		});
	child.on('exit', (code, signal) => {
		if (code !== 0) process.stderr.write(`serve bench: the server child exited with ${code ?? signal}\n`);
	});
	const ready = await next();
	if (!('ready' in ready)) throw new Error('serve bench target: expected ready');
	if (mainThreadOnly && spawnSync('taskset', ['-p', '-c', '1', String(child.pid)], {stdio: 'ignore'}).status !== 0)
		throw new Error('serve bench: could not pin the server main thread to CPU 1');
	return {
		child,
		baseUrl: ready.baseUrl,
		async report() {
			const reply = next();
			child.send('report');
			const message = await reply;
			if (!('report' in message)) throw new Error('serve bench target: expected a report');
			return message.report;
		},
		stop() {
			const exit = new Promise<void>(ok => child.once('exit', () => ok()));
			child.send('stop');
			return exit;
		},
	};
}

/**
 * Pin this process (the load generator, all its threads) to CPU 0 while `fn` runs, then restore
 * its affinity: without it the clients may share CPU 1 with the server they measure, and their
 * own delays would be counted as the server's.
 */
export async function pinClients<T>(fn: () => Promise<T>): Promise<T> {
	const before = spawnSync('taskset', ['-p', String(process.pid)], {encoding: 'utf8'});
	const mask = /: ([0-9a-f]+)\s*$/.exec(before.stdout ?? '')?.[1];
	if (!canPin() || before.status !== 0 || mask === undefined) return fn();
	spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
	try {
		return await fn();
	} finally {
		spawnSync('taskset', ['-a', '-p', mask, String(process.pid)]);
	}
}

/** The nearest-rank `p`th percentile of ascending `sorted`; NaN when it is empty. */
export const percentile = (sorted: readonly number[], p: number): number =>
	sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sortedOf = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** One request as the client saw it; `status` 0 when the connection failed (`error` says how). */
type ClientTiming = {startMs: number; firstMs: number; endMs: number; status: number; error?: string};

/**
 * One POST on a keep-alive agent. For a stream, `firstMs` is when the first SSE event with
 * generated text arrived; otherwise when the response head did.
 */
function post(agent: Agent, url: string, body: object): Promise<ClientTiming> {
	const payload = JSON.stringify(body);
	return new Promise(ok => {
		const startMs = performance.now();
		let firstMs = Number.NaN;
		const req = request(
			url,
			{method: 'POST', agent, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)}},
			res => {
				let pending = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => {
					if (!Number.isNaN(firstMs)) return;
					pending += chunk;
					// The first event that carries text (a chat stream's first event holds only the role).
					if (/"(text|content)":"[^"]/.test(pending)) firstMs = performance.now();
				});
				res.on('end', () => {
					const endMs = performance.now();
					ok({startMs, firstMs: Number.isNaN(firstMs) ? endMs : firstMs, endMs, status: res.statusCode ?? 0});
				});
				res.on('error', error => ok({startMs, firstMs: Number.NaN, endMs: performance.now(), status: 0, error: error.message}));
			},
		);
		req.on('error', error => ok({startMs, firstMs: Number.NaN, endMs: performance.now(), status: 0, error: error.message}));
		req.end(payload);
	});
}

const completion = (tag: string, maxTokens: number, stream: boolean) => ({
	model: BENCH_MODEL,
	prompt: 'Write a haiku about speculative decoding.',
	max_tokens: maxTokens,
	ignore_eos: true,
	user: tag,
	...(stream ? {stream: true} : {}),
});

/** Match client timings with the server's records by tag. */
function matched<C>(client: ReadonlyMap<string, C>, records: readonly TargetRecord[]): Array<{c: C; s: TargetRecord}> {
	const out: Array<{c: C; s: TargetRecord}> = [];
	for (const s of records) {
		const c = client.get(s.tag);
		if (c !== undefined) out.push({c, s});
	}
	if (out.length !== client.size) throw new Error(`serve bench: ${client.size} requests sent, ${out.length} matched with the server's records`);
	return out;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/** What the throughput run measured: autocannon's result and the server's CPU time over it. */
type Throughput = {run: Awaited<ReturnType<typeof autocannon>>; serverCpuMs: number};

/** autocannon, 64 connections, non-streaming 16-token completions for `durationS` after a 2 s warm-up. */
async function throughput(target: Target, durationS: number): Promise<Throughput> {
	const url = `${target.baseUrl}/v1/completions`;
	const body = JSON.stringify({model: BENCH_MODEL, prompt: 'Write a haiku about speculative decoding.', max_tokens: 16, ignore_eos: true});
	const cannon = (seconds: number) =>
		autocannon({url, method: 'POST', headers: {'content-type': 'application/json'}, body, connections: 64, duration: seconds});
	await cannon(2); // warm up: JIT, the tokenizer's caches
	await target.report(); // count the server's CPU from here
	const run = await cannon(durationS);
	if (run.non2xx > 0 || run.errors > 0) throw new Error(`serve bench: ${run.non2xx} non-2xx responses, ${run.errors} errors`);
	return {run, serverCpuMs: (await target.report()).cpuMs};
}

/** The throughput run alone (the A/B driver's `max` phase): completed requests/s and server CPU ms per request. */
export async function measureThroughput(
	options: TargetOptions & {readonly durationS?: number} = {},
): Promise<{requestsPerS: number; cpuMsPerRequest: number}> {
	const target = await startTarget('max', options);
	try {
		const {run, serverCpuMs} = await throughput(target, options.durationS ?? 10);
		return {requestsPerS: run.requests.average, cpuMsPerRequest: serverCpuMs / run.requests.total};
	} finally {
		await target.stop();
	}
}

/** Phase 1 and 2: non-streaming at --speed max. */
async function benchMaxSpeed(): Promise<BenchResult[]> {
	const target = await startTarget('max');
	try {
		const url = `${target.baseUrl}/v1/completions`;
		const {run, serverCpuMs} = await throughput(target, 10);

		// Added latency: 8 clients in a closed loop, 4000 tagged requests.
		const agent = new Agent({keepAlive: true, maxSockets: 8});
		const timings = new Map<string, ClientTiming>();
		let next = 0;
		const worker = async () => {
			while (next < 4000) {
				const tag = `bench-${next++}`;
				const t = await post(agent, url, completion(tag, 16, false));
				if (t.status !== 200) throw new Error(`serve bench: a request failed: ${t.error ?? `HTTP ${t.status}`}`);
				timings.set(tag, t);
			}
		};
		await Promise.all(Array.from({length: 8}, worker));
		agent.destroy();
		const pairs = matched(timings, (await target.report()).records);
		const added = sortedOf(pairs.map(({c, s}) => c.endMs - c.startMs - (s.finishedMs - s.submittedMs)));
		const inEngine = sortedOf(pairs.map(({s}) => s.finishedMs - s.submittedMs));
		return [
			{
				name: 'serve --speed max: completed non-streaming requests/s, 16-token outputs, 64 connections (autocannon)',
				value: run.requests.average,
				unit: 'req/s',
				note: `${run.requests.total} requests in ${run.duration} s; autocannon latency p50 ${run.latency.p50} ms, p99 ${run.latency.p99} ms (queueing at saturation included)`,
			},
			{
				name: 'serve --speed max: server CPU time per non-streaming request (load-independent)',
				value: (serverCpuMs / run.requests.total) * 1000,
				unit: 'µs',
				note: `${(serverCpuMs / 1000).toFixed(2)} CPU s for ${run.requests.total} requests`,
			},
			{
				name: 'serve --speed max: HTTP added latency over the engine, p50 (8 clients, closed loop)',
				value: percentile(added, 50),
				unit: 'ms',
				note: `p99 ${fmt(percentile(added, 99))}; time inside the engine p50 ${fmt(percentile(inEngine, 50))}, p99 ${fmt(percentile(inEngine, 99))}; ${pairs.length} requests`,
			},
		];
	} finally {
		await target.stop();
	}
}

/** Does `serve` stream yet? (Before it does, `stream: true` is a 400.) */
async function streams(baseUrl: string): Promise<boolean> {
	const agent = new Agent({keepAlive: false});
	const probe = await post(agent, `${baseUrl}/v1/completions`, completion('bench-probe', 1, true));
	agent.destroy();
	return probe.status === 200;
}

/** Added TTFT of a set of streams, milliseconds, sorted. */
type AddedTtft = {
	/** Client TTFT minus the simulated TTFT / speed of the same request. */
	readonly added: number[];
	/** Of which HTTP: client TTFT minus the server's submitted → first-token wall time. */
	readonly http: number[];
	/**
	 * `added` split in four, on one clock (see {@link monotonicOffsetMs}); they sum to `added`.
	 * Empty against a target that does not record them.
	 */
	readonly parts: {
		/** The client wrote the request → the server's event loop read it. */
		readonly send: number[];
		/** The request was read → its simulated arrival on the wall clock (0 when the server stamps arrivals at their reading). */
		readonly arrival: number[];
		/** The step that gave the first token was due → its chunks were all handed to the kernel. */
		readonly release: number[];
		/** Handed to the kernel → the client read the first text. */
		readonly receive: number[];
	};
};

/** What the streaming phase measured. */
export type StreamsMeasure = {
	readonly shape: StreamShape;
	readonly clients: number;
	/** Client processes the clients were spread over. */
	readonly clientProcesses: number;
	/** The clients' HTTP reader. */
	readonly client: BenchClient;
	/** The measured window (s), after {@link warmupS}. */
	readonly durationS: number;
	/** How long the same load ran before the measured window (s): the server's warm-up. */
	readonly warmupS: number;
	/** Streams run, warm-up and measured window together (the server's {@link TargetReport.cpuMs} covers them all). */
	readonly streams: number;
	readonly failed: readonly string[];
	/** Each client's first request: all of them sent in the same instant (1,000 connections open at once). */
	readonly opening: AddedTtft;
	/**
	 * Every later request (sent when the same client's previous stream ended) begun in the measured
	 * window: the steady state of a server that has been under this load for {@link warmupS}.
	 */
	readonly steady: AddedTtft;
	/** The later requests begun during the warm-up: the steady state of a server just started (empty without a warm-up). */
	readonly cold: AddedTtft;
	/** Server wall time from the first to the last submission of the opening wave (ms): how long admitting it took. */
	readonly openingAdmissionMs: number;
	readonly server: TargetReport;
	/** The client processes' own event-loop delay (ms), the worst process' p50, p99 and max: a loaded client delays what it measures. */
	readonly clientLoopDelayMs: {readonly p50: number; readonly p99: number; readonly max: number};
	/** CPU time the client processes used together (ms). */
	readonly clientCpuMs: number;
	/**
	 * CPU time the hypervisor took from this machine's cores while the clients ran (ms, all cores
	 * together; `steal` in `/proc/stat`, NaN where there is none): a run on a virtual machine whose
	 * host is busy reads worse for reasons of neither the server nor the clients.
	 */
	readonly stealMs: number;
};

/** The machine's cores' steal time so far (ms; `/proc/stat`), NaN where it cannot be read. */
function stealMsSoFar(): number {
	try {
		const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
		// cpu user nice system idle iowait irq softirq steal ..., in USER_HZ (100 per second).
		return Number(fields[8]) * 10;
	} catch {
		return Number.NaN;
	}
}

const CLIENTS = resolve(import.meta.dirname, 'serve-clients.ts');

/**
 * The instrument: the clients share one core (the one the server does not use), so what they add
 * is part of every figure. One process reading every stream with the raw-TCP reader adds the
 * least: several processes on one core wait for each other's time slices (the scheduler's
 * latency lands in the `written → read by the client` part and in the requests' sending), and
 * Node's `http.request` costs more per chunk than the `net` reader. Against the floor server, 3
 * interleaved rounds, 4 processes against 1 (both `net`): added TTFT p99 0.76x, client event-loop
 * delay p99 0.92x, client CPU per stream 0.79x (docs/serve.md, the instrument).
 */
export const DEFAULT_CLIENT_PROCESSES = 1;
export const DEFAULT_CLIENT: BenchClient = 'net';

/**
 * Fork `processes` client processes (on this process' cores: {@link pinClients} pins them with
 * it), give each its share of `clients`, start them together, and gather what they measured.
 */
async function runClients(job: Omit<ClientsJob, 'clients' | 'first' | 'stride'> & {clients: number}, processes: number): Promise<ClientsResult[]> {
	const children = Array.from({length: processes}, () =>
		fork(CLIENTS, [], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc']}),
	);
	const next = (child: ChildProcess) =>
		new Promise<ClientsMessage>((ok, fail) => {
			child.once('message', m => ok(m as ClientsMessage));
			child.once('exit', code => fail(new Error(`serve bench clients exited with ${code}`)));
		});
	try {
		const ready = children.map((child, p) => {
			const reply = next(child);
			const share = Math.floor(job.clients / processes) + (p < job.clients % processes ? 1 : 0);
			child.send({job: {...job, clients: share, first: p, stride: processes}} satisfies ClientsMessage);
			return reply;
		});
		await Promise.all(ready);
		const results = children.map(next);
		for (const child of children) child.send('go' satisfies ClientsMessage);
		return (await Promise.all(results)).map(m => {
			if (typeof m !== 'object' || !('result' in m)) throw new Error('serve bench clients: expected a result');
			return m.result;
		});
	} finally {
		for (const child of children) if (child.exitCode === null) child.kill();
	}
}

/** The options of {@link measureStreams}. */
export type StreamsOptions = TargetOptions & {
	readonly clients?: number;
	readonly clientProcesses?: number;
	readonly durationS?: number;
	readonly speed?: number;
	readonly shape?: StreamShape;
	/** The clients' HTTP reader. @default 'net' */
	readonly client?: BenchClient;
	/** Write every matched stream's times (the machine's monotonic clock, ms) to this JSON file. */
	readonly dumpPath?: string;
	/**
	 * Seconds of the same load before the measured window, the clients running throughout: V8's
	 * optimizing compiler and the heap's sizing settle over the first 20 s or so of a server's life.
	 * @default 0
	 */
	readonly warmupS?: number;
};

/**
 * `clients` concurrent streaming clients at --speed `speed`, each streaming completions back to
 * back for `durationS` wall seconds, their lengths as `shape` says (default `varied`), spread over
 * `clientProcesses` processes (default 1), read by the `client` reader (default `net`). Undefined
 * when `serve` does not stream.
 *
 * Added TTFT is measured per request, matched one to one with the server's record by the `user`
 * tag: client TTFT (request written → first event with text) minus the simulated TTFT divided by
 * the speed. The opening wave (every client's first request, sent at once) is reported apart from
 * the steady state: it measures how the server admits 1,000 simultaneous requests, not the
 * latency of 1,000 running streams.
 */
export async function measureStreams(options: StreamsOptions = {}): Promise<StreamsMeasure | undefined> {
	const shape = options.shape ?? 'varied';
	const clients = options.clients ?? 1000;
	const clientProcesses = Math.max(1, Math.min(clients, options.clientProcesses ?? DEFAULT_CLIENT_PROCESSES));
	const client = options.client ?? DEFAULT_CLIENT;
	const durationS = options.durationS ?? 20;
	const warmupS = options.warmupS ?? 0;
	const speed = options.speed ?? 1;
	const target = await startTarget(String(speed), options);
	try {
		if (!(await streams(target.baseUrl))) return undefined;
		await target.report();
		const stealBefore = stealMsSoFar();
		const running = runClients(
			{baseUrl: target.baseUrl, model: BENCH_MODEL, clients, durationS: warmupS + durationS, shape, client},
			clientProcesses,
		);
		// The warm-up's server report (its records kept, its step timings and instruments dropped) a
		// second before the measured window, so that building and sending it does not fall in it.
		const warmup =
			warmupS === 0
				? Promise.resolve(undefined)
				: new Promise<void>(ok => setTimeout(ok, Math.max(0, warmupS - 1) * 1000)).then(() => target.report());
		const [results, warmupReport] = await Promise.all([running, warmup]);
		const server = await target.report();
		const stealMs = stealMsSoFar() - stealBefore;
		// Every time on the machine's monotonic clock.
		const timings = new Map<string, StreamTiming>();
		for (const r of results) {
			const o = r.clockOffsetMs;
			for (const t of r.timings) timings.set(t.tag, {...t, startMs: t.startMs + o, firstMs: t.firstMs + o, endMs: t.endMs + o});
		}
		const so = server.clockOffsetMs ?? Number.NaN;
		const opening = new Set(results.flatMap(r => r.opening));
		const failed = results.flatMap(r => r.failed);
		// A failed stream's engine request is aborted: only the streams that completed are matched.
		const pairs = matched(timings, [...(warmupReport?.records ?? []), ...server.records]);
		// Each stream got the length it asked for (with ignore_eos): the load had the shape it claims.
		for (const {s} of pairs)
			if (s.outputTokens !== outputTokensOf(shape, s.tag))
				throw new Error(`serve bench: ${s.tag} streamed ${s.outputTokens} tokens, asked ${outputTokensOf(shape, s.tag)}`);
		const measure = (which: typeof pairs): AddedTtft => ({
			added: sortedOf(which.map(({c, s}) => c.firstMs - c.startMs - (s.virtualTtftS * 1000) / speed)),
			http: sortedOf(which.map(({c, s}) => c.firstMs - c.startMs - (s.firstTokenMs - s.submittedMs))),
			parts: partsOf(
				which.filter(({s}) => Number.isFinite((s.readMs ?? Number.NaN) + (s.firstWrittenMs ?? Number.NaN) + so)),
				so,
			),
		});
		// The measured window opens warmupS after the opening wave was sent: each client's first
		// stream is the opening wave's, every later one the warm-up's or the window's.
		const windowFromMs = Math.min(...pairs.map(({c}) => c.startMs)) + warmupS * 1000;
		const firsts = pairs.filter(({s}) => opening.has(s.tag));
		const inWarmup = ({c, s}: (typeof pairs)[number]) => !opening.has(s.tag) && c.startMs < windowFromMs;
		const measured = pairs.filter(({c, s}) => !opening.has(s.tag) && c.startMs >= windowFromMs);
		if (options.dumpPath !== undefined)
			writeFileSync(
				options.dumpPath,
				JSON.stringify({
					gcPauses: (server.steps?.gcPauses ?? []).map(([start, ms]) => [start + so, ms]),
					streams: pairs.map(({c, s}) => ({
						tag: s.tag,
						opening: opening.has(s.tag),
						warmup: inWarmup({c, s}),
						startMs: c.startMs,
						readMs: (s.readMs ?? Number.NaN) + so,
						firstDueMs: (s.firstDueMs ?? Number.NaN) + so,
						firstWrittenMs: (s.firstWrittenMs ?? Number.NaN) + so,
						firstMs: c.firstMs,
						addedMs: c.firstMs - c.startMs - (s.virtualTtftS * 1000) / speed,
					})),
				}),
			);
		const worst = (key: 'p50' | 'p99' | 'max') => Math.max(...results.map(r => r.loopDelayMs[key]));
		return {
			shape,
			clients,
			clientProcesses,
			client,
			durationS,
			warmupS,
			streams: pairs.length,
			failed,
			opening: measure(firsts),
			openingAdmissionMs: span(firsts.map(({s}) => s.submittedMs)),
			steady: measure(measured),
			cold: measure(pairs.filter(inWarmup)),
			// The opening wave's steps are the warm-up's; the CPU time is the whole run's, as `streams`.
			server:
				warmupReport === undefined
					? server
					: {
							...server,
							cpuMs: warmupReport.cpuMs + server.cpuMs,
							...(warmupReport.openingSteps === undefined ? {} : {openingSteps: warmupReport.openingSteps}),
						},
			clientLoopDelayMs: {p50: worst('p50'), p99: worst('p99'), max: worst('max')},
			clientCpuMs: results.reduce((sum, r) => sum + r.cpuMs, 0),
			stealMs,
		};
	} finally {
		await target.stop();
	}
}

/** The four parts of each stream's added TTFT (see {@link AddedTtft}); `so` puts the server's times on the clients' clock. */
function partsOf(pairs: ReadonlyArray<{c: StreamTiming; s: TargetRecord}>, so: number): AddedTtft['parts'] {
	return {
		send: sortedOf(pairs.map(({c, s}) => s.readMs! + so - c.startMs)),
		arrival: sortedOf(pairs.map(({s}) => s.arrivalDueMs! - s.readMs!)),
		release: sortedOf(pairs.map(({s}) => s.firstWrittenMs! - s.firstDueMs!)),
		receive: sortedOf(pairs.map(({c, s}) => c.firstMs - (s.firstWrittenMs! + so))),
	};
}

const span = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : Math.max(...values) - Math.min(...values));

/** p50, p99 and max of sorted milliseconds, for a note. */
export const spread = (sorted: readonly number[]): string =>
	sorted.length === 0 ? 'none' : `p50 ${fmt(percentile(sorted, 50))}, p99 ${fmt(percentile(sorted, 99))}, max ${fmt(sorted.at(-1)!)}`;

/** The host's CPU steal (ms, `/proc/stat`, over the machine's cores) above which a streaming run (warm-up included) is run again. */
export const MAX_STEAL_MS = 250;

/** A streaming run kept by {@link measureQuietStreams}, and the runs it threw away before it. */
type QuietRun = {readonly m: StreamsMeasure; readonly discarded: readonly StreamsMeasure[]};

/**
 * {@link measureStreams}, run again while the hypervisor took more than `maxStealMs` of the
 * machine's CPU during the run (steal on a busy host moved the p99 by more than any change the
 * bench has measured), `attempts` runs in all; the last one is kept either way. `discarded` are the
 * runs thrown away, for the note; `onDiscard` hears of each as it happens.
 */
export async function measureQuietStreams(
	options: StreamsOptions,
	{maxStealMs = MAX_STEAL_MS, attempts = 3, onDiscard}: {maxStealMs?: number; attempts?: number; onDiscard?: (m: StreamsMeasure) => void} = {},
): Promise<QuietRun | undefined> {
	const discarded: StreamsMeasure[] = [];
	for (;;) {
		const m = await measureStreams(options);
		if (m === undefined) return undefined;
		if (!(m.stealMs > maxStealMs) || discarded.length + 1 >= attempts) return {m, discarded};
		discarded.push(m);
		onDiscard?.(m);
	}
}

/** What each shape's rows are called. */
const SHAPE_LABEL: Record<StreamShape, string> = {
	varied: '1,000 concurrent streams of 128 to 384 tokens (uniform, as --random-range-ratio 0.5), back to back',
	lockstep: '1,000 concurrent streams of 256 tokens each, back to back, in lockstep waves (worst case)',
};

/**
 * Seconds of load before the bench's measured window of 20 s: over a fresh server's first 20 s V8
 * is still optimizing its code and sizing its heap, and the added TTFT's p99 reads 0.5 to 4 ms higher
 * than in the 20 s after (docs/serve.md, Performance). The rows give both windows.
 */
export const BENCH_WARMUP_S = 20;

/**
 * Phase 3: 1,000 concurrent streaming clients at --speed 1, varied lengths (the headline), then in
 * lockstep (the worst case), the whole server on one core; then varied lengths again with the
 * server's main thread alone on its core (see {@link TargetOptions.pin}): its added TTFT and steps.
 * Each run measures 20 s after {@link BENCH_WARMUP_S} of the same load.
 */
async function benchStreams(): Promise<BenchResult[]> {
	const rows: BenchResult[] = [];
	for (const shape of ['varied', 'lockstep'] as const) {
		const run = await pinClients(() => measureQuietStreams({shape, warmupS: BENCH_WARMUP_S}));
		if (run === undefined)
			return [{name: 'serve --speed 1: 1,000 concurrent streams', value: Number.NaN, unit: '', note: 'not measured: serve does not stream yet'}];
		rows.push(...streamRows(run));
	}
	const alone = await pinClients(() => measureQuietStreams({shape: 'varied', pin: 'main-thread', warmupS: BENCH_WARMUP_S}));
	if (alone !== undefined) rows.push(...streamRows(alone, 'main-thread').slice(0, 2));
	return rows;
}

/** The parts of an added TTFT, p50 and p99 each, for a note. */
function partsNote(parts: AddedTtft['parts']): string {
	if (parts.send.length === 0) return 'parts not recorded by this server';
	const p = (sorted: readonly number[]) => `p50 ${fmt(percentile(sorted, 50))}, p99 ${fmt(percentile(sorted, 99))}`;
	return `of which: request written → read by the server ${p(parts.send)}; read → simulated arrival ${p(parts.arrival)}; first token due → written ${p(parts.release)}; written → read by the client ${p(parts.receive)}`;
}

/** Where a step's time goes (see {@link StepTimings}), for a note. */
function stepsNote(t: StepTimings): string {
	const p = (s: Spread) => `${fmt(s.p50)} / ${fmt(s.p99)}`;
	return (
		`p50 ${fmt(t.total.p50)}, max ${fmt(t.total.max)}; ${t.steps} steps of ${t.chunksPerStep.p50} chunks (p50); p50 / p99: ` +
		`timer lateness ${p(t.lateness)}, engine ${p(t.engine)}, chunks built ${p(t.chunks)}, next step scheduled ${p(t.next)}, ` +
		`written ${p(t.write)}; GC ${t.gc.count} pauses, ${fmt(t.gc.totalMs)} in all, longest ${fmt(t.gc.maxMs)}` +
		(t.runningLag === undefined || t.runningGap === undefined
			? ''
			: `; running streams' writes: latest step due → written ${p(t.runningLag)}, connection's previous write → this one ${p(t.runningGap)}`) +
		(t.lateCauses === undefined || t.lateCauses.late === 0
			? ''
			: `; ${t.lateCauses.late} steps began over ${t.lateCauses.lateOverMs} ms late, ${fmt(t.lateCauses.latenessMs)} in all: GC pauses ${fmt(t.lateCauses.gcMs)} (in ${t.lateCauses.withGc}), request handling ${fmt(t.lateCauses.requestMs)} (in ${t.lateCauses.withRequests})`)
	);
}

/** The rows of one streaming run. */
function streamRows({m, discarded}: QuietRun, pin: ServerPinning = 'process'): BenchResult[] {
	const where = pin === 'main-thread' ? ", the server's main thread alone on its core (V8's helper threads on the clients' core)" : '';
	const label = `serve --speed 1, ${SHAPE_LABEL[m.shape]}${where}`;
	const failures = m.failed.length === 0 ? '' : `; ${m.failed.length} streams failed (${[...new Set(m.failed)].join(', ')})`;
	return [
		{
			name: `${label}: added TTFT p99 over the simulated TTFT, steady state${m.warmupS === 0 ? '' : `, after ${m.warmupS} s of the same load`}`,
			value: percentile(m.steady.added, 99),
			unit: 'ms',
			note: `p50 ${fmt(percentile(m.steady.added, 50))}; ${m.steady.added.length} streams${failures};${m.cold.added.length === 0 ? '' : ` in the warm-up (the server's first ${m.warmupS} s, ${m.cold.added.length} streams) ${spread(m.cold.added)};`} ${partsNote(m.steady.parts)}; clients: ${m.clientProcesses} process(es), ${m.client} reader, event-loop delay p99 ${fmt(m.clientLoopDelayMs.p99)} (worst process), ${(m.clientCpuMs / 1000).toFixed(2)} CPU s; the hypervisor's steal ${fmt(m.stealMs)} over the run${discarded.length === 0 ? '' : ` (${discarded.length} earlier run(s) discarded for steal over ${MAX_STEAL_MS} ms: ${discarded.map(d => `steal ${fmt(d.stealMs)}, p99 ${fmt(percentile(d.steady.added, 99))}`).join('; ')})`}`,
		},
		...(m.server.steps === undefined
			? []
			: [
					{
						name: `${label}: server, engine step due → its last chunk handed to the kernel, p99, steady state`,
						value: m.server.steps.total.p99,
						unit: 'ms',
						note: stepsNote(m.server.steps),
					},
				]),
		...(m.server.openingSteps === undefined
			? []
			: [
					{
						name: `${label}: server, engine step due → its last chunk handed to the kernel, p99, opening wave`,
						value: m.server.openingSteps.total.p99,
						unit: 'ms',
						note: `${stepsNote(m.server.openingSteps)} (GC: the whole run's)`,
					},
				]),
		{
			name: `${label}: added TTFT p99 of the opening wave (1,000 streams opened at once)`,
			value: percentile(m.opening.added, 99),
			unit: 'ms',
			note: `${spread(m.opening.added)}; ${m.opening.added.length} streams, admitted by the server over ${fmt(m.openingAdmissionMs)}`,
		},
		{
			name: `${label}: server event-loop delay p99`,
			value: m.server.loopDelayMs.p99,
			unit: 'ms',
			note: `p50 ${fmt(m.server.loopDelayMs.p50)}, max ${fmt(m.server.loopDelayMs.max)} (monitorEventLoopDelay, 10 ms resolution)`,
		},
		{
			name: `${label}: server RSS`,
			value: m.server.peakRssBytes / 2 ** 20,
			unit: 'MiB peak',
			note: `${(m.server.rssBytes / 2 ** 20).toFixed(1)} MiB at the end`,
		},
		{
			name: `${label}: server CPU time per stream (load-independent)`,
			value: m.server.cpuMs / m.streams,
			unit: 'ms',
			note: `${(m.server.cpuMs / 1000).toFixed(2)} CPU s over ${m.warmupS + m.durationS} s and ${m.streams} streams${m.warmupS === 0 ? '' : ` (warm-up included)`}${
				m.server.steps?.utilisation === undefined
					? ''
					: `; the server's core busy ${m.server.steps.utilisation.p50.toFixed(2)} CPU s per wall s (median second), ${m.server.steps.utilisation.max.toFixed(2)} in the busiest`
			}`,
		},
	];
}

/** `npm run bench serve`. */
export async function benchServe(): Promise<BenchResult[]> {
	return [...(await pinClients(benchMaxSpeed)), ...(await benchStreams())];
}
