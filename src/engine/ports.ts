import type {Rng} from '../rng/rng.js';
import type {StepShape} from './cost/types.js';
import type {SimRequest} from './request.js';

/**
 * What the engine needs from its pluggable parts. The spec-decode model (src/speculative) and the cost
 * model implement these; the engine knows nothing else about them.
 */

/** Drafts: how many draft tokens the proposer offers a decoding request this step. */
export type EngineProposer = {
	/** Called once when a request is admitted for the first time. */
	initRequest(request: SimRequest): void;
	/**
	 * Draft length in [0, maxDraft] for `request` this step (0 = no draft); `maxDraft` <= k is what
	 * the token budget and `max_model_len` leave. Called only for scheduled decoding requests. May
	 * draw from the proposer stream.
	 */
	propose(request: SimRequest, numSpecTokens: number, maxDraft: number): number;
	/**
	 * True when `propose` always returns `maxDraft` and draws nothing (EAGLE, MTP, Medusa, draft
	 * models): the scheduler then drafts `maxDraft` without the call.
	 */
	readonly fixedLength?: boolean;
};

/** Verification: how many of a draft's tokens the target accepts (a prefix). */
export type EngineAcceptance = {
	/** Draw a request's acceptance profile once, at admission. */
	drawProfile(request: SimRequest): number;
	/** Accepted tokens of a `numDraftTokens`-long draft given one uniform `u` in [0, 1); O(1). */
	sampleAccepted(profile: number, numDraftTokens: number, u: number): number;
	/**
	 * A step's drafts at once: `out[j]` for j < `count`, one `rng.next()` per entry with
	 * `numDraftTokens[j] > 0`, in order, else 0 and no draw; the same draws and results as calling
	 * {@link sampleAccepted} per entry. Optional: without it the engine calls `sampleAccepted`.
	 */
	sampleAcceptedBatch?(profiles: Int32Array, numDraftTokens: Int32Array, count: number, rng: Rng, out: Int32Array): void;
};

/** The batch a step runs, as the cost model sees it (the cost model's `StepShape`). */
export type BatchShape = StepShape;

/** Step latency from the batch shape, in virtual seconds. */
export type EngineCost = {
	stepLatencyS(shape: BatchShape): number;
};
