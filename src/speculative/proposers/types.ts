/**
 * The drafting side of speculative decoding: how many draft tokens a request proposes per step.
 * Proposers only draft; the scheduler owns trimming, rollback and accounting (vLLM's split), and
 * the acceptance model decides how many drafted tokens the target accepts.
 */
import type {Rng} from '../../rng/rng.js';

/** Canonical vLLM `SpeculativeConfig.method` values simulated here (after alias resolution). */
export type DraftMethod = 'eagle' | 'eagle3' | 'mtp' | 'medusa' | 'draft_model' | 'ngram' | 'suffix' | 'synthetic';

/**
 * How drafting costs time, for the cost model:
 * - `'sequential-model'`: k sequential forward passes of a small draft model (`draft_model`);
 * - `'per-token-head'`: one light head/layer pass per draft token (`eagle`, `eagle3`, `mtp`);
 * - `'parallel-heads'`: one pass producing all k tokens at once (`medusa`);
 * - `'cpu'`: a host-side lookup, nearly free (`ngram`, `suffix`);
 * - `'none'`: an idealised drafter that costs nothing (`synthetic`).
 */
export type DraftCostKind = 'sequential-model' | 'per-token-head' | 'parallel-heads' | 'cpu' | 'none';

/** Static facts about a method. */
export type ProposerMethodInfo = {
	readonly method: DraftMethod;
	/** Whether every draft has exactly maxDraft tokens (k before the engine's caps). */
	readonly fixedLength: boolean;
	readonly draftCost: DraftCostKind;
	/** `num_speculative_tokens` default when the config gives none (suffix: its max tree depth). */
	readonly defaultNumSpeculativeTokens?: number;
};

/**
 * Per-request proposer state, created once by {@link DraftProposer.initRequest} and passed back
 * on every {@link DraftProposer.propose}. Opaque to the engine.
 */
export type ProposerState = object;

/** What a request looks like when it starts. */
export type ProposerRequestInit = {
	/** Workload-class index of the request. */
	readonly classIndex: number;
	/** Prompt tokens. */
	readonly promptLength: number;
};

/**
 * The per-call context. The engine may reuse one object and overwrite its fields every call;
 * proposers never keep a reference to it.
 */
export type ProposeContext = {
	/** vLLM `num_speculative_tokens`. */
	k: number;
	/**
	 * The most draft tokens this request may propose this step, after the engine's budget and
	 * `max_model_len` caps (0..k).
	 */
	maxDraft: number;
	/** Workload-class index. */
	classIndex: number;
	/** Prompt tokens. */
	promptLength: number;
	/** Output tokens generated so far (`num_output_tokens`). */
	numOutputTokens: number;
	/** This request's state from `initRequest`. */
	state: ProposerState;
};

/**
 * A draft proposer (structural). `propose` returns the draft length in 0..maxDraft; 0 means no
 * draft this step (vLLM's empty draft, not counted as a draft). It is O(1), allocates nothing,
 * and is deterministic given the `Rng`'s state.
 */
export type DraftProposer = {
	readonly method: DraftMethod;
	/** Allocate the request's state (once per request). */
	initRequest(init: ProposerRequestInit): ProposerState;
	propose(ctx: ProposeContext, rng: Rng): number;
	/** True when `propose` always returns `maxDraft` and draws nothing, so a caller may skip it (per step, per request). */
	readonly fixedLength?: boolean;
};

/** Proposer knobs; each method reads the ones it uses and ignores the rest. */
export type ProposerConfig = {
	/**
	 * ngram `prompt_lookup_min` (>= 1). If neither min nor max is set both are 5; if one is set the
	 * other copies it.
	 */
	readonly promptLookupMin?: number;
	/** ngram `prompt_lookup_max` (>= promptLookupMin). */
	readonly promptLookupMax?: number;
	/**
	 * Per workload class (by index): the probability that a step not already inside a matched
	 * span finds a match, for a long context (ngram at prompt_lookup_min = 5; suffix: any prefix
	 * match). Repetitive workloads (code edits, RAG, summarisation) are high, open chat low.
	 *
	 * @default [0.3]
	 */
	readonly hitRates?: readonly number[];
	/**
	 * ngram: mean length of a matched continuation (tokens copied from earlier context).
	 *
	 * @default 12
	 */
	readonly meanSpanLength?: number;
	/**
	 * ngram: context length scale; the match probability is hitRate · (1 − e^(−(context − min + 1) / scale)),
	 * so short contexts repeat less.
	 *
	 * @default 256
	 */
	readonly contextScale?: number;
	/** suffix `suffix_decoding_max_tree_depth`. @default 24 */
	readonly suffixMaxTreeDepth?: number;
	/** suffix `suffix_decoding_max_spec_factor`: drafts are capped at factor × prefix match length. @default 1 */
	readonly suffixMaxSpecFactor?: number;
	/** suffix: mean prefix-match length of a fresh match. @default 4 */
	readonly suffixMeanMatchLength?: number;
	/**
	 * suffix: probability each further speculated token survives `suffix_decoding_min_token_prob`
	 * pruning of the tree path.
	 *
	 * @default 0.9
	 */
	readonly suffixContinueProbability?: number;
};

/** Creates a proposer from its config. */
export type ProposerFactory = (config?: ProposerConfig) => DraftProposer;
