/**
 * The floor of the serve benchmark's 1,000-stream phase: a minimal Node HTTP server, run in place
 * of {@link ./serve-target.ts} (same argv, same IPC, same records), that does only what the
 * protocol needs. No engine, no Hono, no validation, no tokenizer, no JSON building: it reads each
 * `POST /v1/completions`, takes `max_tokens` and `user` from its body, sends the SSE head at once
 * and puts the stream in a queue; a paced loop of fixed-length "steps" (36 ms, specsim's step at
 * 256 running streams) admits queued streams up to 256 running, and at each step's end writes one
 * chunk to each running stream (the new ones' first chunks first), with 1 to 4 tokens per chunk
 * (EAGLE-3's acceptance rates, 2.6 tokens a step on average), ending a stream with its finish
 * chunk and `[DONE]` once it has its tokens. The pacing is specsim's runner's (a timer to a
 * millisecond before the deadline, then a turn of the event loop at a time), the writes specsim's
 * (one HTTP/1.1 chunk straight to the socket per connection per step), and a request arrives at
 * the start of the turn of the event loop that read it, as specsim stamps it.
 *
 * What the bench measures against it is what any Node server of this shape costs on this machine
 * with these clients: the kernel's loopback sends, Node's HTTP parsing and the event loop, the
 * clients' own reading. Added TTFT above it is specsim's own. `serve-ab.ts` runs it as a side
 * with `SERVE_AB_A_TARGET=test/bench/serve-floor.ts` (or `_B_`). `SERVE_FLOOR_STEP_MS` changes the
 * step.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {Socket} from 'node:net';
import {serverInstruments, spreadOf} from './serve-instruments.js';
import type {StepTimings, TargetMessage, TargetRecord} from './serve-protocol.js';

const STEP_MS = Number(process.env['SERVE_FLOOR_STEP_MS'] ?? 36);
const MAX_RUNNING = 256;
/** EAGLE-3 on Llama-3.1-8B (the default preset): per-position acceptance, k = 3. */
const ACCEPTANCE = [0.7296, 0.5208, 0.3545];
/**
 * Write the streams that end in a step after the others, as specsim does (its serve engine reports
 * a step's finished requests after its tokens); `SERVE_FLOOR_ENDS_LAST=0` writes them in the
 * engine's order. A client streaming back to back sends its next request when it reads the end of
 * the last: ended first, the request comes while the server is still writing the step's other
 * chunks and waits for them (request written -> read p50 2.1 ms against 0.6 ms ended last).
 */
const ENDS_LAST = process.env['SERVE_FLOOR_ENDS_LAST'] !== '0';
const speed = Number(process.argv[2] ?? 1);
if (!(speed > 0)) throw new Error('serve-floor: a finite speed only');

/** A small deterministic generator (the floor's token counts need no more). */
let rngState = 0x9e3779b9;
function uniform(): number {
	rngState = (Math.imul(rngState ^ (rngState >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
	return (rngState >>> 0) / 2 ** 32;
}
function tokensThisStep(): number {
	let n = 1;
	for (const rate of ACCEPTANCE) {
		if (uniform() >= rate) break;
		n++;
	}
	return n;
}

type Stream = {
	readonly res: ServerResponse;
	readonly socket: Socket;
	readonly tag: string;
	readonly maxTokens: number;
	/** Every chunk is `head + text + tail`: the completion chunk's constant parts, serialised once. */
	readonly head: string;
	readonly readMs: number;
	readonly submittedMs: number;
	tokens: number;
	firstDueMs: number;
	firstTokenMs: number;
	firstWrittenMs: number;
	lastWriteMs: number;
	gone: boolean;
};

const WORDS = [' the', ' draft', ' model', ' guesses', ' and', ' target', ' checks', ' tokens'];
const TAIL = '","logprobs":null,"finish_reason":null,"stop_reason":null}]}';
let created = Math.floor(Date.now() / 1000);
let nextId = 0;
function words(n: number): string {
	let text = '';
	for (let i = 0; i < n; i++) text += WORDS[(nextId + i) & 7];
	return text;
}

/** Arrivals are stamped with the start of the turn that read them (specsim's `Arrivals`). */
let turnMs: number | undefined;
const endTurn = () => (turnMs = undefined);
function readStamp(): number {
	if (turnMs === undefined) {
		turnMs = performance.now();
		setImmediate(endTurn);
	}
	return turnMs;
}

const waiting: Stream[] = [];
let running: Stream[] = [];
let records: TargetRecord[] = [];
const stepRows: Array<{lateness: number; write: number; total: number; chunks: number}> = [];
const runningLag: number[] = [];
const runningGap: number[] = [];

function writeChunk(s: Stream, data: string): void {
	s.socket.write(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`);
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
	const readMs = readStamp();
	if (req.method !== 'POST') {
		res.writeHead(404).end();
		return;
	}
	let body = '';
	req.setEncoding('utf8');
	req.on('data', (piece: string) => (body += piece));
	req.on('end', () => {
		const {max_tokens: maxTokens, user, model} = JSON.parse(body) as {max_tokens: number; user: string; model: string};
		res.writeHead(200, {
			'cache-control': 'no-cache',
			connection: 'keep-alive',
			'content-type': 'text/event-stream; charset=utf-8',
			'transfer-encoding': 'chunked',
		});
		res.flushHeaders();
		const s: Stream = {
			res,
			socket: res.socket!,
			tag: user,
			maxTokens,
			head: `data: {"id":"cmpl-${(nextId++).toString(16).padStart(32, '0')}","object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,"text":"`,
			readMs,
			submittedMs: performance.now(),
			tokens: 0,
			firstDueMs: Number.NaN,
			firstTokenMs: Number.NaN,
			firstWrittenMs: Number.NaN,
			lastWriteMs: Number.NaN,
			gone: false,
		};
		res.once('close', () => (s.gone = true));
		waiting.push(s);
		if (nextDeadlineMs === undefined) startStepping(readMs);
	});
});
server.listen({port: 0, host: '127.0.0.1', backlog: 2048});
await new Promise<void>(ok => server.once('listening', () => ok()));
const address = server.address();
if (address === null || typeof address === 'string') throw new Error('serve-floor: no port');

/**
 * The step loop. A step starts at a deadline with the streams running then (queued ones admitted
 * up to {@link MAX_RUNNING}, those read by then) and ends one step later, when its chunks are due.
 * Idle (nothing running or queued), it stops; the next request starts a step at its reading.
 */
let nextDeadlineMs: number | undefined;
let stepStreams: Stream[] = [];
function startStepping(atMs: number): void {
	admit(atMs);
	nextDeadlineMs = atMs + STEP_MS / speed;
	schedule();
}
function admit(atMs: number): void {
	let i = 0;
	while (running.length < MAX_RUNNING && i < waiting.length && waiting[i]!.readMs <= atMs) {
		const s = waiting[i++]!;
		if (!s.gone) running.push(s);
	}
	waiting.splice(0, i);
	stepStreams = running;
}
function schedule(): void {
	const waitMs = nextDeadlineMs! - performance.now();
	if (waitMs <= 1) setImmediate(tick);
	else setTimeout(tick, Math.max(1, Math.floor(waitMs - 1)));
}
function tick(): void {
	const deadlineMs = nextDeadlineMs!;
	const startMs = performance.now();
	if (startMs < deadlineMs) {
		schedule();
		return;
	}
	// The new streams' first chunks first, then the running ones' (those that end last, with ENDS_LAST).
	const streams = stepStreams;
	for (const s of streams) if (s.tokens === 0) release(s, deadlineMs, tokensThisStep());
	const ends: Array<[Stream, number]> = [];
	for (const s of streams) {
		if (s.firstDueMs === deadlineMs || s.gone) continue;
		const n = tokensThisStep();
		if (ENDS_LAST && s.tokens + n >= s.maxTokens) ends.push([s, n]);
		else release(s, deadlineMs, n);
	}
	for (const [s, n] of ends) release(s, deadlineMs, n);
	const endMs = performance.now();
	stepRows.push({lateness: startMs - deadlineMs, write: endMs - startMs, total: endMs - deadlineMs, chunks: streams.length});
	running = running.filter(s => !s.gone && s.tokens < s.maxTokens);
	// The next step starts at this one's end (virtual time), with what was read by then.
	admit(deadlineMs);
	if (running.length === 0 && waiting.length === 0) {
		nextDeadlineMs = undefined;
		return;
	}
	nextDeadlineMs = deadlineMs + STEP_MS / speed;
	schedule();
}
function release(s: Stream, deadlineMs: number, tokens: number): void {
	if (s.gone) return;
	const first = s.tokens === 0;
	const n = Math.min(tokens, s.maxTokens - s.tokens);
	s.tokens += n;
	if (first) {
		s.firstDueMs = deadlineMs;
		s.firstTokenMs = performance.now();
	}
	const chunk = `${s.head}${words(n)}${TAIL}\n\n`;
	if (s.tokens < s.maxTokens) writeChunk(s, chunk);
	else {
		s.res.end(`${chunk.replace('"finish_reason":null', '"finish_reason":"length"')}data: [DONE]\n\n`);
		s.gone = true;
	}
	const nowMs = performance.now();
	if (first) s.firstWrittenMs = nowMs;
	else {
		runningLag.push(nowMs - deadlineMs);
		runningGap.push(nowMs - s.lastWriteMs);
	}
	s.lastWriteMs = nowMs;
	if (s.tokens >= s.maxTokens)
		records.push({
			tag: s.tag,
			readMs: s.readMs,
			arrivalDueMs: s.readMs,
			submittedMs: s.submittedMs,
			firstTokenMs: s.firstTokenMs,
			firstDueMs: s.firstDueMs,
			firstWrittenMs: s.firstWrittenMs,
			finishedMs: nowMs,
			virtualTtftS: ((s.firstDueMs - s.readMs) * speed) / 1000,
			virtualE2eS: ((deadlineMs - s.readMs) * speed) / 1000,
			outputTokens: s.tokens,
		});
}
setInterval(() => (created = Math.floor(Date.now() / 1000)), 1000).unref();

const instruments = serverInstruments();

function stepTimings(): StepTimings {
	const zero = spreadOf(stepRows.map(() => 0));
	return {
		steps: stepRows.length,
		chunksPerStep: spreadOf(stepRows.map(r => r.chunks)),
		lateness: spreadOf(stepRows.map(r => r.lateness)),
		engine: zero,
		chunks: zero,
		next: zero,
		write: spreadOf(stepRows.map(r => r.write)),
		total: spreadOf(stepRows.map(r => r.total)),
		runningLag: spreadOf(runningLag),
		runningGap: spreadOf(runningGap),
		...instruments.steps(),
	};
}

process.on('message', (message: string) => {
	if (message === 'report') {
		const report: TargetMessage = {report: {records, ...instruments.report(), ...(stepRows.length === 0 ? {} : {steps: stepTimings()})}};
		records = [];
		stepRows.length = 0;
		runningLag.length = 0;
		runningGap.length = 0;
		instruments.reset();
		process.send!(report);
	} else if (message === 'stop') {
		instruments.stop();
		server.closeAllConnections();
		server.close(() => process.disconnect());
	}
});
process.send!({ready: true, baseUrl: `http://127.0.0.1:${address.port}`} satisfies TargetMessage);
