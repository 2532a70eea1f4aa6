import {makeDraftCost} from './cost/draft-cost.js';
import {type FittedStepTime, fittedBreakdown, makeFittedCost} from './cost/fitted.js';
import {attentionFlopsPerPair, makeCommunication, makeWeightBytes, passTimeS, stepTokens} from './cost/target-cost.js';
import type {DraftCostSpec, HardwareSpec, ModelCostSpec, StepCostBreakdown, StepShape} from './cost/types.js';
import {requireNonNegative, validateHardware, validateModel} from './cost/validate.js';

export type {DraftCostSpec, HardwareSpec, ModelCostSpec, StepCostBreakdown, StepShape} from './cost/types.js';
export type {FittedStepTime} from './cost/fitted.js';
export {BUILTIN_HARDWARE} from './cost/hardware.js';
export {BUILTIN_MODELS} from './cost/models.js';

/** Default achieved fraction of peak memory bandwidth (an assumption; calibrate per deployment). */
export const DEFAULT_BANDWIDTH_EFFICIENCY = 0.85;
/** Default achieved fraction of peak dense FLOP/s (an assumption; calibrate per deployment). */
export const DEFAULT_FLOPS_EFFICIENCY = 0.6;

export type CostModelOptions = {
	model: ModelCostSpec;
	hardware: HardwareSpec;
	/** @default {kind: 'none'} */
	draft?: DraftCostSpec;
	/** Fixed seconds per step (scheduling, sampling, launch). @default 0 */
	overheadS?: number;
	/** A fitted step-time model: replaces the roofline (and `draft`, `overheadS`) when given. */
	fitted?: FittedStepTime;
	/**
	 * How the target scores drafts. `mqa` (vLLM v1, and V0's `MQAScorer`): a request's `d + 1`
	 * tokens are one multi-token query that reads its KV once. `batch-expansion` (vLLM V0's
	 * `BatchExpansionTop1Scorer`, the only scorer before vllm#8839 and always for n-gram in V0):
	 * each position is its own single-token sequence, so the KV of a request is read `d + 1` times
	 * (`StepShape.expansionContextTokens` more context). @default 'mqa'
	 */
	scorer?: Scorer;
};

/**
 * Host seconds per extra sequence a batch-expansion scorer builds (one per draft token): vLLM
 * V0 copied each expanded position into its own sequence metadata and prepared it as a separate
 * decode input. vllm#5691 measured V0's scoring time with both scorers (Llama-7B, one A100, CUDA
 * graphs, k = 5): batch expansion costs 1.7, 2.9, 5.5, 10.9 and 19.4 ms more than the multi-query
 * scorer at batch 4, 8, 16, 32 and 64, i.e. 63 µs per extra sequence (least squares through the
 * origin over those five points, `5·B` extra sequences each). The measurement also holds that
 * run's own KV re-reads (its context is not stated), so this may count part of them twice.
 */
export const BATCH_EXPANSION_PER_SEQUENCE_S = 62.6e-6;

/** How the target scores drafts (see {@link CostModelOptions.scorer}). */
type Scorer = 'mqa' | 'batch-expansion';

/** Step latency from batch shape (vidur's execution-time predictor, as a roofline). */
export type CostModel = {
	/** Seconds one engine step takes. Allocation-free. */
	stepLatencyS(shape: Readonly<StepShape>): number;
	/** The same time split into target, draft and overhead; fills `out` when given. */
	breakdown(shape: Readonly<StepShape>, out?: StepCostBreakdown): StepCostBreakdown;
	/** `T1`: one target step at batch 1, one token, no context, no overhead. */
	readonly singleTokenStepS: number;
};

/**
 * A roofline step-latency model.
 *
 * With `B = hbmBandwidthBytesPerS × gpus × bandwidthEfficiency`,
 * `F = peakFlops × gpus × flopsEfficiency`, `W = params × bytesPerParam` and
 * `N = activeParams ?? params`, one forward pass over `t` tokens reading `C` context tokens is
 *
 *     pass(t, C) = √(memory² + compute²),  memory = (W + C × kvBytesPerToken) / B,  compute = t × 2 × N / F
 *
 * i.e. the time to stream weights and KV from memory combined with the time to do the matmul
 * FLOPs as a quadratic mean (`passTimeS`): the larger term far from the ridge point, and up to √2×
 * it where both are equal, as measured GEMMs behave (docs/validation.md). A step costs
 *
 *     targetS   = pass(P + D + S, C)            (0 when P + D + S = 0)
 *     draftS    = by draft kind, see below
 *     overheadS = overheadS + (gpus > 1 ? interconnectOverheadS + all-reduces : 0)   (0 when nothing runs)
 *     step      = targetS + draftS + overheadS
 *
 * where `P = numPrefillTokens`, `D = numDecodeRequests`, `S = numScheduledSpecTokens` (a request
 * verifying `d` drafts contributes `1 + d` tokens) and `C = contextTokens`. So at batch 1 a
 * verification of `k + 1` tokens costs about the same as one token (memory-bound), while as the
 * batch grows the `(k + 1)×` tokens bring the step to the ridge and then make it compute-bound:
 * the crossover where speculation stops paying.
 *
 * Draft cost, with `k = draftLength`, `n = numDraftingRequests`, `T = P + D + S` and `passD` the
 * formula above with the drafter's weights, KV and FLOPs:
 * - `none`: 0.
 * - `sequential-model`, `per-token-head`: `k >= 1 ? (T > 0 ? passD(T, C) + o : 0) + (n > 0 ? (k − 1) × (passD(n, C) + o) : 0) : 0`,
 *   plus `stepOverheadS` once when either pass runs, with `o = passOverheadS`: vLLM's proposer runs
 *   one pass over every token the target processed, then `k − 1` passes of one token a request.
 * - `parallel-heads`: `n, k >= 1 ? √((k × headParams × bytesPerParam / B)² + (n × 2 × k × headParams / F)²) + passOverheadS + stepOverheadS : 0`.
 * - `cpu`: `n, k >= 1 ? n × (perRequestS + k × perTokenS) : 0`.
 * - `ratio`: `n, k >= 1 ? k × c × T1` with `T1 = pass(1, 0)`, so at batch 1 a step verifying `k`
 *   drafts takes `T1 × (1 + k·c)` and Leviathan's speedup `(1 + Σ r_i) / (1 + k·c)` follows.
 *
 * Where the model gives the shapes, the roofline also counts (see `cost/target-cost.ts`):
 * - attention FLOPs over the real context, `attentionTokenPairs × 2·heads·(qkHeadDim + vHeadDim)
 *   × layers` (MLA in its latent dimensions), on the compute side;
 * - a mixture of experts reading only the experts its tokens are routed to, `W` above becoming
 *   `dense + experts × (1 − (1 − k/E)^tokens)`: few experts at batch 1, all at large batch;
 * - tensor-parallel communication, two ring all-reduces of `tokens × hidden × 2` bytes per layer
 *   over `interconnectBytesPerS`, each with `allReduceLatencyS`, added to `overheadS`.
 *
 * With `scorer: 'batch-expansion'` (vLLM V0) the memory term also reads
 * `expansionContextTokens × kvBytesPerToken`: every verified position re-reads its request's KV.
 *
 * Ignored: activation traffic, kernel-launch gaps (put them in `overheadS`).
 *
 * Every term is non-decreasing in every shape field, so the latency is too.
 *
 * @throws RangeError naming the field when a spec value is out of range.
 */
export function createCostModel(options: CostModelOptions): CostModel {
	const {model, hardware} = options;
	const draft = options.draft ?? {kind: 'none'};
	validateModel(model);
	validateHardware(hardware);
	const fixedOverheadS = options.overheadS ?? 0;
	requireNonNegative(fixedOverheadS, 'overheadS');
	if (options.fitted !== undefined) {
		const fitted = makeFittedCost(options.fitted);
		return {
			singleTokenStepS: fitted.singleTokenStepS,
			stepLatencyS(shape) {
				checkShape(shape);
				return fitted.target(shape) + fitted.draft(shape);
			},
			breakdown(shape, out = {targetS: 0, draftS: 0, overheadS: 0}) {
				checkShape(shape);
				return fittedBreakdown(fitted, shape, out);
			},
		};
	}

	const bandwidth = hardware.hbmBandwidthBytesPerS * hardware.gpus * (hardware.bandwidthEfficiency ?? DEFAULT_BANDWIDTH_EFFICIENCY);
	const flops = hardware.peakFlops * hardware.gpus * (hardware.flopsEfficiency ?? DEFAULT_FLOPS_EFFICIENCY);
	const weightBytes = makeWeightBytes(model);
	const kvPerTokenS = model.kvBytesPerToken / bandwidth;
	const flopsPerTokenS = (2 * (model.activeParams ?? model.params)) / flops;
	const attentionPairS = attentionFlopsPerPair(model) / flops;
	const communicationS = makeCommunication(model, hardware);
	const expansion = options.scorer === 'batch-expansion';
	const expansionPerTokenS = expansion ? kvPerTokenS : 0;
	const expansionPerSequenceS = expansion ? BATCH_EXPANSION_PER_SEQUENCE_S : 0;
	const singleTokenStepS = passTimeS(weightBytes(1) / bandwidth, flopsPerTokenS);
	const draftCost = makeDraftCost(draft, model, bandwidth, flops, singleTokenStepS, hardware);

	const targetOf = (s: Readonly<StepShape>): number => {
		const tokens = stepTokens(s);
		if (tokens === 0) return 0;
		const memoryS = weightBytes(tokens) / bandwidth + s.contextTokens * kvPerTokenS + (s.expansionContextTokens ?? 0) * expansionPerTokenS;
		const computeS = tokens * flopsPerTokenS + (s.attentionTokenPairs ?? 0) * attentionPairS;
		return passTimeS(memoryS, computeS);
	};
	const overheadOf = (s: Readonly<StepShape>, targetS: number, draftS: number): number =>
		targetS > 0 || draftS > 0 ? fixedOverheadS + communicationS(stepTokens(s)) + s.numScheduledSpecTokens * expansionPerSequenceS : 0;

	return {
		singleTokenStepS,
		stepLatencyS(shape) {
			checkShape(shape);
			const targetS = targetOf(shape);
			const draftS = draftCost(shape);
			return targetS + draftS + overheadOf(shape, targetS, draftS);
		},
		breakdown(shape, out = {targetS: 0, draftS: 0, overheadS: 0}) {
			checkShape(shape);
			out.targetS = targetOf(shape);
			out.draftS = draftCost(shape);
			out.overheadS = overheadOf(shape, out.targetS, out.draftS);
			return out;
		},
	};
}

/**
 * KV-cache capacity in tokens: what is left of `gpuMemoryUtilization` of the group's memory after
 * the weights (and `reservedBytes`, e.g. draft weights or activation workspace), divided by
 * `kvBytesPerToken`. vLLM also subtracts the profiled activation peak and CUDA-graph memory;
 * pass an estimate as `reservedBytes` to mimic that.
 *
 *     floor((memoryBytesPerGpu × gpus × gpuMemoryUtilization − params × bytesPerParam − reservedBytes) / kvBytesPerToken)
 *
 * @throws RangeError when nothing is left for the KV cache (the model does not fit).
 */
export function kvCapacityTokens(model: ModelCostSpec, hardware: HardwareSpec, gpuMemoryUtilization = 0.9, reservedBytes = 0): number {
	validateModel(model);
	validateHardware(hardware);
	if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
		throw new RangeError(`gpuMemoryUtilization must be in (0, 1], got ${gpuMemoryUtilization}`);
	}
	requireNonNegative(reservedBytes, 'reservedBytes');
	const budget = hardware.memoryBytesPerGpu * hardware.gpus * gpuMemoryUtilization;
	const weights = model.params * model.bytesPerParam;
	const free = budget - weights - reservedBytes;
	const tokens = Math.floor(free / model.kvBytesPerToken);
	if (!(tokens > 0)) {
		const gb = (x: number): string => (x / 1e9).toFixed(1);
		throw new RangeError(
			`${model.name} does not fit on ${hardware.gpus}× ${hardware.name}: ${gb(weights)} GB of weights + ${gb(reservedBytes)} GB reserved leave no KV cache in ${gb(budget)} GB (gpuMemoryUtilization ${gpuMemoryUtilization})`,
		);
	}
	return tokens;
}

/** `2 × numLayers × numKvHeads × headDim × bytesPerElement`: KV bytes per token of a GQA/MHA model. */
export function kvBytesPerTokenFromConfig(config: {numLayers: number; numKvHeads: number; headDim: number; bytesPerElement: number}): number {
	return 2 * config.numLayers * config.numKvHeads * config.headDim * config.bytesPerElement;
}

function checkShape(s: Readonly<StepShape>): void {
	const {numPrefillTokens: p, numDecodeRequests: d, numScheduledSpecTokens: t, numDraftingRequests: n, draftLength: k, contextTokens: c} = s;
	// One comparison chain on the hot path (NaN fails every comparison).
	if (!(p >= 0 && d >= 0 && t >= 0 && n >= 0 && k >= 0 && c >= 0 && p + d + t + n + k + c < Number.POSITIVE_INFINITY)) {
		throw new RangeError(
			`step shape fields must be finite numbers >= 0, got numPrefillTokens=${p}, numDecodeRequests=${d}, numScheduledSpecTokens=${t}, numDraftingRequests=${n}, draftLength=${k}, contextTokens=${c}`,
		);
	}
}
