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
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {parseSpeed, resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import type {SimRequest} from '../../src/engine/request.js';
import {Session} from '../../src/runtime/session.js';
import {startOpenAiServer} from '../../src/server/openai-server.js';
import {BENCH_MODEL, type TargetMessage, type TargetRecord} from './serve-protocol.js';

/** The `user` field the bench clients send, as it appears in the JSON the serve engine keys requests by. */
const TAG = /"user":"(bench-[0-9]+)"/;

const speed = parseSpeed(process.argv[2] ?? 'max');
const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '0'});
const session = new Session(resolved.config, {seed: resolved.seed, speed, traceLines: []});
const server = await startOpenAiServer(session, {port: 0, servedModelNames: [BENCH_MODEL], modelPath: BENCH_MODEL});

type Tracked = {tag: string; submittedMs: number; firstTokenMs: number};
const tracked = new Map<SimRequest, Tracked>();
let records: TargetRecord[] = [];

// Tag each engine request with its HTTP request: startAll() submits synchronously (start() and
// generate() call it) through simulation.submitAll().
const simulation = session.built.simulation;
const submitAll = simulation.submitAll.bind(simulation);
const startAll = server.engine.startAll.bind(server.engine);
let tag: string | undefined;
simulation.submitAll = specs => {
	const requests = submitAll(specs);
	if (tag !== undefined) for (const request of requests) tracked.set(request, {tag, submittedMs: performance.now(), firstTokenMs: Number.NaN});
	return requests;
};
server.engine.startAll = (paramsList, listener, arrival) => {
	tag = TAG.exec(paramsList[0]?.key ?? '')?.[1];
	try {
		return startAll(paramsList, listener, arrival);
	} finally {
		tag = undefined;
	}
};
session.subscribe({
	onStep: outcome => {
		const now = performance.now();
		for (let i = 0; i < outcome.numTokenRequests; i++) {
			const t = tracked.get(outcome.tokenRequests[i]!);
			if (t !== undefined && Number.isNaN(t.firstTokenMs)) t.firstTokenMs = now;
		}
		for (const request of outcome.finished) {
			const t = tracked.get(request);
			if (t === undefined) continue;
			tracked.delete(request);
			records.push({
				tag: t.tag,
				submittedMs: t.submittedMs,
				firstTokenMs: t.firstTokenMs,
				finishedMs: now,
				virtualTtftS: request.firstTokenAt - request.arrivalAt,
				virtualE2eS: request.finishedAt - request.arrivalAt,
				outputTokens: request.numOutputTokens,
			});
		}
	},
});

const loop = monitorEventLoopDelay({resolution: 10});
loop.enable();
let peakRssBytes = process.memoryUsage().rss;
let cpuSince = process.cpuUsage();
const rssTimer = setInterval(() => {
	peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
}, 100);
const done = session.runner.run();

function cpuMsSince(since: NodeJS.CpuUsage): number {
	const used = process.cpuUsage(since);
	return (used.user + used.system) / 1000;
}

process.on('message', async (message: string) => {
	if (message === 'report') {
		const report: TargetMessage = {
			report: {
				records,
				rssBytes: process.memoryUsage().rss,
				peakRssBytes,
				loopDelayMs: {p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6},
				cpuMs: cpuMsSince(cpuSince),
			},
		};
		cpuSince = process.cpuUsage();
		records = [];
		loop.reset();
		peakRssBytes = process.memoryUsage().rss;
		process.send!(report);
	} else if (message === 'stop') {
		clearInterval(rssTimer);
		loop.disable();
		await server.close();
		session.runner.stop();
		await done;
		process.disconnect();
	}
});
process.send!({ready: true, baseUrl: server.baseUrl} satisfies TargetMessage);
