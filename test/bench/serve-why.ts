/**
 * Why the worst steady-state requests of a 1,000-stream run waited, from the files `serve-ab.ts`
 * keeps (`SERVE_AB_DUMP=DIR`, and `SERVE_BENCH_CPU_PROF=DIR` for the server's profile):
 *
 *     node --import tsx test/bench/serve-why.ts DUMP.json [SERVER.cpuprofile]
 *
 * For the worst 2% of requests by each part of the added time (request written → read by the
 * server, "send"; first token due → written, "release"), prints the part's p99, the share of those
 * waits a GC pause covered, and (send) when in the step's cycle the requests were written: the
 * time since the latest step deadline, taken from every stream's first-token due time. With the
 * server's CPU profile (its timestamps are on the same monotonic clock as the dump's), it also
 * sums what the server's thread was sampled doing inside the worst sends' waits, by the outer
 * frames of each sample's stack.
 */
import {readFileSync} from 'node:fs';

type DumpStream = {
	readonly opening: boolean;
	/** Begun during the run's warm-up, before the measured window (absent from older dumps). */
	readonly warmup?: boolean;
	readonly startMs: number;
	readonly readMs: number;
	readonly firstDueMs: number;
	readonly firstWrittenMs: number;
	readonly addedMs: number;
};
type Dump = {readonly streams: readonly DumpStream[]; readonly gcPauses: ReadonlyArray<readonly [number, number]>};
type ProfileNode = {
	readonly id: number;
	readonly callFrame: {readonly functionName: string; readonly url: string; readonly lineNumber: number};
	readonly children?: readonly number[];
};
type Profile = {
	readonly nodes: readonly ProfileNode[];
	readonly startTime: number;
	readonly samples: readonly number[];
	readonly timeDeltas: readonly number[];
};

const [dumpPath, profilePath] = process.argv.slice(2);
if (dumpPath === undefined) {
	process.stderr.write('usage: serve-why.ts DUMP.json [SERVER.cpuprofile]\n');
	process.exit(2);
}
const dump = JSON.parse(readFileSync(dumpPath, 'utf8')) as Dump;
const steady = dump.streams.filter(s => !s.opening && s.warmup !== true && Number.isFinite(s.addedMs));

/** Milliseconds of GC pauses inside [fromMs, toMs]. */
function gcWithin(fromMs: number, toMs: number): number {
	let ms = 0;
	for (const [at, duration] of dump.gcPauses) ms += Math.max(0, Math.min(at + duration, toMs) - Math.max(at, fromMs));
	return ms;
}

const deadlines = [...new Set(dump.streams.map(s => s.firstDueMs).filter(ms => Number.isFinite(ms)))].sort((a, b) => a - b);
/** Milliseconds since the latest step deadline at or before `ms`. */
function sinceDeadline(ms: number): number {
	let lo = 0;
	let hi = deadlines.length - 1;
	if (hi < 0 || ms < deadlines[0]!) return Number.NaN;
	while (lo < hi) {
		const mid = (lo + hi + 1) >> 1;
		if (deadlines[mid]! <= ms) lo = mid;
		else hi = mid - 1;
	}
	return ms - deadlines[lo]!;
}

const fmt = (ms: number): string => ms.toFixed(2);
const worstOf = (key: (s: DumpStream) => number): DumpStream[] => {
	const sorted = [...steady].sort((a, b) => key(a) - key(b));
	return sorted.slice(Math.floor(0.98 * sorted.length));
};
const send = (s: DumpStream): number => s.readMs - s.startMs;
const release = (s: DumpStream): number => s.firstWrittenMs - s.firstDueMs;

for (const [name, part, from, to] of [
	['send', send, (s: DumpStream) => s.startMs, (s: DumpStream) => s.readMs],
	['release', release, (s: DumpStream) => s.firstDueMs, (s: DumpStream) => s.firstWrittenMs],
] as const) {
	const sorted = steady.map(part).sort((a, b) => a - b);
	const worst = worstOf(part);
	const total = worst.reduce((sum, s) => sum + part(s), 0);
	const gc = worst.reduce((sum, s) => sum + gcWithin(from(s), to(s)), 0);
	console.log(
		`${name}: p99 ${fmt(sorted[Math.floor(0.99 * sorted.length)]!)} ms; worst ${worst.length}: mean ${fmt(total / worst.length)} ms, GC ${fmt(gc / total)} of it`,
	);
}
const worstSends = worstOf(send);
console.log(
	`worst sends (wait @ written ms after the step deadline): ${worstSends.map(s => `${send(s).toFixed(1)}@${sinceDeadline(s.startMs).toFixed(1)}`).join(' ')}`,
);

if (profilePath !== undefined) {
	const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as Profile;
	const nodes = new Map(profile.nodes.map(n => [n.id, n]));
	const parents = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
	const frame = (id: number): string => {
		const {functionName, url, lineNumber} = nodes.get(id)!.callFrame;
		return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
	};
	const byStack = new Map<string, number>();
	let sampledMs = 0;
	let atUs = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		atUs += profile.timeDeltas[i]!;
		const atMs = atUs / 1000;
		if (!worstSends.some(s => s.startMs <= atMs && atMs <= s.readMs)) continue;
		const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
		const stack: string[] = [];
		for (let id: number | undefined = profile.samples[i]!; id !== undefined; id = parents.get(id)) stack.push(frame(id));
		const key = stack.reverse().slice(1, 7).join(' > ');
		byStack.set(key, (byStack.get(key) ?? 0) + ms);
		sampledMs += ms;
	}
	console.log(`the server's thread inside the worst sends' waits: ${fmt(sampledMs)} ms sampled`);
	for (const [stack, ms] of [...byStack].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${fmt(ms).padStart(8)}  ${stack}`);
}
