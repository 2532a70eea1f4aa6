import type {Rng} from '../../rng/rng.js';
import type {HeterogeneitySpec} from './heterogeneity.js';
import type {AcceptanceSpec} from './spec.js';

/** Options of {@link AcceptanceModel}; see `createAcceptanceModel`. */
export type AcceptanceModelOptions = {
	/** How acceptance is stated (resolved at `k`, extended or truncated as needed). */
	readonly spec: AcceptanceSpec;
	/** vLLM `num_speculative_tokens`, k >= 1. */
	readonly k: number;
	/** Per-request spread of acceptance; omitted means every request follows the spec exactly. */
	readonly heterogeneity?: HeterogeneitySpec;
	/**
	 * Multiplier on conditional acceptance per workload class, by class index (clamped to 1 after
	 * multiplying).
	 *
	 * @default [1]
	 */
	readonly classFactors?: readonly number[];
	/**
	 * Sensitivity s of conditional acceptance to temperature: rates × max(0, 1 − s·T).
	 *
	 * @default 0
	 */
	readonly temperatureSensitivity?: number;
	/**
	 * Global multiplier on conditional rates (the dashboard's up/down keys), clamped to 1 after
	 * multiplying.
	 *
	 * @default 1
	 */
	readonly scale?: number;
};

/** Closed-form expectations for full-length drafts (k tokens). */
export type AcceptanceExpectation = {
	/** Population `r_i = P(N >= i+1)`: vLLM's per-position acceptance rate. */
	readonly unconditionalRates: readonly number[];
	/** Population `c_i = r_i / r_{i−1}` (vLLM's `unconditional_to_conditional_rates`). */
	readonly conditionalRates: readonly number[];
	/** `1 + Σ r_i` (includes the bonus token). */
	readonly meanAcceptanceLength: number;
	/** `Σ r_i / k`, a 0..1 fraction. */
	readonly draftAcceptanceRate: number;
	/** `P(N = j)` for j = 0..k. */
	readonly acceptedLengthDistribution: readonly number[];
};

/** Which requests {@link AcceptanceModel.expected} averages over. */
export type ExpectedOptions = {
	/**
	 * Mix classes with these weights (one per class, non-negative, normalised). Overrides
	 * `classIndex`.
	 */
	readonly classWeights?: readonly number[];
	/** A single class. @default 0 */
	readonly classIndex?: number;
	/** Request temperature. @default 0 */
	readonly temperature?: number;
};

/** Where a profile sits in the model's tables. */
export type ProfileCoordinates = {
	readonly classIndex: number;
	readonly temperatureBucket: number;
	/** Heterogeneity level index, 0 = least accepting. */
	readonly level: number;
};

/**
 * Samples how many draft tokens the target model accepts.
 *
 * Per request, once: `drawProfile` (one uniform). Per draft: `sampleAccepted` with ONE uniform,
 * O(1), no allocation. A profile is a small integer encoding (class, temperature bucket, level);
 * it stays valid for models derived with `withK` and `scaled`, so live changes keep each
 * request's level.
 */
export type AcceptanceModel = {
	/** vLLM `num_speculative_tokens`. */
	readonly k: number;
	readonly options: AcceptanceModelOptions;
	/** Heterogeneity levels (1 without heterogeneity). */
	readonly numLevels: number;
	readonly numClasses: number;
	readonly numTemperatureBuckets: number;
	/** Profiles are integers in [0, numProfiles). */
	readonly numProfiles: number;
	/**
	 * Draw a request's acceptance profile: consumes exactly one `rng.next()` (the level), whatever
	 * the options.
	 *
	 * @throws RangeError for a class index out of range or a negative temperature.
	 */
	drawProfile(rng: Rng, classIndex: number, temperature: number): number;
	/**
	 * Accepted tokens of a draft of `draftLength` (0..k) tokens, from one uniform u in [0, 1):
	 * `min(N, draftLength)` with N drawn from the profile's accepted-length distribution over 0..k
	 * through a Walker alias table. Prefix semantics: position i < draftLength is accepted with
	 * the profile's unconditional rate r_i.
	 */
	sampleAccepted(profile: number, draftLength: number, u: number): number;
	/**
	 * {@link sampleAccepted} for a batch, as an engine step verifies its drafts: for each j < `count`,
	 * `out[j]` is `sampleAccepted(profiles[j], draftLengths[j], rng.next())` when `draftLengths[j] > 0`
	 * and 0, with no draw, otherwise. Exactly the draws, in order, and the results of that loop; the
	 * per-call checks and table lookups are made once per batch instead (a step verifies tens to
	 * hundreds of drafts).
	 *
	 * @throws RangeError as {@link sampleAccepted} for an entry out of range.
	 */
	sampleAcceptedBatch(profiles: Int32Array, draftLengths: Int32Array, count: number, rng: Rng, out: Int32Array): void;
	/** Population closed forms (levels, and classes when weighted) for full-length drafts. */
	expected(options?: ExpectedOptions): AcceptanceExpectation;
	/** The conditional rates a profile uses (k entries). */
	profileConditionalRates(profile: number): number[];
	/** Decode a profile into its class, temperature bucket and level. */
	profileCoordinates(profile: number): ProfileCoordinates;
	/** The same model at another k (profiles stay valid). */
	withK(k: number): AcceptanceModel;
	/** The same model with conditional rates multiplied by `factor` (cumulative, clamped to 1). */
	scaled(factor: number): AcceptanceModel;
};
