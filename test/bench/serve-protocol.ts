/** What the serve benchmark and its server child ({@link ./serve-target.ts}) say to each other over IPC. */

/** The model name the benchmark's server answers to. */
export const BENCH_MODEL = 'bench/model';

/** One engine request the server finished, with its wall times on the server's clock (ms, `performance.now`). */
export type TargetRecord = {
	/** The client's `user` field: `bench-N`. */
	readonly tag: string;
	readonly submittedMs: number;
	readonly firstTokenMs: number;
	readonly finishedMs: number;
	/** Simulated TTFT and end-to-end latency, virtual seconds from arrival. */
	readonly virtualTtftS: number;
	readonly virtualE2eS: number;
	readonly outputTokens: number;
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
};

export type TargetMessage = {readonly ready: true; readonly baseUrl: string} | {readonly report: TargetReport};
