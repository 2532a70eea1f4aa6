import {describe, expect, it} from 'vitest';
import {BUILTIN_HARDWARE, BUILTIN_MODELS, createCostModel, kvBytesPerTokenFromConfig, kvCapacityTokens} from '../../src/engine/cost-model.js';

/** The built-in models and hardware the presets added, checked against their stated shapes. */
describe('built-ins added for the presets', () => {
	it('gpt-oss-20b: params from config.json shapes, 3.6B active, MXFP4 experts', () => {
		const h = 2880;
		const heads = 64;
		const kvHeads = 8;
		const headDim = 64;
		const experts = 32;
		const inter = 2880;
		const vocab = 201_088;
		const layers = 24;
		// q, k, v, o with biases, and one attention sink per head.
		const attention = h * heads * headDim + heads * headDim + 2 * (h * kvHeads * headDim + kvHeads * headDim) + heads * headDim * h + h + heads;
		// Each expert: fused gate/up (2 × inter) and down projections with biases.
		const expert = h * 2 * inter + 2 * inter + inter * h + h;
		const router = h * experts + experts;
		const perLayer = attention + experts * expert + router + 2 * h;
		const model = BUILTIN_MODELS['gpt-oss-20b'];
		expect(model.params).toBe(layers * perLayer + 2 * vocab * h + h);
		expect(model.activeParams).toBe(layers * (attention + 4 * expert + router + 2 * h) + vocab * h + h);
		expect(model.activeParams / 1e9).toBeCloseTo(3.6, 1);
		const expertParams = layers * experts * expert;
		expect(model.bytesPerParam).toBeCloseTo((expertParams * (4.25 / 8) + (model.params - expertParams) * 2) / model.params, 4);
		expect(model.kvBytesPerToken).toBe(kvBytesPerTokenFromConfig({numLayers: layers, numKvHeads: kvHeads, headDim, bytesPerElement: 2}));
	});

	it('vicuna-13b: LLaMA-13B shapes', () => {
		const [h, inter, layers, vocab] = [5120, 13_824, 40, 32_000];
		const model = BUILTIN_MODELS['vicuna-13b'];
		expect(model.params).toBe(layers * (4 * h * h + 3 * h * inter + 2 * h) + 2 * vocab * h + h);
		expect(model.kvBytesPerToken).toBe(kvBytesPerTokenFromConfig({numLayers: layers, numKvHeads: 40, headDim: 128, bytesPerElement: 2}));
	});

	it('KV bytes per token: MLA latent (DeepSeek-V3), full-attention layers only (Qwen3-Next), T5 decoder', () => {
		expect(BUILTIN_MODELS['deepseek-v3'].kvBytesPerToken).toBe((512 + 64) * 2 * 61);
		expect(BUILTIN_MODELS['qwen3-next-80b-a3b'].kvBytesPerToken).toBe(
			kvBytesPerTokenFromConfig({numLayers: 48 / 4, numKvHeads: 2, headDim: 256, bytesPerElement: 2}),
		);
		expect(BUILTIN_MODELS['t5-xxl'].kvBytesPerToken).toBe(
			kvBytesPerTokenFromConfig({numLayers: 24, numKvHeads: 64, headDim: 64, bytesPerElement: 2}),
		);
	});

	it('the large models fit where the presets put them, and not on fewer GPUs', () => {
		const h200 = BUILTIN_HARDWARE.h200;
		const h100 = BUILTIN_HARDWARE['h100-sxm'];
		expect(kvCapacityTokens(BUILTIN_MODELS['deepseek-v3'], {...h200, gpus: 8})).toBeGreaterThan(1_000_000);
		expect(() => kvCapacityTokens(BUILTIN_MODELS['deepseek-v3'], {...h100, gpus: 8})).toThrow(/does not fit/);
		expect(kvCapacityTokens(BUILTIN_MODELS['qwen3-next-80b-a3b'], {...h100, gpus: 4})).toBeGreaterThan(1_000_000);
		expect(() => kvCapacityTokens(BUILTIN_MODELS['qwen3-next-80b-a3b'], h100)).toThrow(/does not fit/);
		expect(kvCapacityTokens(BUILTIN_MODELS['t5-xxl'], BUILTIN_HARDWARE['tpu-v4'])).toBeGreaterThan(10_000);
	});

	it('an H200 streams weights 4.8/3.35 times faster than an H100 (same dense bf16 FLOP/s)', () => {
		const model = BUILTIN_MODELS['llama-3.1-8b'];
		const t = (hardware: (typeof BUILTIN_HARDWARE)[keyof typeof BUILTIN_HARDWARE]): number => createCostModel({model, hardware}).singleTokenStepS;
		// Memory-bound: the one token's FLOPs move the quadratic-mean pass time by ~2e-5 relative.
		expect(t(BUILTIN_HARDWARE['h100-sxm']) / t(BUILTIN_HARDWARE.h200)).toBeCloseTo(4.8 / 3.35, 4);
		expect(BUILTIN_HARDWARE.h200.peakFlops).toBe(BUILTIN_HARDWARE['h100-sxm'].peakFlops);
	});
});
