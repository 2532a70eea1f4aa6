/**
 * The serve engine's step path in one process, no sockets: N streams (`/v1/completions`, text,
 * `ignore_eos`, varied lengths) driven by the simulated engine step by step as fast as it runs,
 * their frames written to fake sockets that only count bytes. Reports per step: the time from the
 * step's completion starting to its first new stream's frame written, to its last frame written,
 * and the bytes allocated per chunk (with `--max-semi-space-size=256 --expose-gc` nothing is
 * collected while counting).
 *
 *     node --expose-gc --max-semi-space-size=256 --import tsx test/bench/serve-step.ts [ROOT] [STEPS] [STREAMS]
 *
 * ROOT is the checkout whose src/ to load (default this one), so two checkouts compare under the
 * same harness.
 */
import {EventEmitter} from 'node:events';
import {resolve} from 'node:path';
import {writeFileSync} from 'node:fs';
import {Session as Inspector} from 'node:inspector';
import {createRng} from '../../src/rng/rng.js';

const root = resolve(process.argv[2] ?? resolve(import.meta.dirname, '../..'));
const steps = Number(process.argv[3] ?? 400);
const streams = Number(process.argv[4] ?? 1000);
/** SERVE_STEP_HEAP_PROF=FILE: a sampling heap profile of the measured steps (every allocation, collected or not). */
const heapProf = process.env['SERVE_STEP_HEAP_PROF'];
const inspector = new Inspector();
inspector.connect();
const post = (method: string, params?: object) =>
	new Promise<unknown>((ok, fail) => inspector.post(method, params ?? {}, (error, result) => (error ? fail(error) : ok(result))));
const imp = (p: string) => import(resolve(root, p));
const {resolveSimConfig} = await imp('src/cli/sim-options.ts');
const {DEFAULT_PRESET} = await imp('src/config/load.ts');
const {Session} = await imp('src/runtime/session.ts');
const {ServeEngine} = await imp('src/server/serve-engine.ts');
const {flushFirstFrames} = await imp('src/server/sse-writer.ts');
const {streamChoices} = await imp('src/server/openai-stream.ts');
const {completionChunks} = await imp('src/server/openai-chunks.ts');

const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '0'});
const session = new Session(resolved.config, {
	seed: resolved.seed,
	speed: 'max',
	waitWhenIdle: true,
	traceLines: [],
	server: {readProcess: () => undefined},
});
const simulation = session.built.simulation;
const stepEngine = session.built.engines[0]!;
const engine = new ServeEngine(session, {afterFirstTokens: flushFirstFrames});

let bytes = 0;
let writes = 0;
let firstWriteMs = Number.NaN;
let lastWriteMs = Number.NaN;
let ended: FakeRes[] = [];

class FakeSocket extends EventEmitter {
	writable = true;
	destroyed = false;
	_httpMessage: FakeRes | undefined;
	write(data: string): boolean {
		bytes += data.length;
		writes += 1;
		const now = performance.now();
		if (this._httpMessage!.fresh) {
			this._httpMessage!.fresh = false;
			if (Number.isNaN(firstWriteMs)) firstWriteMs = now;
		}
		lastWriteMs = now;
		return true;
	}
}
class FakeRes extends EventEmitter {
	chunkedEncoding = true;
	headersSent = false;
	writableEnded = false;
	writableFinished = false;
	destroyed = false;
	fresh = true;
	socket = new FakeSocket();
	constructor() {
		super();
		this.socket._httpMessage = this;
	}
	writeHead(): this {
		this.headersSent = true;
		return this;
	}
	flushHeaders(): void {}
	write(data: string): boolean {
		return this.socket.write(data);
	}
	end(data: string): void {
		if (data) this.socket.write(data);
		this.writableEnded = true;
		this.writableFinished = true;
		ended.push(this);
	}
}

let tag = 0;
function startStream(): void {
	const t = tag++;
	const maxTokens = 128 + Math.floor(createRng('serve-bench-lengths').fork(`bench-${t}`).next() * 257);
	const res = new FakeRes();
	const c = {env: {outgoing: res}, get: () => undefined};
	const header = {id: `cmpl-${t.toString(16)}`, created: 1767225600, model: 'bench/model'};
	streamChoices(
		c as never,
		engine,
		[
			{
				index: 0,
				promptTokens: 20,
				includeStopStr: false,
				params: {promptTokens: 20, maxTokens, minTokens: 0, ignoreEos: true, stop: [], temperature: 1, key: `completion:${t}:0#0`},
			},
		],
		20,
		completionChunks(header, {}),
		{includeUsage: false, continuous: false},
		() => undefined,
	);
}

for (let i = 0; i < streams; i++) startStream();
// Warm up: past the opening wave's prefills.
const warm = Math.min(200, steps);
const rows: Array<{first: number; last: number; chunks: number; alloc: number}> = [];
const gc = (globalThis as {gc?: () => void}).gc;
for (let s = 0; s < warm + steps; s++) {
	// Closed loop: every ended stream is followed by a new one, outside the step.
	for (const _ of ended) startStream();
	ended = [];
	if (s === warm) {
		gc?.();
		if (heapProf !== undefined)
			await post('HeapProfiler.startSampling', {
				samplingInterval: 32,
				includeObjectsCollectedByMajorGC: true,
				includeObjectsCollectedByMinorGC: true,
			});
	}
	const writesBefore = writes;
	firstWriteMs = Number.NaN;
	const heapBefore = process.memoryUsage().heapUsed;
	const t0 = performance.now();
	simulation.runUntil(stepEngine.stepEndAt);
	// The turn's flush (a microtask queued during the step).
	await null;
	const heapAfter = process.memoryUsage().heapUsed;
	if (s >= warm) rows.push({first: firstWriteMs - t0, last: lastWriteMs - t0, chunks: writes - writesBefore, alloc: heapAfter - heapBefore});
}
if (heapProf !== undefined) {
	const {profile} = (await post('HeapProfiler.stopSampling')) as {profile: unknown};
	writeFileSync(heapProf, JSON.stringify(profile));
}
const sorted = (xs: number[]) => xs.filter(x => !Number.isNaN(x)).sort((a, b) => a - b);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const first = sorted(rows.map(r => r.first));
const last = sorted(rows.map(r => r.last));
const chunks = rows.reduce((a, r) => a + r.chunks, 0);
const alloc = rows.reduce((a, r) => a + r.alloc, 0);
console.log(
	JSON.stringify({
		root,
		steps: rows.length,
		chunksPerStep: +(chunks / rows.length).toFixed(1),
		firstFrameMs: {p50: +pct(first, 50).toFixed(3), p90: +pct(first, 90).toFixed(3), n: first.length},
		lastFrameMs: {p50: +pct(last, 50).toFixed(3), p90: +pct(last, 90).toFixed(3)},
		bytesPerChunk: Math.round(alloc / chunks),
		bytesPerStep: Math.round(alloc / rows.length),
		// What the sockets were given (UTF-16 code units, the frames being ASCII: bytes on the wire).
		wirePerChunk: Math.round(bytes / writes),
	}),
);
