/**
 * A/B of the 1,000-stream phase of the serve benchmark between two checkouts, interleaved
 * (A, B, A, B, ...) so that load from elsewhere on the machine hits both alike:
 *
 *     node --import tsx test/bench/serve-ab.ts A_DIR B_DIR [ROUNDS] [SECONDS] [CLIENTS]
 *
 * Each run forks `DIR/test/bench/serve-target.ts` (its server code, compiled) under this checkout's clients
 * and measure. Prints one line per run and the median over rounds of each figure, B over A.
 * `SERVE_BENCH_CPU_PROF=DIR` writes the server's CPU profiles (node --cpu-prof) into DIR.
 * `SERVE_AB_PHASE=max` compares the non-streaming throughput run instead (SECONDS of autocannon).
 * `SERVE_AB_SHAPE=lockstep` streams equal lengths (the worst case) instead of varied ones (see
 * {@link StreamShape}). `SERVE_AB_CLIENT_PROCESSES=N` spreads the clients over N processes
 * (default 1, as the bench; `SERVE_AB_A_CLIENT_PROCESSES` / `SERVE_AB_B_CLIENT_PROCESSES`, one side's). `SERVE_AB_A_NODE_FLAGS` / `SERVE_AB_B_NODE_FLAGS` (space-separated) give one side's
 * server extra node flags (e.g. `--max-semi-space-size=4` against the same checkout).
 * `SERVE_AB_PIN=main-thread` (or `SERVE_AB_A_PIN` / `SERVE_AB_B_PIN`, one side's) pins only the
 * server's main thread to its core, V8's helper threads beside the clients (see `TargetOptions.pin`).
 * Each side's target is compiled against that checkout's `dist/` (`npm run build` there first; see
 * serve-compile.ts); `SERVE_AB_TSX=1` (or `SERVE_AB_A_TSX` / `SERVE_AB_B_TSX`) runs it through tsx.
 * `SERVE_AB_A_TARGET` / `SERVE_AB_B_TARGET` name another server child in that side's checkout
 * (`test/bench/serve-floor.ts`: the minimal server, the floor); `SERVE_AB_A_ENV` / `SERVE_AB_B_ENV`
 * (space-separated `NAME=VALUE`) add to that side's server's environment. `SERVE_AB_CLIENT=http`
 * (or `SERVE_AB_A_CLIENT` / `SERVE_AB_B_CLIENT`, one side's) reads the streams with `http.request`
 * instead of the bench's default raw TCP connections (see `BenchClient` in serve-protocol.ts).
 * Each streaming run measures SECONDS after `SERVE_AB_WARMUP_S` of the same load (default the
 * bench's, 20; 0 measures from the server's start) and reports the warm-up window's p99 beside.
 * A streaming run during which the hypervisor stole more than `SERVE_AB_MAX_STEAL_MS` of CPU
 * (default the bench's, 250; over the machine's cores, `/proc/stat`) is printed, marked disturbed,
 * and run again, up to `SERVE_AB_ATTEMPTS` runs in all (default 4); the last one is kept either
 * way, and the summary counts the runs discarded (see `measureQuietStreams`).
 * `SERVE_AB_DUMP=DIR` writes each run's streams (their times on the machine's monotonic clock) and
 * the server's GC pauses into DIR, `A-0.json` and so on. Against a checkout whose target
 * predates them, the per-step and per-part figures read NaN.
 */
import {mkdirSync, readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {
	DEFAULT_CLIENT,
	DEFAULT_CLIENT_PROCESSES,
	BENCH_WARMUP_S,
	MAX_STEAL_MS,
	measureQuietStreams,
	measureThroughput,
	percentile,
	pinClients,
	type StreamsMeasure,
} from './serve.bench.js';
import type {StreamShape} from './serve-shape.js';

const [aDir, bDir, roundsArg, secondsArg, clientsArg] = process.argv.slice(2);
if (aDir === undefined || bDir === undefined) {
	process.stderr.write('usage: serve-ab.ts A_DIR B_DIR [ROUNDS] [SECONDS] [CLIENTS]\n');
	process.exit(2);
}
const rounds = Number(roundsArg ?? 2);
const durationS = Number(secondsArg ?? 20);
const warmupS = Number(process.env['SERVE_AB_WARMUP_S'] ?? BENCH_WARMUP_S);
const clients = Number(clientsArg ?? 1000);
const profDir = process.env['SERVE_BENCH_CPU_PROF'];
const dumpDir = process.env['SERVE_AB_DUMP'];
if (dumpDir !== undefined) mkdirSync(dumpDir, {recursive: true});
const shapeArg = process.env['SERVE_AB_SHAPE'] ?? 'varied';
if (shapeArg !== 'varied' && shapeArg !== 'lockstep') {
	process.stderr.write(`SERVE_AB_SHAPE: expected varied or lockstep, got ${shapeArg}\n`);
	process.exit(2);
}
const shape: StreamShape = shapeArg;
const clientProcesses = Number(process.env['SERVE_AB_CLIENT_PROCESSES'] ?? DEFAULT_CLIENT_PROCESSES);
const maxStealMs = Number(process.env['SERVE_AB_MAX_STEAL_MS'] ?? MAX_STEAL_MS);
const attempts = Number(process.env['SERVE_AB_ATTEMPTS'] ?? 4);
if (!(maxStealMs >= 0) || !Number.isInteger(attempts) || attempts < 1) {
	process.stderr.write('SERVE_AB_MAX_STEAL_MS: expected a number >= 0; SERVE_AB_ATTEMPTS: an integer >= 1\n');
	process.exit(2);
}
/** Runs thrown away for the host's steal, by side. */
const disturbed = {A: 0, B: 0};

/** The figures compared, by name. */
function figures(m: StreamsMeasure): Record<string, number> {
	return {
		'steady added p50 ms': percentile(m.steady.added, 50),
		'warm-up added p99 ms': percentile(m.cold.added, 99),
		'steady added p99 ms': percentile(m.steady.added, 99),
		'steady http p99 ms': percentile(m.steady.http, 99),
		'opening added p50 ms': percentile(m.opening.added, 50),
		'opening added p99 ms': percentile(m.opening.added, 99),
		'opening added max ms': m.opening.added.at(-1) ?? Number.NaN,
		'opening admission ms': m.openingAdmissionMs,
		'server CPU ms/stream': m.server.cpuMs / m.streams,
		'server loop p99 ms': m.server.loopDelayMs.p99,
		'server loop max ms': m.server.loopDelayMs.max,
		'server peak RSS MiB': m.server.peakRssBytes / 2 ** 20,
		'client loop p99 ms': m.clientLoopDelayMs.p99,
		'client CPU ms/stream': m.clientCpuMs / m.streams,
		'steal ms': m.stealMs,
		'part send p50 ms': percentile(m.steady.parts.send, 50),
		'part send p99 ms': percentile(m.steady.parts.send, 99),
		'part arrival p99 ms': percentile(m.steady.parts.arrival, 99),
		'part release p50 ms': percentile(m.steady.parts.release, 50),
		'part release p99 ms': percentile(m.steady.parts.release, 99),
		'part receive p50 ms': percentile(m.steady.parts.receive, 50),
		'part receive p99 ms': percentile(m.steady.parts.receive, 99),
		'step total p50 ms': m.server.steps?.total.p50 ?? Number.NaN,
		'step total p99 ms': m.server.steps?.total.p99 ?? Number.NaN,
		'step lateness p50 ms': m.server.steps?.lateness.p50 ?? Number.NaN,
		'step write p50 ms': m.server.steps?.write.p50 ?? Number.NaN,
		'step write p99 ms': m.server.steps?.write.p99 ?? Number.NaN,
		'step lateness p99 ms': m.server.steps?.lateness.p99 ?? Number.NaN,
		'running lag p50 ms': m.server.steps?.runningLag?.p50 ?? Number.NaN,
		'running lag p99 ms': m.server.steps?.runningLag?.p99 ?? Number.NaN,
		'running gap p50 ms': m.server.steps?.runningGap?.p50 ?? Number.NaN,
		'running gap p99 ms': m.server.steps?.runningGap?.p99 ?? Number.NaN,
		'server CPU s/s p50': m.server.steps?.utilisation?.p50 ?? Number.NaN,
		'server CPU s/s max': m.server.steps?.utilisation?.max ?? Number.NaN,
		'server GC ms': m.server.steps?.gc.totalMs ?? Number.NaN,
		'opening steps': m.server.openingSteps?.steps ?? Number.NaN,
		'opening step total p99': m.server.openingSteps?.total.p99 ?? Number.NaN,
		'opening lateness p99 ms': m.server.openingSteps?.lateness.p99 ?? Number.NaN,
		'steady steps': m.server.steps?.steps ?? Number.NaN,
		'steady late steps': m.server.steps?.lateCauses?.late ?? Number.NaN,
		'late: GC share': (m.server.steps?.lateCauses?.gcMs ?? Number.NaN) / (m.server.steps?.lateCauses?.latenessMs ?? Number.NaN),
		'late: requests share': (m.server.steps?.lateCauses?.requestMs ?? Number.NaN) / (m.server.steps?.lateCauses?.latenessMs ?? Number.NaN),
		'late: with GC': m.server.steps?.lateCauses?.withGc ?? Number.NaN,
		'late: with requests': m.server.steps?.lateCauses?.withRequests ?? Number.NaN,
		streams: m.streams,
		failed: m.failed.length,
	};
}

/**
 * The kernel's count of connections dropped because a listen queue was full (Linux
 * `/proc/net/netstat`, TcpExt ListenOverflows; machine-wide), or NaN where there is none.
 */
function listenOverflows(): number {
	try {
		const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
		for (let i = 0; i + 1 < lines.length; i += 2) {
			if (!lines[i]!.startsWith('TcpExt:')) continue;
			const names = lines[i]!.split(' ');
			const values = lines[i + 1]!.split(' ');
			return Number(values[names.indexOf('ListenOverflows')]);
		}
	} catch {}
	return Number.NaN;
}

const runs: Record<'A' | 'B', Array<Record<string, number>>> = {A: [], B: []};
await pinClients(async () => {
	for (let round = 0; round < rounds; round++) {
		for (const [label, dir] of [
			['A', aDir],
			['B', bDir],
		] as const) {
			const sideFlags = (process.env[`SERVE_AB_${label}_NODE_FLAGS`] ?? '').split(' ').filter(f => f !== '');
			const profFlags = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${label}-${round}.cpuprofile`];
			const sideEnv = Object.fromEntries(
				(process.env[`SERVE_AB_${label}_ENV`] ?? '')
					.split(' ')
					.filter(kv => kv.includes('='))
					.map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
			);
			const pin = process.env[`SERVE_AB_${label}_PIN`] ?? process.env['SERVE_AB_PIN'] ?? 'process';
			if (pin !== 'process' && pin !== 'main-thread') throw new Error(`SERVE_AB_${label}_PIN: expected process or main-thread, got ${pin}`);
			const tsx = (process.env[`SERVE_AB_${label}_TSX`] ?? process.env['SERVE_AB_TSX']) === '1';
			const nodeFlags = {nodeFlags: [...sideFlags, ...profFlags], env: sideEnv, pin, tsx} as const;
			const targetPath = resolve(dir, process.env[`SERVE_AB_${label}_TARGET`] ?? 'test/bench/serve-target.ts');
			if (process.env['SERVE_AB_PHASE'] === 'max') {
				const t = await measureThroughput({targetPath, durationS, ...nodeFlags});
				const f = {'requests/s': t.requestsPerS, 'server CPU µs/request': t.cpuMsPerRequest * 1000};
				runs[label].push(f);
				process.stdout.write(
					`${label} round ${round}: ${Object.entries(f)
						.map(([k, v]) => `${k} ${v.toFixed(2)}`)
						.join(', ')}\n`,
				);
				continue;
			}
			const overflowsBefore = listenOverflows();
			const client = process.env[`SERVE_AB_${label}_CLIENT`] ?? process.env['SERVE_AB_CLIENT'] ?? DEFAULT_CLIENT;
			if (client !== 'http' && client !== 'net') throw new Error(`SERVE_AB_${label}_CLIENT: expected http or net, got ${client}`);
			const run = await measureQuietStreams(
				{
					targetPath,
					client,
					clients,
					durationS,
					warmupS,
					shape,
					clientProcesses: Number(process.env[`SERVE_AB_${label}_CLIENT_PROCESSES`] ?? clientProcesses),
					...(dumpDir === undefined ? {} : {dumpPath: resolve(dumpDir, `${label}-${round}.json`)}),
					...nodeFlags,
				},
				{
					maxStealMs,
					attempts,
					onDiscard: d =>
						process.stdout.write(
							`${label} round ${round}: disturbed (steal ${d.stealMs.toFixed(0)} ms > ${maxStealMs}; added p99 ${percentile(d.steady.added, 99).toFixed(2)} ms), again\n`,
						),
				},
			);
			if (run === undefined) throw new Error(`${label}: serve does not stream`);
			disturbed[label] += run.discarded.length;
			const {m} = run;
			const f = {...figures(m), 'listen overflows': listenOverflows() - overflowsBefore};
			runs[label].push(f);
			process.stdout.write(
				`${label} round ${round}: ${Object.entries(f)
					.map(([k, v]) => `${k} ${v.toFixed(2)}`)
					.join(', ')}\n`,
			);
		}
	}
});
const median = (values: number[]): number => {
	const s = [...values].sort((x, y) => x - y);
	return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
process.stdout.write(
	`\nmedian over ${rounds} rounds (${clients} clients in ${clientProcesses} process(es), ${durationS} s each after ${warmupS} s of warm-up, ${shape} lengths; runs discarded for steal above ${maxStealMs} ms: A ${disturbed.A}, B ${disturbed.B}):\n`,
);
for (const name of Object.keys(runs.A[0]!)) {
	const a = median(runs.A.map(r => r[name]!));
	const b = median(runs.B.map(r => r[name]!));
	process.stdout.write(`${name.padEnd(24)} A ${a.toFixed(2).padStart(9)}  B ${b.toFixed(2).padStart(9)}  B/A ${(b / a).toFixed(2)}\n`);
}
