/**
 * The server side of the serve load benchmark, run as a child process (`node --import tsx`): what
 * `specsim serve --headless` builds (the default preset, no background traffic, the runner at
 * `--speed`), plus the instruments the benchmark reads over IPC instead of a bench-only route:
 *
 * - per request, tagged by the client's `user` field: the wall time (this process' clock) at which
 *   the engine got it, produced its first token and finished it, and its simulated (virtual) TTFT
 *   and end-to-end latency; the client subtracts these from what it measured;
 * - the event loop's delay (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution), peak RSS and
 *   the CPU time used.
 *
 * argv: SPEED (a number or `max`). Prints nothing; messages: `{ready, baseUrl}` once listening;
 * replies `{report}` to `'report'` (and forgets what it reported), exits on `'stop'`.
 */
import {writeFileSync} from 'node:fs';
import {ServerResponse} from 'node:http';
import {Session as Inspector} from 'node:inspector';
import {Socket} from 'node:net';
import {parseSpeed, resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import type {SimRequest} from '../../src/engine/request.js';
import type {StepOutcome} from '../../src/engine/step-outcome.js';
import {Session} from '../../src/runtime/session.js';
import {startOpenAiServer} from '../../src/server/openai-server.js';
import {serverInstruments, spreadOf} from './serve-instruments.js';
import {BENCH_MODEL, type StepTimings, type TargetMessage, type TargetRecord} from './serve-protocol.js';

/** The `user` field the bench clients send, as it appears in the JSON the serve engine keys requests by. */
const TAG = /"user":"(bench-[0-9]+)"/;

const speed = parseSpeed(process.argv[2] ?? 'max');
const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '0'});
const session = new Session(resolved.config, {seed: resolved.seed, speed, traceLines: []});
const simulation = session.built.simulation;

/**
 * Per-step timings (see {@link StepTimings}): every advance of the simulation (a runner tick or a
 * request's catch-up) is timed from its start; a step listener added before the server's marks
 * when each step's outcome is reported, one added after it when its chunks are built, and the
 * last stream write before the next advance that ran steps (at the earliest a tick queued behind
 * the turn's flush and Node's per-response uncork) when the chunks were handed to the kernel.
 */
type StepMark = {deadlineMs: number; chunks: number; engineMs: number; chunksMs: number};
let advanceStartMs = 0;
let advanceSteps: StepMark[] = [];
/** The wall deadline of the last step whose chunks an advance built (running streams' writes are timed against it). */
let latestDeadlineMs = Number.NaN;
type StepRow = {
	chunks: number;
	lateness: number;
	engine: number;
	chunks_: number;
	next: number;
	write: number;
	total: number;
	/** The step's wall deadline and the start of the advance that ran it (for {@link lateCauses}). */
	deadlineMs: number;
	startMs: number;
};
/** Per step since the last report, the opening wave's and the steady state's apart (see {@link steadyFromMs}). */
const openingRows: StepRow[] = [];
const stepRows: StepRow[] = [];
/**
 * When the first tagged stream of the run ended (this process' clock), undefined before: a client
 * sends its next request only when its last stream ends, so until then every request the server
 * reads belongs to the opening wave (each client's first, sent at once), and the steps until then
 * are the opening wave's (its burst of requests read and admitted, its prefills); the steps due
 * after it are the steady state's, which the steady-state requests (the headline) meet.
 */
let steadyFromMs: number | undefined;
const runUntil = simulation.runUntil.bind(simulation);
simulation.runUntil = (untilS, options) => {
	advanceStartMs = performance.now();
	// The open advance's writes end here: this one's first frames are written inside it.
	const writtenBeforeMs = lastFrameWriteMs;
	runUntil(untilS, options);
	if (advanceSteps.length === 0) return;
	const endMs = performance.now();
	const steps = advanceSteps;
	const startMs = advanceStartMs;
	advanceSteps = [];
	latestDeadlineMs = steps.at(-1)!.deadlineMs;
	closeAdvance(writtenBeforeMs);
	openAdvance = {steps, startMs, endMs};
	// Written at the latest when the turn's flush and Node's per-response uncork (a tick) are over,
	// later if some streams' writes wait for a later turn.
	queueMicrotask(() => process.nextTick(() => (lastFrameWriteMs = Math.max(lastFrameWriteMs, performance.now()))));
};

/**
 * The advance whose steps' chunks are being written: its rows are closed (their last chunk
 * written at the last stream write seen) when the next advance that ran steps ends, or at the
 * report.
 */
let openAdvance: {steps: StepMark[]; startMs: number; endMs: number} | undefined;
let lastFrameWriteMs = 0;
function closeAdvance(lastWriteMs = lastFrameWriteMs): void {
	if (openAdvance === undefined) return;
	const {steps, startMs, endMs} = openAdvance;
	openAdvance = undefined;
	const writtenMs = Math.max(endMs, lastWriteMs);
	for (const m of steps)
		(steadyFromMs !== undefined && m.deadlineMs >= steadyFromMs ? stepRows : openingRows).push({
			chunks: m.chunks,
			lateness: startMs - m.deadlineMs,
			engine: m.engineMs - startMs,
			chunks_: m.chunksMs - m.engineMs,
			next: endMs - m.chunksMs,
			write: writtenMs - endMs,
			total: writtenMs - m.deadlineMs,
			deadlineMs: m.deadlineMs,
			startMs,
		});
}

/**
 * Each request's handling, read → submitted to the engine (this process' clock, flat pairs): what
 * the event loop did while a step's deadline passed, beside the GC pauses (see {@link lateCauses}).
 */
const handling: number[] = [];

/**
 * Milliseconds of `[from, to]` covered by the intervals (flat `[start, end]` pairs, or `[start,
 * duration]` pairs), each instant counted once: the requests a turn reads in a burst share its
 * start as their reading, so their intervals overlap.
 */
function overlapMs(pairs: ArrayLike<number>, from: number, to: number, durations: boolean): number {
	const inside: Array<[number, number]> = [];
	for (let i = 0; i + 1 < pairs.length; i += 2) {
		const start = pairs[i]!;
		const end = durations ? start + pairs[i + 1]! : pairs[i + 1]!;
		if (end > from && start < to) inside.push([Math.max(start, from), Math.min(end, to)]);
	}
	inside.sort((a, b) => a[0] - b[0]);
	let ms = 0;
	let coveredTo = from;
	for (const [start, end] of inside) {
		if (end <= coveredTo) continue;
		ms += end - Math.max(start, coveredTo);
		coveredTo = end;
	}
	return ms;
}

/**
 * Why steps started late: of the steps whose advance began more than {@link LATE_MS} after their
 * deadline, how many, their lateness, and how much of it the garbage collector's pauses and the
 * handling of requests (read → submitted) covered; the rest is everything else (the previous
 * step's writes, timers, other work of the loop, the core taken away).
 */
const LATE_MS = 1;
function lateCauses(rows: readonly StepRow[], gcPauses: ReadonlyArray<readonly [number, number]>): StepTimings['lateCauses'] {
	const gc = gcPauses.flat();
	let late = 0;
	let latenessMs = 0;
	let gcMs = 0;
	let requestMs = 0;
	let withGc = 0;
	let withRequests = 0;
	for (const row of rows) {
		if (row.lateness <= LATE_MS) continue;
		late += 1;
		latenessMs += row.lateness;
		const g = overlapMs(gc, row.deadlineMs, row.startMs, true);
		const r = overlapMs(handling, row.deadlineMs, row.startMs, false);
		gcMs += g;
		requestMs += r;
		if (g > 0) withGc += 1;
		if (r > 0) withRequests += 1;
	}
	return {lateOverMs: LATE_MS, late, latenessMs, gcMs, requestMs, withGc, withRequests};
}
/**
 * Subscribe `onStep` where the server's engine hears steps: first, ahead of the simulation's loggers
 * and observers (`Session.onStepFirst`), or, on a checkout from before it, as an observer.
 */
const onStep = (listener: (outcome: StepOutcome) => void): void => {
	const first = (session as {onStepFirst?: (listener: (outcome: StepOutcome) => void) => () => void}).onStepFirst;
	if (first === undefined) session.subscribe({onStep: listener});
	else first.call(session, listener);
};
onStep(outcome => {
	if (outcome.numTokenRequests === 0) return;
	const deadlineMs = session.runner.wallMsAt(outcome.t);
	if (deadlineMs === undefined) return;
	advanceSteps.push({deadlineMs, chunks: outcome.numTokenRequests, engineMs: performance.now(), chunksMs: Number.NaN});
});

/**
 * When each tagged stream's first text was handed to the kernel: the clients name their request
 * in an `x-bench-tag` header; a stream's head (`writeHead`) ties its socket to the tag, and the
 * socket's first write that carries text after it is the time. Socket writes are seen where Node
 * makes them (`_writeGeneric`, also for a corked response's `writev` at uncork).
 */
const firstWrites = new Map<string, number>();
/**
 * Running streams' writes (after their first text, until the response ends): per write, from the
 * deadline of the latest step whose chunks were built to the write (`lag`), and from the same
 * connection's previous write (`gap`, the server side of an inter-token time). Spreading a step's
 * writes over several turns of the event loop shows here.
 */
const runningLag: number[] = [];
const runningGap: number[] = [];
/**
 * What the instruments keep on a tagged stream's socket, as a property of the socket itself: a
 * `WeakMap` keyed by socket cost a hash lookup and a boxed number per write (4% of the server's
 * busy time in a profile, inside the step's writes, and ephemeron tables for every scavenge).
 * `tag` until the stream's first text is written; then `lastMs`, its latest write (NaN when the
 * socket carries no running stream).
 */
type SocketMark = {tag: string | undefined; lastMs: number};
const MARK = Symbol('serve-bench');
type MarkedSocket = Socket & {[MARK]?: SocketMark};
const TEXT = /"(text|content)":"[^"]/;
const writeHead = ServerResponse.prototype.writeHead;
ServerResponse.prototype.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
	const benchTag = this.req?.headers['x-bench-tag'];
	const socket = this.socket as MarkedSocket | null;
	if (typeof benchTag === 'string' && socket !== null) {
		const mark = socket[MARK];
		if (mark === undefined) socket[MARK] = {tag: benchTag, lastMs: Number.NaN};
		else {
			mark.tag = benchTag;
			mark.lastMs = Number.NaN;
		}
	}
	return writeHead.apply(this, args);
} as ServerResponse['writeHead'];
function takeFirstWrite(benchTag: string): number {
	const ms = firstWrites.get(benchTag) ?? Number.NaN;
	firstWrites.delete(benchTag);
	return ms;
}
type WriteGeneric = (writev: boolean, data: unknown, encoding: string, cb: (error?: Error | null) => void) => void;
const socketProto = Socket.prototype as unknown as {_writeGeneric?: WriteGeneric};
const writeGeneric = socketProto._writeGeneric;
if (writeGeneric !== undefined)
	socketProto._writeGeneric = function (this: MarkedSocket, writev, data, encoding, cb) {
		const mark = this[MARK];
		if (mark?.tag !== undefined) {
			const pieces = writev ? (data as Array<{chunk: unknown}>).map(d => d.chunk) : [data];
			if (pieces.some(piece => TEXT.test(typeof piece === 'string' ? piece : Buffer.isBuffer(piece) ? piece.toString('latin1') : ''))) {
				const benchTag = mark.tag;
				mark.tag = undefined;
				writeGeneric.call(this, writev, data, encoding, cb);
				const nowMs = performance.now();
				firstWrites.set(benchTag, nowMs);
				mark.lastMs = nowMs;
				lastFrameWriteMs = nowMs;
				return;
			}
		}
		writeGeneric.call(this, writev, data, encoding, cb);
		if (mark === undefined || Number.isNaN(mark.lastMs)) return;
		const nowMs = performance.now();
		runningGap.push(nowMs - mark.lastMs);
		runningLag.push(nowMs - latestDeadlineMs);
		mark.lastMs = nowMs;
		lastFrameWriteMs = nowMs;
	};

const server = await startOpenAiServer(session, {port: 0, servedModelNames: [BENCH_MODEL], modelPath: BENCH_MODEL});

type Tracked = {tag: string; readMs: number; submittedMs: number; firstTokenMs: number; firstDeadlineMs: number};
const tracked = new Map<SimRequest, Tracked>();
let records: TargetRecord[] = [];

// Tag each engine request with its HTTP request: startAll() submits synchronously (start() and
// generate() call it) through simulation.submitAll().
const submitAll = simulation.submitAll.bind(simulation);
const startAll = server.engine.startAll.bind(server.engine);
let tag: string | undefined;
let readMs = Number.NaN;
simulation.submitAll = specs => {
	const requests = submitAll(specs);
	if (tag !== undefined)
		for (const request of requests) {
			const t = {tag, readMs, submittedMs: performance.now(), firstTokenMs: Number.NaN, firstDeadlineMs: Number.NaN};
			tracked.set(request, t);
		}
	return requests;
};
server.engine.startAll = (paramsList, listener, arrival) => {
	tag = TAG.exec(paramsList[0]?.key ?? '')?.[1];
	readMs = arrival?.atMs ?? Number.NaN;
	try {
		return startAll(paramsList, listener, arrival);
	} finally {
		tag = undefined;
		if (!Number.isNaN(readMs)) handling.push(readMs, performance.now());
	}
};
onStep(outcome => {
	const now = performance.now();
	const mark = advanceSteps.at(-1);
	if (mark !== undefined && Number.isNaN(mark.chunksMs)) mark.chunksMs = now;
	// A request's first output tokens are the step's that gave it all it has: only those are looked
	// up in `tracked` (a list of the requests awaiting their first token, rebuilt every step, was
	// the queue's 700-odd requests at 1,000 streams: garbage and a walk through them per step).
	const requests = outcome.tokenRequests;
	for (let i = 0; i < outcome.numTokenRequests; i++) {
		const request = requests[i]!;
		if (request.numOutputTokens !== outcome.newTokens[i]) continue;
		const t = tracked.get(request);
		if (t === undefined) continue;
		t.firstTokenMs = now;
		t.firstDeadlineMs = session.runner.wallMsAt(outcome.t) ?? Number.NaN;
	}
	for (const request of outcome.finished) {
		const t = tracked.get(request);
		if (t === undefined) continue;
		tracked.delete(request);
		records.push({
			tag: t.tag,
			readMs: t.readMs,
			arrivalDueMs: session.runner.wallMsAt(request.arrivalAt) ?? Number.NaN,
			submittedMs: t.submittedMs,
			firstTokenMs: t.firstTokenMs,
			firstDueMs: t.firstDeadlineMs,
			firstWrittenMs: takeFirstWrite(t.tag),
			finishedMs: now,
			virtualTtftS: request.firstTokenAt - request.arrivalAt,
			virtualE2eS: request.finishedAt - request.arrivalAt,
			outputTokens: request.numOutputTokens,
		});
		// The first stream ended: its client sends its second request, and the steady state begins.
		steadyFromMs ??= now;
	}
});

const instruments = serverInstruments();
const done = session.runner.run();

/**
 * Step rows summarised; the steady state's with the running streams' writes. The GC and
 * utilisation figures are the whole period's in both.
 */
function stepTimings(stepRows: StepRow[], steady: boolean): StepTimings {
	const figures = instruments.steps();
	return {
		steps: stepRows.length,
		chunksPerStep: spreadOf(stepRows.map(r => r.chunks)),
		lateness: spreadOf(stepRows.map(r => r.lateness)),
		engine: spreadOf(stepRows.map(r => r.engine)),
		chunks: spreadOf(stepRows.map(r => r.chunks_)),
		next: spreadOf(stepRows.map(r => r.next)),
		write: spreadOf(stepRows.map(r => r.write)),
		total: spreadOf(stepRows.map(r => r.total)),
		...(!steady || runningGap.length === 0 ? {} : {runningLag: spreadOf(runningLag), runningGap: spreadOf(runningGap)}),
		lateCauses: lateCauses(stepRows, figures.gcPauses ?? []),
		...figures,
	};
}

/**
 * `SERVE_BENCH_HEAP_PROF=PATH`: a sampling heap profile of everything allocated between two
 * reports (a run's clients), collected or not (`HeapProfiler.startSampling` with the collected
 * objects kept), written to PATH-N.heapprofile at the N-th report: where the server's garbage
 * comes from, by allocating stack.
 */
const heapProfPath = process.env['SERVE_BENCH_HEAP_PROF'];
const inspector = heapProfPath === undefined ? undefined : new Inspector();
inspector?.connect();
let heapProfiles = 0;
const post = (method: string, params: object = {}) =>
	new Promise<unknown>((ok, fail) => inspector!.post(method, params, (error, result) => (error ? fail(error) : ok(result))));
async function sampleHeap(): Promise<void> {
	if (inspector === undefined) return;
	if (heapProfiles > 0) {
		const {profile} = (await post('HeapProfiler.stopSampling')) as {profile: unknown};
		writeFileSync(`${heapProfPath}-${heapProfiles}.heapprofile`, JSON.stringify(profile));
	}
	heapProfiles += 1;
	await post('HeapProfiler.startSampling', {samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true});
}

process.on('message', async (message: string) => {
	if (message === 'report') {
		await sampleHeap();
		closeAdvance();
		const report: TargetMessage = {
			report: {
				records,
				...instruments.report(),
				...(stepRows.length === 0 ? {} : {steps: stepTimings(stepRows, true)}),
				...(openingRows.length === 0 ? {} : {openingSteps: stepTimings(openingRows, false)}),
			},
		};
		stepRows.length = 0;
		openingRows.length = 0;
		handling.length = 0;
		steadyFromMs = undefined;
		runningLag.length = 0;
		runningGap.length = 0;
		records = [];
		instruments.reset();
		process.send!(report);
	} else if (message === 'stop') {
		instruments.stop();
		await server.close();
		session.runner.stop();
		await done;
		process.disconnect();
	}
});
process.send!({ready: true, baseUrl: server.baseUrl} satisfies TargetMessage);
