/**
 * One sweep job: simulate one configuration for a stretch of virtual time and measure it. Pure
 * (no I/O, no clock): the same job gives the same measurement on any thread.
 */
import type {SimConfig} from '../config/schema.js';
import {createCostModel} from '../engine/cost-model.js';
import type {StepShape} from '../engine/cost/types.js';
import {expectedSpeedup} from '../speculative/acceptance/conversions.js';
import {buildSimulation, defaultDraftCost, type BuiltSimulation} from '../sim/build.js';
import {expectedSummary, summarize} from '../sim/summary.js';

/** What a worker is asked to do. Plain data (structured-clonable). */
export type RunJob = {
	readonly config: SimConfig;
	readonly seed: number;
	/** Virtual seconds to simulate. */
	readonly durationS: number;
	/** Run without speculative decoding (the baseline of a speedup). */
	readonly speculationOff: boolean;
	/** Lines of the workload trace, when the configuration replays one. */
	readonly traceLines?: readonly string[];
};

/** Percentiles in seconds (null without observations). */
export type Percentiles = {readonly p50: number | null; readonly p99: number | null};

/** What one run measured. Plain data (structured-clonable). */
export type RunMeasurement = {
	readonly virtual_seconds: number;
	readonly requests_finished: number;
	readonly generation_tokens: number;
	readonly output_tokens_per_s: number;
	readonly ttft_s: Percentiles;
	/** vLLM's `inter_token_latency_seconds`: one observation per request per step, so a step that emits several tokens counts once. */
	readonly inter_token_latency_s: Percentiles;
	/**
	 * vLLM's `request_time_per_output_token_seconds`: per finished request with >= 2 output
	 * tokens, `(last token − first token) / (output tokens − 1)`; percentiles of the run
	 * summary's streaming sketch (about ±1%, constant memory), so a sweep and `run` agree.
	 */
	readonly tpot_s: Percentiles;
	readonly num_drafts: number;
	readonly num_draft_tokens: number;
	readonly num_accepted_tokens: number;
	readonly mean_acceptance_length: number;
	readonly draft_acceptance_rate: number | null;
	readonly per_position_acceptance_rate: readonly number[];
	readonly expected_mean_acceptance_length: number;
	readonly expected_draft_acceptance_rate: number;
	readonly expected_per_position_acceptance_rate: readonly number[];
	/** Leviathan's c for this configuration (see {@link costRatio}); null for the baseline. */
	readonly cost_ratio: number | null;
	/** `(1 + Σ r_i) / (k·c + 1)` over the expected rates; null for the baseline. */
	readonly expected_speedup: number | null;
};

/**
 * Run one job: build the simulation (speculation off for a baseline), run it to `durationS`,
 * summarise. The workload is identical with speculation on and off (streams are forked per
 * concern), so the two runs of a configuration see the same requests.
 */
export function runConfiguration(job: RunJob): RunMeasurement {
	if (!(job.durationS > 0) || !Number.isFinite(job.durationS))
		throw new RangeError(`durationS must be a positive finite number, got ${job.durationS}`);
	const built = buildSimulation(job.config, {
		seed: job.seed,
		speculationOff: job.speculationOff,
		...(job.traceLines ? {traceLines: job.traceLines} : {}),
	});
	built.simulation.runUntil(built.simulation.startS + job.durationS);
	const summary = summarize(built);
	const spec = summary.spec_decode;
	const expected = expectedSummary(built);
	const c = job.speculationOff ? null : costRatio(built);
	return {
		virtual_seconds: summary.virtual_seconds,
		requests_finished: summary.engines.requests_finished,
		generation_tokens: summary.engines.generation_tokens,
		output_tokens_per_s: summary.engines.output_tokens_per_s,
		ttft_s: {p50: summary.engines.ttft_s.p50, p99: summary.engines.ttft_s.p99},
		inter_token_latency_s: {p50: summary.engines.inter_token_latency_s.p50, p99: summary.engines.inter_token_latency_s.p99},
		tpot_s: {p50: summary.engines.time_per_output_token_s.p50, p99: summary.engines.time_per_output_token_s.p99},
		num_drafts: spec.num_drafts,
		num_draft_tokens: spec.num_draft_tokens,
		num_accepted_tokens: spec.num_accepted_tokens,
		mean_acceptance_length: spec.mean_acceptance_length,
		draft_acceptance_rate: spec.draft_acceptance_rate,
		per_position_acceptance_rate: job.speculationOff ? [] : spec.per_position_acceptance_rate,
		expected_mean_acceptance_length: expected.mean_acceptance_length,
		expected_draft_acceptance_rate: expected.draft_acceptance_rate,
		expected_per_position_acceptance_rate: expected.per_position_acceptance_rate,
		cost_ratio: c,
		expected_speedup: c === null ? null : expectedSpeedup(expected.per_position_acceptance_rate, c),
	};
}

/** Batch 1, one decoding request, no context (`costRatio` sets the draft length). */
const BATCH_ONE: Readonly<StepShape> = {
	numPrefillTokens: 0,
	numDecodeRequests: 1,
	numScheduledSpecTokens: 0,
	numDraftingRequests: 1,
	draftLength: 1,
	contextTokens: 0,
};

/**
 * Leviathan's cost coefficient c for a configuration, from the simulator's own cost model:
 *
 *     c = draftS / (k × (targetS + overheadS))
 *
 * of one step at batch 1 with one token, no context and the configuration's `k` draft passes.
 * `targetS` is the target's single-token step (`singleTokenStepS`) and `overheadS` the fixed
 * per-step overhead, which a step pays with and without drafting, so `targetS + overheadS` is the
 * whole non-speculative step and `1 + k·c` is the batch-1 step-time ratio of speculation at this
 * `k`. A drafter's costs paid once a step (`stepOverheadS`, `cpu`'s per-request term) are spread
 * over the `k` passes, so c belongs to this `k`. With `stepOverheadS` 0 and a `ratio` draft cost
 * this is exactly the configured c. Draft cost: the preset's `speculative.draftCost`, else the
 * method's default.
 */
export function costRatio(built: BuiltSimulation): number {
	const s = built.config.scheduler;
	const cost = createCostModel({
		model: built.model,
		hardware: built.hardware,
		draft: built.method === 'none' ? {kind: 'none'} : (built.config.speculative.draftCost ?? defaultDraftCost(built.method, built.model)),
		overheadS: s.stepOverheadS,
		...(built.config.stepTime === undefined ? {} : {fitted: built.config.stepTime}),
	});
	const k = Math.max(1, built.config.speculative.numSpecTokens);
	const b = cost.breakdown({...BATCH_ONE, draftLength: k});
	return b.draftS / (k * (b.targetS + b.overheadS));
}
