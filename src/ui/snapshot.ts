/**
 * The dashboard's view of a running session: immutable plain data, built by the snapshot store
 * on a wall-clock throttle. Components only format these numbers; they never compute rates.
 */
import type {LogFormat} from '../metrics/log/formats.js';
import type {Speed} from '../runtime/live-session.js';

/** Spec-decode and throughput figures over a span of virtual time, all engines together. */
export type SpanView = {
	/** Virtual seconds covered. */
	readonly durationS: number;
	/** vLLM `num_drafts`. */
	readonly numDrafts: number;
	/** vLLM `num_draft_tokens`. */
	readonly numDraftTokens: number;
	/** vLLM `num_accepted_tokens`. */
	readonly numAcceptedTokens: number;
	/** Draft tokens per draft: k for full-length drafts, less for n-gram and suffix; NaN with no drafts. */
	readonly meanDraftTokens: number;
	/** vLLM `num_accepted_tokens_per_pos`, positions 0..k−1. */
	readonly acceptedPerPos: readonly number[];
	/** Drafts with a token at each position 0..k−1 (newest vLLM's `num_draft_tokens_per_pos`). */
	readonly draftedPerPos: readonly number[];
	/** accepted / draft tokens, 0..1; NaN with no draft tokens. */
	readonly acceptanceRate: number;
	/** 1 + accepted / drafts (includes the bonus token); 1 with no drafts. */
	readonly meanAcceptanceLength: number;
	readonly acceptedTokensPerS: number;
	readonly draftTokensPerS: number;
	readonly draftsPerS: number;
	readonly outputTokensPerS: number;
	/** Per position i < k: drafts whose token i was accepted / drafts (what vLLM reports). */
	readonly unconditionalRates: readonly number[];
	/** Per position i < k: accepted at i / accepted at i−1 (position 0: / drafts). NaN when undefined. */
	readonly conditionalRates: readonly number[];
	/** Tokens per busy second with drafts over without (cost model); NaN without steps. */
	readonly estimatedSpeedup: number;
};

/** The acceptance model's closed forms at the current k (full-length drafts). */
export type ExpectedView = {
	readonly unconditionalRates: readonly number[];
	readonly conditionalRates: readonly number[];
	readonly meanAcceptanceLength: number;
	readonly draftAcceptanceRate: number;
};

export type HeaderView = {
	/** Preset name (`config.name`). */
	readonly preset: string;
	/** Served model name (the `model_name` label). */
	readonly model: string;
	/** Speculative method (`eagle3`, `ngram`, ...). */
	readonly method: string;
	/** `num_speculative_tokens` now in force. */
	readonly k: number;
	/** The largest k `]` reaches. */
	readonly maxK: number;
	/** Speculative decoding is on (k can change live). */
	readonly speculative: boolean;
	readonly seed: number;
	/** Virtual seconds since the simulation's start. */
	readonly virtualS: number;
	readonly speed: Speed;
	readonly paused: boolean;
	/** The run reached its `--duration`. */
	readonly done: boolean;
	/** Cumulative multiplier on conditional acceptance (the up/down keys). */
	readonly acceptanceScale: number;
	readonly numEngines: number;
	/** `VLLM_LOG_STATS_INTERVAL` in virtual seconds. */
	readonly logIntervalS: number;
	/** Layout of the SpecDecoding log line. */
	readonly logFormat: LogFormat;
	/** Where `/metrics` is served; undefined with `--no-server`. */
	readonly metricsUrl: string | undefined;
};

export type Percentiles = {readonly p50: number; readonly p90: number; readonly p99: number};

export type EngineView = {
	readonly numRunning: number;
	readonly numWaiting: number;
	/** Scheduled tokens of each engine's latest step, summed. */
	readonly batchTokens: number;
	/** KV-cache usage 0..1, mean over engines. */
	readonly kvUsage: number;
	/** Output tokens per virtual second over the latest history sample. */
	readonly outputTokensPerS: number;
	/** Since start, seconds. */
	readonly ttft: Percentiles;
	/** Since start, seconds. */
	readonly interTokenLatency: Percentiles;
	/** Requests finished with `error` and with `abort` since start, summed over engines (docs/faults.md). */
	readonly numErrors: number;
	readonly numAborts: number;
	/** Engines asleep now (vLLM's sleep mode). */
	readonly numAsleep: number;
	/** Requests the API server refused with HTTP 400 since start (they did not fit max_model_len; docs/serve.md). */
	readonly numRejected: number;
};

/** Bounded series for the sparklines, oldest first; one point per `sampleEveryS` virtual seconds. */
export type HistoryView = {
	readonly sampleEveryS: number;
	readonly acceptanceRate: readonly number[];
	readonly meanAcceptanceLength: readonly number[];
	readonly outputTokensPerS: readonly number[];
};

/** One vLLM log line with a stable id (its position in the run). */
export type LogLine = {readonly id: number; readonly text: string};

/**
 * The newest log lines, oldest first, for the dashboard's log panel: a bounded list (the store
 * keeps a fixed number), never written to the terminal outside the dashboard's frame, where Ink
 * would have to clear the frame, print the line (wrapped by the terminal) and redraw.
 */
export type LogView = {readonly lines: readonly LogLine[]};

/** The latest live change of k, from which the cumulative column counts. */
export type KChangeView = {
	readonly fromK: number;
	readonly toK: number;
	/** Virtual seconds since the simulation's start at the key press. */
	readonly atS: number;
};

export type DashboardSnapshot = {
	/** Increases with every published snapshot. */
	readonly seq: number;
	readonly header: HeaderView;
	/** The last complete log interval (what the latest log line covers); undefined before the first. */
	readonly interval: SpanView | undefined;
	/** The k values of the drafts in `interval`, in the order first seen (two after a k change inside it). */
	readonly intervalKs: readonly number[];
	/**
	 * The cumulative column: since the engines started (or the last reset) while k has not changed;
	 * after a live change, only the steps drafted at the current k since it ({@link kChange}), so it
	 * compares with the model column at that k.
	 */
	readonly lifetime: SpanView;
	/** The latest k change since the start or the last reset; undefined when there was none. */
	readonly kChange: KChangeView | undefined;
	readonly expected: ExpectedView;
	readonly engine: EngineView;
	readonly history: HistoryView;
	readonly logs: LogView;
};

/** What the dashboard subscribes to (`useSyncExternalStore`). */
export type SnapshotSource = {
	getSnapshot(): DashboardSnapshot;
	subscribe(listener: () => void): () => void;
};
