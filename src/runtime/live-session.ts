/**
 * What the dashboard (src/ui) needs of a running simulation, and nothing more: the figures it
 * snapshots and the controls its keys act through. `Session` implements it; the UI imports only
 * this module, so it never depends on how a session is built, paced or served.
 */
import type {LogFormat} from '../metrics/log/formats.js';
import type {SimObserver} from '../sim/simulation.js';
import type {EngineMetrics} from '../sim/engine-metrics.js';
import type {AcceptanceExpectation} from '../speculative/acceptance/model-types.js';
import type {Speed} from './runner.js';

export type {Speed} from './runner.js';

/** Facts about a session that do not change while it runs. */
export type SessionInfo = {
	/** Preset name (`config.name`). */
	readonly preset: string;
	/** Served model name (the `model_name` label). */
	readonly model: string;
	/** Speculative method (`eagle3`, `ngram`, ...). */
	readonly method: string;
	readonly seed: number;
	readonly numEngines: number;
	/** `VLLM_LOG_STATS_INTERVAL` in virtual seconds. */
	readonly logIntervalS: number;
	/** Layout of the SpecDecoding log line. */
	readonly logFormat: LogFormat;
	/** Speculative decoding is on (off with `--method none` or `--k 0`: k cannot change live). */
	readonly speculative: boolean;
	/** The largest k a live change may set (`MAX_NUM_SPEC_TOKENS`, the token budget and the KV cache). */
	readonly maxNumSpecTokens: number;
};

/** A running simulation as the dashboard sees it: read-only figures plus the live controls. */
export type LiveSession = {
	readonly info: SessionInfo;
	/** Virtual now (seconds on the simulation's clock). */
	readonly now: number;
	/** Virtual seconds since the simulation's start. */
	readonly elapsedS: number;
	readonly speed: Speed;
	readonly paused: boolean;
	/** The run reached its `--duration` or was stopped. */
	readonly done: boolean;
	/** `num_speculative_tokens` for every engine's next step. */
	readonly numSpecTokens: number;
	/** Cumulative multiplier on conditional acceptance (1 = the preset's model). */
	readonly acceptanceScale: number;
	/** Per-engine accumulated metrics (read only). */
	readonly metrics: readonly EngineMetrics[];
	/** Closed forms of the acceptance model at the current k and scale. */
	expected(): AcceptanceExpectation;
	/** Wall-clock milliseconds of a virtual time (log timestamps). */
	epochMsAt(virtualS: number): number;
	/** Steps, log lines and log ticks as they happen; returns the unsubscribe function. */
	subscribe(observer: SimObserver): () => void;
	/** Called after every chunk of simulated time; returns the unsubscribe function. */
	onAdvance(listener: () => void): () => void;
	togglePause(): void;
	setSpeed(speed: Speed): void;
	/** Change k from each engine's next step (1..`info.maxNumSpecTokens`). */
	setNumSpecTokens(k: number): void;
	/** Set the conditional-acceptance multiplier from the next step (> 0). */
	setAcceptanceScale(scale: number): void;
	/** Reset every counter as a restarted engine would. */
	restart(): void;
};
