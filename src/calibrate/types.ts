/**
 * Shared shapes of `specsim calibrate`: where a number came from, what one log line or one
 * Prometheus interval says once its counts are reconstructed, and the warnings on the way.
 */

/**
 * The vLLM layouts of the spec-decode log line (see docs/vllm-log-formats.md):
 *
 * - `v0`: the legacy engine's `Speculative metrics: Draft acceptance rate: ..., System efficiency: ...`
 *   (values are cumulative since the engine started);
 * - `v1-a`: PR #15151 (2025-04-01), `Speculative metrics: Draft acceptance rate: 0.xxx, Number of ...`;
 * - `v1-b`: PR #15902 to #16665, `SpecDecoding metrics: Draft acceptance rate: x.x%, Accepted: ...`;
 * - `v1-c`: PR #16665, mean acceptance length WITHOUT the bonus token (`accepted / num_drafts`);
 * - `classic`: PR #17908 to #24127, same text, mean acceptance length `1 + accepted / num_drafts`;
 * - `throughput`: PR #24127 onward, with throughputs and `Avg Draft acceptance rate` last;
 * - `coverage`: the newest, with `Mean verification depth` and per-position verification coverage.
 *
 * The last three are the layouts specsim prints, named as `--log-format` names them; the earlier ones
 * are only read (no flag ever took them).
 */
export type VllmLogFormat = 'v0' | 'v1-a' | 'v1-b' | 'v1-c' | 'classic' | 'throughput' | 'coverage';

/** Every layout, oldest first. */
export const VLLM_LOG_FORMATS: readonly VllmLogFormat[] = ['v0', 'v1-a', 'v1-b', 'v1-c', 'classic', 'throughput', 'coverage'];

/** Where an input item sits: a source name (file, `-`, URL) and a 1-based line number. */
export type Origin = {readonly source: string; readonly line?: number};

/** Kinds of {@link CalibrationWarning}. */
export type WarningKind =
	| 'unparseable'
	| 'inconsistent'
	| 'derivation'
	| 'zero-acceptance'
	| 'full-acceptance'
	| 'tiny-sample'
	| 'non-monotone'
	| 'variable-length'
	| 'no-drafts'
	| 'mixed-k'
	| 'assumed-k'
	| 'counter-reset'
	| 'base-preset'
	| 'dispersion';

/** One `warning:` line: what is odd and where. */
export type CalibrationWarning = {readonly kind: WarningKind; readonly origin?: Origin; readonly message: string};

/**
 * What one log line (or one Prometheus interval) says, as counts. `numDrafts` is usually
 * derived (see `reconstruct.ts`), and so are the per-position counts.
 */
export type Observation = {
	readonly origin: Origin;
	/** The log layout, or `prometheus` for a scrape or a scrape delta. */
	readonly format: VllmLogFormat | 'prometheus';
	/** `num_speculative_tokens`, when the input shows it (per-position entries, `/k`, v0's field) or was assumed. */
	readonly k: number;
	/** True when k was not in the input but assumed (`--observed-k` or the base preset). */
	readonly kAssumed: boolean;
	/** `num_drafts`. */
	readonly numDrafts: number;
	/** `num_draft_tokens`. */
	readonly numDraftTokens: number;
	/** `num_accepted_tokens`: prefix-accepted draft tokens, bonus excluded. */
	readonly numAcceptedTokens: number;
	/** `num_accepted_tokens_per_pos` (k counts), when the input has per-position data. */
	readonly acceptedPerPos?: readonly number[];
	/** `num_draft_tokens_per_pos` (k counts): coverage and the newest Prometheus family only. */
	readonly draftedPerPos?: readonly number[];
	/** v0: the line's counts are totals since the engine started, not an interval. */
	readonly cumulative?: boolean;
	/** v0: accepted draft tokens counted anywhere in the draft (not only the accepted prefix). */
	readonly acceptedAnywhere?: number;
	/** Seconds the line covers, from its throughput fields (throughput/coverage) or scrape timestamps. */
	readonly elapsedS?: number;
	/** Which route gave `numDrafts` (see `reconstruct.ts`). */
	readonly draftsFrom: DraftsSource;
	/** How `numDrafts` (and the per-position counts) were obtained, in words, for the report. */
	readonly derivation: string;
};

/**
 * Where `num_drafts` came from: `drafted/k` (fixed-length drafts, cross-checked against the mean
 * length when printed), `mean-length` (from accepted and the mean acceptance length, consistent
 * with the per-position rates), `assumed-k` (drafted / an assumed k), `counter` (Prometheus
 * `num_drafts`), `rounded` (printed values inconsistent: drafted / k with rounded counts).
 */
export type DraftsSource = 'drafted/k' | 'mean-length' | 'assumed-k' | 'counter' | 'rounded';
