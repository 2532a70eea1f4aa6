import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {
	BUILTIN_HARDWARE,
	BUILTIN_MODELS,
	createCostModel,
	kvBytesPerTokenFromConfig,
	kvCapacityTokens,
	type CostModel,
	type DraftCostSpec,
	type StepShape,
} from '../../src/engine/cost-model.js';

const h100 = BUILTIN_HARDWARE['h100-sxm'];
const llama8b = BUILTIN_MODELS['llama-3.1-8b'];
const B = 3.35e12 * 0.85; // effective bandwidth, default efficiency
const F = 989.5e12 * 0.6; // effective FLOP/s, default efficiency
const W = 8_030_261_248 * 2; // Llama-3.1-8B bf16 weight bytes
/** One forward pass: memory and compute time combined as a quadratic mean (cost-model.ts's doc comment). */
const pass = (memoryS: number, computeS: number): number => Math.sqrt(memoryS ** 2 + computeS ** 2);
const N = 8_030_261_248; // FLOPs per token are 2N

/** A pure-decode step: `batch` requests, each verifying `k` drafts and drafting `k` more, `ctx` context each. */
const decode = (batch: number, k: number, ctx: number): StepShape => ({
	numPrefillTokens: 0,
	numDecodeRequests: batch,
	numScheduledSpecTokens: batch * k,
	numDraftingRequests: k > 0 ? batch : 0,
	draftLength: k,
	contextTokens: batch * ctx,
});

/** EAGLE-style head of 5% of the target (~0.4B: one decoder layer, the fc fusion layer and a draft LM head). */
const eagleHead: DraftCostSpec = {kind: 'per-token-head', headParamsFraction: 0.05};

describe('built-in data', () => {
	/** Parameters of a Llama/Qwen3-style dense decoder from its config.json shapes. */
	const denseParams = (c: {
		vocab: number;
		hidden: number;
		inter: number;
		layers: number;
		heads: number;
		kvHeads: number;
		headDim: number;
		qkNorm: boolean;
	}) =>
		c.layers *
			(2 * c.hidden * c.heads * c.headDim +
				2 * c.hidden * c.kvHeads * c.headDim +
				3 * c.hidden * c.inter +
				2 * c.hidden +
				(c.qkNorm ? 2 * c.headDim : 0)) +
		2 * c.vocab * c.hidden +
		c.hidden;

	it.each([
		['llama-3.1-8b', {vocab: 128_256, hidden: 4096, inter: 14_336, layers: 32, heads: 32, kvHeads: 8, headDim: 128, qkNorm: false}],
		['llama-3.1-70b', {vocab: 128_256, hidden: 8192, inter: 28_672, layers: 80, heads: 64, kvHeads: 8, headDim: 128, qkNorm: false}],
		['qwen3-8b', {vocab: 151_936, hidden: 4096, inter: 12_288, layers: 36, heads: 32, kvHeads: 8, headDim: 128, qkNorm: true}],
	] as const)('%s: params and KV bytes follow from config.json', (name, config) => {
		const model = BUILTIN_MODELS[name];
		expect(model.params).toBe(denseParams(config));
		expect(model.numLayers).toBe(config.layers);
		expect(model.kvBytesPerToken).toBe(
			kvBytesPerTokenFromConfig({numLayers: config.layers, numKvHeads: config.kvHeads, headDim: config.headDim, bytesPerElement: 2}),
		);
	});

	it('every built-in names its source', () => {
		for (const spec of [...Object.values(BUILTIN_HARDWARE), ...Object.values(BUILTIN_MODELS)]) expect(spec.source.length).toBeGreaterThan(40);
	});
});

describe('createCostModel: the roofline', () => {
	const plain = createCostModel({model: llama8b, hardware: h100});

	it('an 8B model on one H100 at batch 1 is memory-bound at ~5.6 ms a step', () => {
		const t = plain.stepLatencyS(decode(1, 0, 0));
		expect(t).toBeCloseTo(pass(W / B, (2 * N) / F), 15); // 16.06 GB / 2.85 TB/s; the 27 µs of FLOPs add 0.07 µs
		expect(t / (W / B) - 1).toBeLessThan(1e-4);
		expect(t).toBeGreaterThan(0.004);
		expect(t).toBeLessThan(0.007);
		expect(plain.singleTokenStepS).toBe(t);
	});

	it('verifying k + 1 tokens at batch 1 costs about the same target time as 1 token', () => {
		for (const ctx of [0, 1000, 8000]) {
			const one = plain.stepLatencyS(decode(1, 0, ctx));
			const six = plain.stepLatencyS(decode(1, 5, ctx));
			expect(six).toBeCloseTo(pass((W + ctx * 131_072) / B, (6 * 2 * N) / F), 15);
			expect(six / one - 1).toBeLessThan(1e-3); // 6 tokens of FLOPs: 0.16 ms against 5.6 ms of weights
		}
		// Reading an 8,000-token context adds its KV bytes: 8000 × 128 KiB / B.
		expect(plain.stepLatencyS(decode(1, 0, 8000)) - plain.stepLatencyS(decode(1, 0, 0))).toBeCloseTo((8000 * 131_072) / B, 7);
	});

	it('verification batches near the ridge cost more than the larger roofline term (quadratic mean)', () => {
		// 64 requests × 4 tokens: 256 tokens of FLOPs (6.92 ms) against 5.64 ms of weights and 64 × 512 tokens of KV.
		const memoryS = (W + 64 * 512 * 131_072) / B;
		const computeS = (256 * 2 * N) / F;
		const t = plain.breakdown(decode(64, 3, 512)).targetS;
		expect(t).toBeCloseTo(pass(memoryS, computeS), 15);
		expect(t / Math.max(memoryS, computeS)).toBeGreaterThan(1.25);
	});

	it('256 requests × (k + 1) tokens make the step compute-bound', () => {
		const shape = decode(256, 5, 512);
		expect(plain.breakdown(shape).targetS).toBeCloseTo(pass((W + 256 * 512 * 131_072) / B, (1536 * 2 * N) / F), 12);
		// Far past the ridge the compute term dominates: within 5% of it.
		expect(plain.breakdown(shape).targetS / ((1536 * 2 * N) / F)).toBeLessThan(1.05);
		expect(plain.stepLatencyS(shape)).toBeGreaterThan(plain.stepLatencyS(decode(256, 0, 512)) * 3);
	});

	it('speculation with k = 5 and acceptance length 2.5 pays at batch 1 and loses at batch 256', () => {
		const model = createCostModel({model: llama8b, hardware: h100, draft: eagleHead});
		// Tokens per second with spec = L / step(spec); without = 1 / step(no spec).
		const speedup = (batch: number) => 2.5 / model.stepLatencyS(decode(batch, 5, 512)) / (1 / model.stepLatencyS(decode(batch, 0, 512)));
		// Expected values computed in Python from the roofline of cost-model.ts's doc comment
		// (pass(t, C) = √(((W + C·kv) / B)² + (t·2N / F)²); the head: 5% of W and N, one layer's KV):
		// batch 1: 5.6639 ms without, 7.0800 ms with (five head passes) -> 1.9999535672941735;
		// batch 256: 13.5731 ms without, 47.6270 ms with -> 0.7124710226921097.
		expect(speedup(1)).toBeGreaterThan(1.5);
		expect(speedup(1)).toBeCloseTo(1.9999535672941735, 12);
		expect(speedup(256)).toBeLessThan(1);
		expect(speedup(256)).toBeCloseTo(0.7124710226921097, 12);
	});

	it('tensor parallelism divides the time and adds interconnect overhead only when gpus > 1', () => {
		const tp2 = createCostModel({model: llama8b, hardware: {...h100, gpus: 2, interconnectOverheadS: 0.001}});
		// Plus two ring all-reduces per layer of one token's activations (4096 × 2 bytes) over NVLink.
		const allReduces = 2 * 32 * (8e-6 + ((2 * 1) / 2) * ((4096 * 2) / 450e9));
		expect(tp2.stepLatencyS(decode(1, 0, 0))).toBeCloseTo(pass(W / (2 * B), N / F) + 0.001 + allReduces, 15);
		const tp1 = createCostModel({model: llama8b, hardware: {...h100, interconnectOverheadS: 0.001}});
		expect(tp1.stepLatencyS(decode(1, 0, 0))).toBeCloseTo(pass(W / B, (2 * N) / F), 15);
	});

	it('MoE active parameters cut compute but not weight traffic', () => {
		const moe = createCostModel({model: {...llama8b, activeParams: 2e9}, hardware: h100});
		expect(moe.stepLatencyS(decode(1, 0, 0))).toBeCloseTo(pass(W / B, (2 * 2e9) / F), 15);
		expect(moe.stepLatencyS(decode(1, 0, 0)) / plain.stepLatencyS(decode(1, 0, 0)) - 1).toBeLessThan(1e-4);
		expect(moe.breakdown(decode(2000, 0, 0)).targetS).toBeCloseTo(pass(W / B, (2000 * 2 * 2e9) / F), 12);
	});

	it('an empty step costs nothing; overhead is added once anything runs; breakdown adds up', () => {
		const model = createCostModel({model: llama8b, hardware: h100, draft: eagleHead, overheadS: 0.002});
		expect(model.stepLatencyS(decode(0, 0, 0))).toBe(0);
		const shape: StepShape = {
			numPrefillTokens: 300,
			numDecodeRequests: 7,
			numScheduledSpecTokens: 12,
			numDraftingRequests: 5,
			draftLength: 3,
			contextTokens: 9000,
		};
		const out = {targetS: -1, draftS: -1, overheadS: -1};
		const parts = model.breakdown(shape, out);
		expect(parts).toBe(out);
		expect(parts.overheadS).toBe(0.002);
		expect(parts.targetS + parts.draftS + parts.overheadS).toBe(model.stepLatencyS(shape));
	});

	it('rejects invalid specs and shapes naming the field', () => {
		expect(() => createCostModel({model: {...llama8b, params: 0}, hardware: h100})).toThrow(
			new RangeError('model.params must be a positive finite number, got 0'),
		);
		expect(() => createCostModel({model: llama8b, hardware: {...h100, gpus: 0}})).toThrow(
			new RangeError('hardware.gpus must be a positive integer, got 0'),
		);
		expect(() => createCostModel({model: llama8b, hardware: {...h100, flopsEfficiency: 1.5}})).toThrow(
			new RangeError('hardware.flopsEfficiency must be in (0, 1], got 1.5'),
		);
		expect(() =>
			createCostModel({model: llama8b, hardware: h100, draft: {kind: 'per-token-head', headParams: 1e8, headParamsFraction: 0.1}}),
		).toThrow(TypeError);
		expect(() => createCostModel({model: llama8b, hardware: h100, draft: {kind: 'ratio', c: -1}})).toThrow(
			new RangeError('draft.c must be a finite number >= 0, got -1'),
		);
		expect(() => createCostModel({model: llama8b, hardware: h100, draft: {kind: 'magic'} as unknown as DraftCostSpec})).toThrow(TypeError);
		expect(() => plain.stepLatencyS({...decode(1, 0, 0), contextTokens: -1})).toThrow(
			new RangeError(
				'step shape fields must be finite numbers >= 0, got numPrefillTokens=0, numDecodeRequests=1, numScheduledSpecTokens=0, numDraftingRequests=0, draftLength=0, contextTokens=-1',
			),
		);
		expect(() => plain.stepLatencyS({...decode(1, 0, 0), numDecodeRequests: Number.NaN})).toThrow(RangeError);
	});
});

describe('draft kinds', () => {
	const build = (draft: DraftCostSpec): CostModel => createCostModel({model: llama8b, hardware: h100, draft});

	it("ratio: at batch 1 a step is T1 × (1 + k·c), so Leviathan's speedup holds", () => {
		// S(α, γ, c) = (1 − α^(γ+1)) / ((1 − α)(γc + 1)); docs/analytic-model.md computes
		// (0.8, 8, 0.05) → 3.09, (0.6, 3, 0.1) → 1.67, (0.9, 19, 0.02) → 6.37.
		for (const [alpha, k, c, expected] of [
			[0.8, 8, 0.05, 3.09],
			[0.6, 3, 0.1, 1.67],
			[0.9, 19, 0.02, 6.37],
		] as const) {
			// Leviathan's model has verification of k + 1 tokens cost what one token does: exact when
			// the FLOPs are negligible (here: an H100 with unbounded FLOP/s). On a real H100 the 20
			// tokens of k = 19 add 0.45% through the quadratic mean.
			const model = createCostModel({model: llama8b, hardware: {...h100, peakFlops: 1e30}, draft: {kind: 'ratio', c}});
			const t1 = model.singleTokenStepS;
			const withSpec = model.stepLatencyS(decode(1, k, 0));
			expect(withSpec).toBeCloseTo(t1 * (1 + k * c), 15);
			const tau = (1 - alpha ** (k + 1)) / (1 - alpha); // = 1 + Σ r_i with r_i = α^(i+1)
			const speedup = tau / (withSpec / model.stepLatencyS(decode(1, 0, 0)));
			expect(speedup).toBeCloseTo(tau / (1 + k * c), 12);
			expect(speedup).toBeCloseTo(expected, 2);
		}
	});

	it('sequential-model: k passes, the first over every target token', () => {
		const draftParams = 1e9;
		const model = build({kind: 'sequential-model', draftParams, bytesPerParam: 2});
		const passMemoryS = (draftParams * 2) / B;
		// Batch 1: every pass is memory-bound (the first ingests 5 tokens, the other 3 one each).
		const perToken = (2 * draftParams) / F;
		expect(model.breakdown(decode(1, 4, 0)).draftS).toBeCloseTo(pass(passMemoryS, 5 * perToken) + 3 * pass(passMemoryS, perToken), 15);
		// 4,000 prompt tokens and no drafting requests: one compute-bound ingest pass.
		const prefill: StepShape = {
			numPrefillTokens: 4000,
			numDecodeRequests: 0,
			numScheduledSpecTokens: 0,
			numDraftingRequests: 0,
			draftLength: 4,
			contextTokens: 0,
		};
		expect(model.breakdown(prefill).draftS).toBeCloseTo(pass(passMemoryS, 4000 * perToken), 15);
		expect(model.breakdown({...prefill, draftLength: 0}).draftS).toBe(0);
	});

	it('per-token-head reads one target layer of KV per head layer', () => {
		const model = build({kind: 'per-token-head', headParams: 2e8, numLayers: 1});
		const a = model.breakdown(decode(1, 3, 0)).draftS;
		const b = model.breakdown(decode(1, 3, 10_000)).draftS;
		// Three memory-bound passes, each reading 10,000 tokens of one layer's KV more.
		expect(b - a).toBeCloseTo((3 * 10_000 * (131_072 / 32)) / B, 7);
		const kvS = (10_000 * (131_072 / 32)) / B;
		const weightsS = (2e8 * 2) / B;
		const perToken = (2 * 2e8) / F;
		expect(b).toBeCloseTo(pass(weightsS + kvS, 4 * perToken) + 2 * pass(weightsS + kvS, perToken), 12);
	});

	it('passOverheadS is paid once a pass (k times), stepOverheadS once a step whatever k', () => {
		const head = {kind: 'per-token-head', headParams: 4e8} as const;
		const plain = build(head);
		const withOverheads = build({...head, passOverheadS: 7e-4, stepOverheadS: 1.3e-3});
		for (const k of [1, 2, 4, 7]) {
			const extra = withOverheads.breakdown(decode(1, k, 100)).draftS - plain.breakdown(decode(1, k, 100)).draftS;
			expect(extra).toBeCloseTo(1.3e-3 + k * 7e-4, 12);
		}
		expect(withOverheads.breakdown(decode(1, 0, 100)).draftS).toBe(0);
		const medusa = build({kind: 'parallel-heads', headParams: 3e8, passOverheadS: 1e-4, stepOverheadS: 2e-4});
		expect(medusa.breakdown(decode(1, 4, 0)).draftS).toBeCloseTo(pass((4 * 3e8 * 2) / B, (4 * 2 * 3e8) / F) + 3e-4, 15);
	});

	it('parallel-heads: one pass over the drafting requests for k heads', () => {
		const model = build({kind: 'parallel-heads', headParams: 3e8});
		expect(model.breakdown(decode(1, 4, 0)).draftS).toBeCloseTo(pass((4 * 3e8 * 2) / B, (4 * 2 * 3e8) / F), 15);
		expect(model.breakdown(decode(4096, 4, 0)).draftS).toBeCloseTo(pass((4 * 3e8 * 2) / B, (4096 * 4 * 2 * 3e8) / F), 12);
	});

	it('cpu: perRequestS + k × perTokenS per drafting request', () => {
		const model = build({kind: 'cpu', perTokenS: 1e-6, perRequestS: 2e-5});
		expect(model.breakdown(decode(10, 3, 100)).draftS).toBeCloseTo(10 * (2e-5 + 3e-6), 15);
		expect(model.breakdown(decode(10, 0, 100)).draftS).toBe(0);
	});

	it('none costs nothing', () => {
		expect(build({kind: 'none'}).breakdown(decode(64, 5, 100)).draftS).toBe(0);
	});
});

describe('monotonicity', () => {
	const drafts: DraftCostSpec[] = [
		{kind: 'none'},
		{kind: 'sequential-model', draftParams: 5e8, bytesPerParam: 2, kvBytesPerToken: 20_000},
		eagleHead,
		{kind: 'parallel-heads', headParams: 2e8},
		{kind: 'cpu', perTokenS: 5e-7, perRequestS: 1e-5},
		{kind: 'ratio', c: 0.05},
	];
	const models = drafts.map(draft => createCostModel({model: llama8b, hardware: h100, draft, overheadS: 0.001}));
	const fields = ['numPrefillTokens', 'numDecodeRequests', 'numScheduledSpecTokens', 'numDraftingRequests', 'draftLength', 'contextTokens'] as const;
	const count = fc.integer({min: 0, max: 5000});
	const shape = fc.record({
		numPrefillTokens: count,
		numDecodeRequests: fc.integer({min: 0, max: 512}),
		numScheduledSpecTokens: count,
		numDraftingRequests: fc.integer({min: 0, max: 512}),
		draftLength: fc.integer({min: 0, max: 10}),
		contextTokens: fc.integer({min: 0, max: 2_000_000}),
	});

	test.prop([fc.integer({min: 0, max: models.length - 1}), shape, fc.constantFrom(...fields), fc.integer({min: 1, max: 3000})])(
		'latency is non-decreasing in every shape field, for every draft kind',
		(m, s, field, delta) => {
			const model = models[m]!;
			expect(model.stepLatencyS({...s, [field]: s[field] + delta})).toBeGreaterThanOrEqual(model.stepLatencyS(s));
		},
	);
});

describe('kvCapacityTokens', () => {
	it('is what 90% of memory leaves after the weights, in tokens', () => {
		const tokens = kvCapacityTokens(llama8b, h100);
		expect(tokens).toBe(Math.floor((81_559 * 2 ** 20 * 0.9 - W) / 131_072));
		expect(tokens).toBe(464_692);
		// vLLM 0.8.4 measured 29,205 blocks × 16 = 467,280 tokens for this model on one H100
		// (inference-sim/inference-sim defaults.yaml, total_kv_blocks); we are within 1%.
		expect(Math.abs(tokens / 467_280 - 1)).toBeLessThan(0.01);
	});

	it('scales with gpus, utilisation and reserved bytes', () => {
		const llama70b = BUILTIN_MODELS['llama-3.1-70b'];
		const tp4 = kvCapacityTokens(llama70b, {...h100, gpus: 4}, 0.9);
		expect(tp4).toBe(Math.floor((4 * 81_559 * 2 ** 20 * 0.9 - 70_553_706_496 * 2) / 327_680));
		expect(kvCapacityTokens(llama8b, h100, 0.5, 1e9)).toBe(Math.floor((81_559 * 2 ** 20 * 0.5 - W - 1e9) / 131_072));
	});

	it('throws when the model does not fit', () => {
		expect(() => kvCapacityTokens(BUILTIN_MODELS['llama-3.1-70b'], h100)).toThrow(RangeError);
		expect(() => kvCapacityTokens(llama8b, BUILTIN_HARDWARE['rtx-4090'], 0.5)).toThrow(/does not fit on 1× NVIDIA GeForce RTX 4090/);
		expect(() => kvCapacityTokens(llama8b, h100, 0)).toThrow(new RangeError('gpuMemoryUtilization must be in (0, 1], got 0'));
	});
});
