import type {StreamShape} from './serve-shape.js';

/** What the serve benchmark and its server child ({@link ./serve-target.ts}) say to each other over IPC. */

/** The model name the benchmark's server answers to. */
export const BENCH_MODEL = 'bench/model';

/** One engine request the server finished, with its wall times on the server's clock (ms, `performance.now`). */
export type TargetRecord = {
	/** The client's `user` field: `bench-N`. */
	readonly tag: string;
	/**
	 * When the request was read (the start of the turn of the server's event loop that read it, as
	 * the server stamps arrivals), and when its simulated arrival was due on the wall clock at
	 * `--speed` (NaN at max speed, or from a target older than these fields).
	 */
	readonly readMs?: number;
	readonly arrivalDueMs?: number;
	readonly submittedMs: number;
	readonly firstTokenMs: number;
	/**
	 * When the step that gave the first token was due on the wall clock, and when the stream's
	 * first text was handed to the kernel (for clients that name their request in an
	 * `x-bench-tag` header).
	 */
	readonly firstDueMs?: number;
	readonly firstWrittenMs?: number;
	readonly finishedMs: number;
	/** Simulated TTFT and end-to-end latency, virtual seconds from arrival. */
	readonly virtualTtftS: number;
	readonly virtualE2eS: number;
	readonly outputTokens: number;
};

/** p50, p99 and max of one per-step duration, milliseconds. */
export type Spread = {readonly p50: number; readonly p99: number; readonly max: number};

/**
 * Where the time goes between an engine step's wall deadline (its virtual end time at `--speed`)
 * and the last of its chunks written to the sockets, per step that gave tokens to any request,
 * milliseconds:
 *
 * - `lateness`: the deadline to the start of the advance that ran the step (timer lateness, or a
 *   busy event loop);
 * - `engine`: from there until the step's outcome was reported (the engine's own work: earlier
 *   steps in the same advance, the step's completion, the metrics it feeds);
 * - `chunks`: building the step's chunks (the serve engine's listeners);
 * - `next`: from there until the advance returned (the engine scheduling its next step, and any
 *   later step of the same advance);
 * - `write`: from there until every chunk of the advance was handed to the kernel (the rest of
 *   the runner's turn, the turn's flush, one write per connection);
 * - `total`: the deadline to the last chunk written.
 */
export type StepTimings = {
	readonly steps: number;
	readonly chunksPerStep: Spread;
	readonly lateness: Spread;
	readonly engine: Spread;
	readonly chunks: Spread;
	readonly next: Spread;
	readonly write: Spread;
	readonly total: Spread;
	/**
	 * Running streams' writes (after a stream's first text): from the deadline of the latest step
	 * whose chunks were built to the write, and from the connection's previous write (the server
	 * side of an inter-token time). Absent from targets older than them.
	 */
	readonly runningLag?: Spread;
	readonly runningGap?: Spread;
	/**
	 * The server core's utilisation: CPU seconds (user + system) per wall second, over each whole
	 * second of the period (the median is the steady state's; absent from older targets).
	 */
	readonly utilisation?: Spread;
	/**
	 * The steps whose advance began more than `lateOverMs` after their deadline: how many, their
	 * lateness summed, and how much of it GC pauses and request handling (read → submitted)
	 * covered, and in how many of them (absent from older targets).
	 */
	readonly lateCauses?: {
		readonly lateOverMs: number;
		readonly late: number;
		readonly latenessMs: number;
		readonly gcMs: number;
		readonly requestMs: number;
		readonly withGc: number;
		readonly withRequests: number;
	};
	/** Garbage collection (`PerformanceObserver` `gc` entries) over the same period. */
	readonly gc: {readonly count: number; readonly totalMs: number; readonly maxMs: number};
	/** Each pause's start and duration (ms, the server's clock), for `SERVE_AB_DUMP`. */
	readonly gcPauses?: ReadonlyArray<readonly [number, number]>;
};

/** What the server measured since the last report. */
export type TargetReport = {
	readonly records: readonly TargetRecord[];
	readonly rssBytes: number;
	readonly peakRssBytes: number;
	/** `monitorEventLoopDelay` percentiles, milliseconds. */
	readonly loopDelayMs: {readonly p50: number; readonly p99: number; readonly max: number};
	/**
	 * CPU time the server used (user + system, `process.cpuUsage`), milliseconds: unlike latency, it
	 * hardly moves when other processes load the machine.
	 */
	readonly cpuMs: number;
	/** {@link monotonicOffsetMs} of the server process: its times on the clients' clock. */
	readonly clockOffsetMs?: number;
	/**
	 * Per-step timings at a finite speed (absent from targets older than them, and at max speed): of
	 * the steady state, the steps due after the run's first stream ended (older targets: every step).
	 */
	readonly steps?: StepTimings;
	/** The opening wave's steps (due before the run's first stream ended); absent from older targets. */
	readonly openingSteps?: StepTimings;
};

export type TargetMessage = {readonly ready: true; readonly baseUrl: string} | {readonly report: TargetReport};

/** One streaming request as a client process saw it (its clock: `performance.now` of that process). */
export type StreamTiming = {
	readonly tag: string;
	/** The request was written. */
	readonly startMs: number;
	/** The first event with generated text was read (the end, if there was none). */
	readonly firstMs: number;
	readonly endMs: number;
	/** HTTP status; 0 when the connection failed (`error` says how). */
	readonly status: number;
	readonly error?: string;
};

/** What one client process is asked to do. */
export type ClientsJob = {
	readonly baseUrl: string;
	readonly model: string;
	/** Concurrent streaming clients in this process. */
	readonly clients: number;
	readonly durationS: number;
	readonly shape: StreamShape;
	/** Tags: this process' i-th request is `bench-${first + stride * i}`, unique across processes. */
	readonly first: number;
	readonly stride: number;
	/** How the streams are read (see {@link BenchClient}). @default 'http' (the bench asks for `net`) */
	readonly client?: BenchClient;
};

/**
 * The bench clients' HTTP reader: `http`, Node's `http.request` on a keep-alive `Agent`; `net`, one
 * raw keep-alive TCP connection per client, the request written as one buffer and the response's
 * HTTP/1.1 chunked framing parsed by hand (no parser, no `Readable` stream, no event per chunk).
 */
export type BenchClient = 'http' | 'net';

/** What one client process measured. */
export type ClientsResult = {
	readonly timings: readonly StreamTiming[];
	/** Tags of each client's first request (the opening wave). */
	readonly opening: readonly string[];
	readonly failed: readonly string[];
	/** This process' event-loop delay (`monitorEventLoopDelay`), milliseconds. */
	readonly loopDelayMs: Spread;
	/** CPU time this process used over the run (user + system), milliseconds. */
	readonly cpuMs: number;
	/** {@link monotonicOffsetMs} of this process. */
	readonly clockOffsetMs: number;
};

/**
 * What to add to this process' `performance.now()` to get the machine's monotonic clock
 * (`process.hrtime`, CLOCK_MONOTONIC, milliseconds): every process of the benchmark reports its
 * times on its own `performance.now()`, whose origin is its own start; this puts the server's
 * and the clients' times on one clock (to a few microseconds), so a stream's added latency can be
 * split into its parts.
 */
export function monotonicOffsetMs(): number {
	const perf = performance.now();
	return Number(process.hrtime.bigint()) / 1e6 - perf;
}

export type ClientsMessage = {readonly job: ClientsJob} | {readonly ready: true} | 'go' | {readonly result: ClientsResult};
