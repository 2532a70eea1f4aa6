import {describe, expect, it} from 'vitest';
import {simConfigSchema} from '../../../src/config/schema.js';
import {createCostModel} from '../../../src/engine/cost-model.js';
import {BUILTIN_HARDWARE} from '../../../src/engine/cost/hardware.js';
import {BUILTIN_MODELS} from '../../../src/engine/cost/models.js';
import type {HardwareSpec, StepShape} from '../../../src/engine/cost/types.js';
import {createStepWork, type StepWork} from '../../../src/engine/step-work.js';
import {attachPrometheus} from '../../../src/metrics/prom/attach.js';
import {getMetrics, type Counter, type Metric} from '../../../src/metrics/reader.js';
import {buildSimulation} from '../../../src/sim/build.js';

const LLAMA_8B = BUILTIN_MODELS['llama-3.1-8b'];
const QWEN_MOE = BUILTIN_MODELS['qwen3-30b-a3b'];
const H100: HardwareSpec = BUILTIN_HARDWARE['h100-sxm'];

/** A mixed batch: a 100-token prompt chunk after 50 computed tokens, 3 decoding requests verifying 6 drafts in all. */
const SHAPE: StepShape = {
	numPrefillTokens: 100,
	numDecodeRequests: 3,
	numScheduledSpecTokens: 6,
	numDraftingRequests: 3,
	draftLength: 2,
	contextTokens: 150 + 3 * 1000 + 9,
	attentionTokenPairs: 100 * (50 + 101 / 2) + 3 * (1000 * 3 + 6),
};

const work = (): StepWork => ({flops: 0, readBytes: 0, writeBytes: 0});

describe('createStepWork (the per-step PerfStats behind --enable-mfu-metrics)', () => {
	it("divides the target's FLOPs, weight and KV reads and KV writes over the tensor-parallel GPUs, floored like vLLM's ints", () => {
		const tp2 = createStepWork(LLAMA_8B, {...H100, gpus: 2})(SHAPE, work());
		const tokens = 109;
		// Llama-3.1-8B: 32 heads of 128 over 32 layers; QKᵀ and AV are 2·heads·head_dim FLOPs per pair and layer each.
		const attentionPerPair = 2 * 32 * (128 + 128) * 32;
		expect(tp2.flops).toBe(Math.floor((tokens * 2 * 8_030_261_248 + SHAPE.attentionTokenPairs! * attentionPerPair) / 2));
		expect(tp2.readBytes).toBe(Math.floor((8_030_261_248 * 2 + SHAPE.contextTokens * 131_072) / 2));
		expect(tp2.writeBytes).toBe((tokens * 131_072) / 2);
		const tp1 = createStepWork(LLAMA_8B, H100)(SHAPE, work());
		expect(tp1.writeBytes).toBe(2 * tp2.writeBytes);
	});

	it('counts only the experts a batch is routed to, as the roofline reads them', () => {
		const one = createStepWork(QWEN_MOE, H100)({...SHAPE, numPrefillTokens: 0, numScheduledSpecTokens: 0, numDecodeRequests: 1}, work());
		const big = createStepWork(QWEN_MOE, H100)(SHAPE, work());
		const dense = (QWEN_MOE.params - QWEN_MOE.moe.expertParams) * 2;
		// One token reads 8 of 128 experts: dense part + 1/16 of the experts.
		expect(one.readBytes - SHAPE.contextTokens * QWEN_MOE.kvBytesPerToken).toBeCloseTo(dense + (QWEN_MOE.moe.expertParams * 2 * 8) / 128, -2);
		expect(big.readBytes).toBeGreaterThan(one.readBytes);
		// FLOPs follow the active parameters, not the total.
		expect(one.flops).toBeLessThan(2 * QWEN_MOE.params);
	});

	it('agrees with the step time the cost model charges: FLOPs are its compute term, bytes read its memory term', () => {
		// On hardware that is all compute (or all bandwidth) the roofline's step time is the other term alone
		// (no interconnect given: tensor-parallel communication costs nothing).
		const {interconnectBytesPerS: _link, ...noLink} = H100;
		const fastMemory: HardwareSpec = {...noLink, gpus: 2, hbmBandwidthBytesPerS: 1e30, bandwidthEfficiency: 1, flopsEfficiency: 1};
		const fastCompute: HardwareSpec = {...noLink, gpus: 2, peakFlops: 1e30, bandwidthEfficiency: 1, flopsEfficiency: 1};
		const computeBound = createCostModel({model: LLAMA_8B, hardware: fastMemory});
		const memoryBound = createCostModel({model: LLAMA_8B, hardware: fastCompute});
		const w = createStepWork(LLAMA_8B, {...H100, gpus: 2})(SHAPE, work());
		expect(computeBound.stepLatencyS(SHAPE)).toBeCloseTo(w.flops / H100.peakFlops, 12);
		expect(memoryBound.stepLatencyS(SHAPE)).toBeCloseTo(w.readBytes / H100.hbmBandwidthBytesPerS, 12);
	});

	it('reports nothing for an empty batch (vLLM skips a step whose PerfStats are all 0)', () => {
		const empty: StepShape = {
			...SHAPE,
			numPrefillTokens: 0,
			numDecodeRequests: 0,
			numScheduledSpecTokens: 0,
			contextTokens: 0,
			attentionTokenPairs: 0,
		};
		expect(createStepWork(LLAMA_8B, H100)(empty, work())).toEqual({flops: 0, readBytes: 0, writeBytes: 0});
	});
});

function config() {
	return simConfigSchema.parse({
		name: 'mfu',
		servedModelName: 'mfu',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		scheduler: {maxNumSeqs: 16, maxNumBatchedTokens: 512, maxModelLen: 1024},
		speculative: {method: 'eagle', numSpecTokens: 3, acceptance: {kind: 'geometric', first: 0.8, decay: 0.9}},
		workload: {
			arrival: {kind: 'poisson', rate: 10},
			classes: [{name: 'c', weight: 1, prompt: {kind: 'fixed', value: 300}, output: {kind: 'fixed', value: 100}}],
		},
		logging: {format: 'throughput'},
	});
}

const counter = (metrics: Metric[], name: string): number => {
	const found = metrics.filter(m => m.name === name);
	expect(found, name).toHaveLength(1);
	return (found[0] as Counter).value;
};

describe('--enable-mfu-metrics in attachPrometheus', () => {
	it('accumulates every scheduled token of every step (prompt chunks, decodes and verified drafts) into the counters', async () => {
		const built = buildSimulation(config(), {seed: 5});
		const prom = attachPrometheus(built, undefined, {enableMfuMetrics: true});
		let scheduledTokens = 0;
		let steps = 0;
		built.simulation.subscribe({
			onStep(out) {
				scheduledTokens += out.numScheduledTokens;
				if (out.numScheduledTokens > 0) steps += 1;
			},
		});
		built.simulation.runUntil(30);
		const m = await getMetrics(prom.registry);
		expect(scheduledTokens).toBeGreaterThan(10_000);
		// KV written: one KV entry per scheduled token, kvBytesPerToken each (one GPU).
		expect(counter(m, 'vllm:estimated_write_bytes_per_gpu')).toBe(scheduledTokens * LLAMA_8B.kvBytesPerToken);
		// FLOPs: 2 × params per token, plus attention over the context.
		const flops = counter(m, 'vllm:estimated_flops_per_gpu');
		expect(flops).toBeGreaterThan(2 * LLAMA_8B.params * scheduledTokens);
		expect(flops).toBeLessThan(1.5 * 2 * LLAMA_8B.params * scheduledTokens);
		// Bytes read: every step streams the weights once, plus the KV of its context.
		const read = counter(m, 'vllm:estimated_read_bytes_per_gpu');
		expect(read).toBeGreaterThan(steps * LLAMA_8B.params * 2);
	});

	it('leaves the counters at 0 without the flag, as vLLM does', async () => {
		const built = buildSimulation(config(), {seed: 5});
		const prom = attachPrometheus(built);
		built.simulation.runUntil(10);
		const m = await getMetrics(prom.registry);
		for (const name of ['vllm:estimated_flops_per_gpu', 'vllm:estimated_read_bytes_per_gpu', 'vllm:estimated_write_bytes_per_gpu'])
			expect(counter(m, name), name).toBe(0);
	});
});
