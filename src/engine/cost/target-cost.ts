import type {HardwareSpec, ModelCostSpec, StepShape} from './types.js';

/**
 * Seconds of one forward pass that streams `memoryS` worth of bytes and does `computeS` worth of
 * FLOPs: the quadratic mean `√(memory² + compute²)` of the two roofline times, not their maximum.
 * Measured GEMM times bend smoothly through the ridge point instead of switching from the
 * memory to the compute line: vidur's per-layer operator profiles (Llama-2-7B on H100, Llama-3-8B
 * on A100; table in docs/validation.md) sit 13–40% above `max` at 128–384 tokens, where
 * verification batches of `B·(k + 1)` tokens land, and within a few percent of the quadratic
 * mean. Far from the ridge both agree (at one token the compute term adds `< 0.01%` for an 8B
 * model), so batch-1 calibrations are unchanged. Non-decreasing in both arguments.
 */
export function passTimeS(memoryS: number, computeS: number): number {
	return Math.sqrt(memoryS * memoryS + computeS * computeS);
}

/** Default seconds per tensor-parallel all-reduce (launch and synchronisation) when the hardware gives none. */
export const DEFAULT_ALL_REDUCE_LATENCY_S = 8e-6;

/**
 * Bytes of weights one forward pass over `tokens` tokens reads. Dense models read every weight.
 * A mixture of experts reads its dense part (attention, shared experts, embeddings, router) and
 * only the experts its tokens are routed to: with `E` experts, `k` per token and `T` tokens spread
 * uniformly, the expected fraction of a layer's experts touched is `1 − (1 − k/E)^T`, which is
 * `k/E` at one token and tends to 1 (every expert) at large batch.
 */
export function makeWeightBytes(model: ModelCostSpec): (tokens: number) => number {
	const total = model.params * model.bytesPerParam;
	const moe = model.moe;
	if (moe === undefined) return () => total;
	const expertBytes = moe.expertParams * model.bytesPerParam;
	const denseBytes = total - expertBytes;
	const miss = 1 - moe.expertsPerToken / moe.numExperts;
	return tokens => denseBytes + expertBytes * (1 - miss ** tokens);
}

/**
 * Attention FLOPs per (query token, context token) pair over all layers: `QKᵀ` and `AV` are
 * `2·heads·qkHeadDim` and `2·heads·vHeadDim` FLOPs. For MLA (DeepSeek) in vLLM's absorbed decode
 * form the head dimensions are the latent ones: `kv_lora_rank + qk_rope_head_dim` for `QKᵀ` and
 * `kv_lora_rank` for `AV`. 0 when the model gives no attention shapes.
 */
export function attentionFlopsPerPair(model: ModelCostSpec): number {
	const a = model.attention;
	if (a === undefined) return 0;
	return 2 * a.numHeads * (a.qkHeadDim + a.vHeadDim) * model.numLayers;
}

/**
 * Seconds of tensor-parallel communication one step costs: two all-reduces per layer (after
 * attention and after the MLP) of `tokens × hiddenSize × 2` bytes (bf16 activations), each
 * `latency + 2(n − 1)/n × bytes / linkBandwidth` (a ring all-reduce), plus the flat
 * `interconnectOverheadS`. 0 on one GPU.
 */
export function makeCommunication(model: ModelCostSpec, hardware: HardwareSpec): (tokens: number) => number {
	const n = hardware.gpus;
	if (n <= 1) return () => 0;
	const flat = hardware.interconnectOverheadS ?? 0;
	const link = hardware.interconnectBytesPerS;
	const hidden = model.hiddenSize;
	if (link === undefined || hidden === undefined) return () => flat;
	const allReduces = 2 * model.numLayers;
	const latency = hardware.allReduceLatencyS ?? DEFAULT_ALL_REDUCE_LATENCY_S;
	const perTokenS = ((2 * (n - 1)) / n) * ((hidden * 2) / link);
	return tokens => flat + allReduces * (latency + tokens * perTokenS);
}

/** Query tokens of a step: prompt chunks, one per decoding request, and the drafts verified. */
export function stepTokens(s: Readonly<StepShape>): number {
	return s.numPrefillTokens + s.numDecodeRequests + s.numScheduledSpecTokens;
}
