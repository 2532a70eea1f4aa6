/**
 * Load benchmark of `specsim serve` (issue 12 §5). The server runs in a child process pinned to one
 * core (`taskset -c 1` when available); the load comes from this process.
 *
 * 1. Throughput: autocannon against `POST /v1/completions` (`max_tokens: 16, ignore_eos: true`,
 *    non-streaming) at `--speed max`: completed requests per second and autocannon's latency.
 * 2. Added latency at `--speed max`: a closed loop of clients, each request tagged (`user`) so the
 *    server's record of it can be matched. Added latency = what the client measured minus the
 *    wall time the request spent inside the simulated engine (submitted → finished on the server's
 *    clock): HTTP parsing, validation, tokenizing, JSON, the socket, and waiting for the event loop.
 * 3. Streaming at `--speed 1` (when `serve` streams): 1,000 concurrent streaming clients; the
 *    server's RSS and event-loop delay, and the added TTFT: client TTFT minus the simulated TTFT at
 *    speed 1, split into pacing (the runner releasing the token after its virtual time) and HTTP.
 */
import {type ChildProcess, fork, spawnSync} from 'node:child_process';
import {Agent, request} from 'node:http';
import {resolve} from 'node:path';
import autocannon from 'autocannon';
import type {BenchResult} from './harness.js';
import {BENCH_MODEL, type TargetMessage, type TargetRecord, type TargetReport} from './serve-protocol.js';

const TARGET = resolve(import.meta.dirname, 'serve-target.ts');

type Target = {child: ChildProcess; baseUrl: string; report(): Promise<TargetReport>; stop(): Promise<void>};

/** Start the server child at `speed`, pinned to CPU 1 when `taskset` exists. */
async function startTarget(speed: string): Promise<Target> {
	const pin = spawnSync('taskset', ['-c', '1', 'true']).status === 0;
	const child = fork(TARGET, [speed], {
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		...(pin ? {execPath: 'taskset', execArgv: ['-c', '1', process.execPath, '--import', 'tsx']} : {}),
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

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
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
function matched(client: ReadonlyMap<string, ClientTiming>, records: readonly TargetRecord[]): Array<{c: ClientTiming; s: TargetRecord}> {
	const out: Array<{c: ClientTiming; s: TargetRecord}> = [];
	for (const s of records) {
		const c = client.get(s.tag);
		if (c !== undefined) out.push({c, s});
	}
	if (out.length !== client.size) throw new Error(`serve bench: ${client.size} requests sent, ${out.length} matched with the server's records`);
	return out;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/** Phase 1 and 2: non-streaming at --speed max. */
async function benchMaxSpeed(): Promise<BenchResult[]> {
	const target = await startTarget('max');
	try {
		const url = `${target.baseUrl}/v1/completions`;
		const body = JSON.stringify({model: BENCH_MODEL, prompt: 'Write a haiku about speculative decoding.', max_tokens: 16, ignore_eos: true});
		const cannon = (durationS: number) =>
			autocannon({url, method: 'POST', headers: {'content-type': 'application/json'}, body, connections: 64, duration: durationS});
		await cannon(2); // warm up: JIT, the tokenizer's caches
		const run = await cannon(10);
		if (run.non2xx > 0 || run.errors > 0) throw new Error(`serve bench: ${run.non2xx} non-2xx responses, ${run.errors} errors`);
		await target.report(); // drop the records and loop delay of the throughput run

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

/** Phase 3: 1,000 concurrent streaming clients at --speed 1. */
async function benchStreams(): Promise<BenchResult[]> {
	const target = await startTarget('1');
	try {
		if (!(await streams(target.baseUrl)))
			return [{name: 'serve --speed 1: 1,000 concurrent streams', value: Number.NaN, unit: '', note: 'not measured: serve does not stream yet'}];
		await target.report();
		const agent = new Agent({keepAlive: true, maxSockets: 1000});
		const url = `${target.baseUrl}/v1/completions`;
		const timings = new Map<string, ClientTiming>();
		const failed: string[] = [];
		// Each client streams 256-token outputs back to back for 20 wall seconds.
		const endAt = performance.now() + 20_000;
		let n = 0;
		const client = async () => {
			while (performance.now() < endAt) {
				const tag = `bench-${n++}`;
				const t = await post(agent, url, completion(tag, 256, true));
				if (t.status === 200) timings.set(tag, t);
				else failed.push(t.error ?? `HTTP ${t.status}`);
			}
		};
		await Promise.all(Array.from({length: 1000}, client));
		agent.destroy();
		const report = await target.report();
		// A failed stream's engine request is aborted: only the streams that completed are matched.
		const pairs = matched(timings, report.records);
		const failures = failed.length === 0 ? '' : `; ${failed.length} streams failed (${[...new Set(failed)].join(', ')})`;
		// Client TTFT minus the simulated TTFT at speed 1 (virtual seconds are wall seconds).
		const added = sortedOf(pairs.map(({c, s}) => c.firstMs - c.startMs - s.virtualTtftS * 1000));
		// Of which HTTP: client TTFT minus the server's submitted → first-token wall time.
		const http = sortedOf(pairs.map(({c, s}) => c.firstMs - c.startMs - (s.firstTokenMs - s.submittedMs)));
		return [
			{
				name: 'serve --speed 1, 1,000 concurrent streams (256 tokens each): added TTFT p99 over the simulated TTFT',
				value: percentile(added, 99),
				unit: 'ms',
				note: `p50 ${fmt(percentile(added, 50))}; of which HTTP p50 ${fmt(percentile(http, 50))}, p99 ${fmt(percentile(http, 99))}; ${pairs.length} streams${failures}`,
			},
			{
				name: 'serve --speed 1, 1,000 concurrent streams: server event-loop delay p99',
				value: report.loopDelayMs.p99,
				unit: 'ms',
				note: `p50 ${fmt(report.loopDelayMs.p50)}, max ${fmt(report.loopDelayMs.max)} (monitorEventLoopDelay, 10 ms resolution)`,
			},
			{
				name: 'serve --speed 1, 1,000 concurrent streams: server RSS',
				value: report.peakRssBytes / 2 ** 20,
				unit: 'MiB peak',
				note: `${(report.rssBytes / 2 ** 20).toFixed(1)} MiB at the end`,
			},
		];
	} finally {
		await target.stop();
	}
}

/** `npm run bench serve`. */
export async function benchServe(): Promise<BenchResult[]> {
	return [...(await benchMaxSpeed()), ...(await benchStreams())];
}
