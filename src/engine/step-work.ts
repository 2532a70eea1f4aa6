import {attentionFlopsPerPair, makeWeightBytes, stepTokens} from './cost/target-cost.js';
import type {HardwareSpec, ModelCostSpec, StepShape} from './cost/types.js';

/** One step's estimated work per GPU, as vLLM's `PerfStats` reports it (`--enable-mfu-metrics`). */
export type StepWork = {
	/** `num_flops_per_gpu`. */
	flops: number;
	/** `num_read_bytes_per_gpu`. */
	readBytes: number;
	/** `num_write_bytes_per_gpu`. */
	writeBytes: number;
};

/**
 * vLLM's MFU estimator (`ModelMetrics.get_step_perf_stats_per_gpu`, `vllm/v1/metrics/perf.py`) fed
 * from the target roofline's own per-step quantities (`cost/target-cost.ts`), so the counters agree
 * with the step times the simulation charges. For a step of `T` query tokens (prompt chunks,
 * decode tokens and verified drafts: `stepTokens`), context `C` and attention pairs `P`, over the
 * group's `gpus` (tensor parallel):
 *
 *     flops      = (T × 2 × activeParams + P × attentionFlopsPerPair) / gpus
 *     readBytes  = (weightBytes(T) + C × kvBytesPerToken) / gpus
 *     writeBytes = T × kvBytesPerToken / gpus
 *
 * each floored to an integer, as vLLM's components are. vLLM sums analytic per-component terms
 * (QKV/out projections, attention, SwiGLU FFN or routed experts, unembedding of the logits
 * tokens); the roofline's `2 × activeParams` FLOPs per token covers the projections, FFN and LM
 * head, its weight and KV bytes are the dominant read terms, and the KV cache writes are vLLM's
 * `kv_cache` write term. Activation traffic, which vLLM also counts, is left out as the roofline
 * leaves it out (docs/vllm-metrics.md). Only the target model counts: vLLM builds `ModelMetrics`
 * from the target's `model_config`, never from the drafter. Allocation-free.
 */
export function createStepWork(model: ModelCostSpec, hardware: HardwareSpec): (shape: Readonly<StepShape>, out: StepWork) => StepWork {
	const gpus = hardware.gpus;
	const weightBytes = makeWeightBytes(model);
	const flopsPerToken = 2 * (model.activeParams ?? model.params);
	const flopsPerPair = attentionFlopsPerPair(model);
	const kvBytesPerToken = model.kvBytesPerToken;
	return (shape, out) => {
		const tokens = stepTokens(shape);
		if (tokens === 0) {
			out.flops = 0;
			out.readBytes = 0;
			out.writeBytes = 0;
			return out;
		}
		out.flops = Math.floor((tokens * flopsPerToken + (shape.attentionTokenPairs ?? 0) * flopsPerPair) / gpus);
		out.readBytes = Math.floor((weightBytes(tokens) + shape.contextTokens * kvBytesPerToken) / gpus);
		out.writeBytes = Math.floor((tokens * kvBytesPerToken) / gpus);
		return out;
	};
}
