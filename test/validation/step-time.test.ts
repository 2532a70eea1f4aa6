import {describe, expect, it} from 'vitest';
import {BUILTIN_HARDWARE, BUILTIN_MODELS, createCostModel, type ModelCostSpec, type StepShape} from '../../src/engine/cost-model.js';
import {defaultDraftCost, draftHeadParams} from '../../src/engine/cost/draft-defaults.js';
import {attentionFlopsPerPair, makeWeightBytes} from '../../src/engine/cost/target-cost.js';
import {Engine} from '../../src/engine/engine.js';
import {createRng} from '../../src/rng/rng.js';
import {fullDrafts, iidAcceptance, spec} from '../engine/fakes.js';

const step = (over: Partial<StepShape>): StepShape => ({
	numPrefillTokens: 0,
	numDecodeRequests: 0,
	numScheduledSpecTokens: 0,
	numDraftingRequests: 0,
	draftLength: 0,
	contextTokens: 0,
	...over,
});

describe('roofline where it was knowingly wrong', () => {
	it('a mixture of experts reads k/E of its experts at one token and all of them at large batch', () => {
		const m = BUILTIN_MODELS['qwen3-30b-a3b'];
		const bytes = makeWeightBytes(m);
		const dense = (m.params - m.moe.expertParams) * m.bytesPerParam;
		const experts = m.moe.expertParams * m.bytesPerParam;
		expect(bytes(1)).toBeCloseTo(dense + experts * (8 / 128), 0);
		// 10 tokens: 1 − (1 − 8/128)^10 of the experts (independent uniform routing).
		expect(bytes(10)).toBeCloseTo(dense + experts * (1 - (120 / 128) ** 10), 0);
		expect(bytes(4096) / (m.params * m.bytesPerParam)).toBeCloseTo(1, 9);
		// A dense model always reads everything.
		expect(makeWeightBytes(BUILTIN_MODELS['llama-3.1-8b'])(1)).toBe(8_030_261_248 * 2);
		// So verifying k drafts costs a MoE more than a dense model of the same active size at batch 1.
		const h100 = {...BUILTIN_HARDWARE['h100-sxm'], gpus: 1};
		const cost = createCostModel({model: m, hardware: h100});
		const one = cost.stepLatencyS(step({numDecodeRequests: 1}));
		const four = cost.stepLatencyS(step({numDecodeRequests: 1, numScheduledSpecTokens: 3}));
		const B = 3.35e12 * 0.85;
		const F = 989.5e12 * 0.6;
		const perTokenS = (2 * (m.activeParams ?? m.params)) / F;
		const pass = (memoryS: number, computeS: number): number => Math.sqrt(memoryS ** 2 + computeS ** 2);
		expect(one).toBeCloseTo(pass(bytes(1) / B, perTokenS), 15);
		expect(four).toBeCloseTo(pass(bytes(4) / B, 4 * perTokenS), 15);
		// Nearly all of the difference is the experts the three drafts are routed to.
		expect((four - one) / ((bytes(4) - bytes(1)) / B)).toBeGreaterThan(0.99);
	});

	it('attention FLOPs over the real context: GQA heads × head_dim, MLA in latent dimensions', () => {
		expect(attentionFlopsPerPair(BUILTIN_MODELS['llama-3.1-8b'])).toBe(2 * 32 * (128 + 128) * 32);
		expect(attentionFlopsPerPair(BUILTIN_MODELS['deepseek-v3'])).toBe(2 * 128 * (576 + 512) * 61);
		// A 16k-token prefill chunk of an 8B model: attention pairs n(n+1)/2 push the compute side up.
		const llama = BUILTIN_MODELS['llama-3.1-8b'];
		const h100 = BUILTIN_HARDWARE['h100-sxm'];
		const cost = createCostModel({model: llama, hardware: h100});
		const n = 16_384;
		const F = 989.5e12 * 0.6;
		const withPairs = cost.breakdown(step({numPrefillTokens: n, contextTokens: n, attentionTokenPairs: (n * (n + 1)) / 2})).targetS;
		const without = cost.breakdown(step({numPrefillTokens: n, contextTokens: n})).targetS;
		const B = 3.35e12 * 0.85;
		const memoryS = (2 * llama.params + n * 131_072) / B;
		const matmulS = (n * 2 * llama.params) / F;
		const attentionS = (((n * (n + 1)) / 2) * (2 * 32 * 256 * 32)) / F;
		expect(withPairs).toBeCloseTo(Math.sqrt(memoryS ** 2 + (matmulS + attentionS) ** 2), 12);
		expect(withPairs - without).toBeCloseTo(attentionS, 4);
	});

	it('a mixture-of-experts draft head (DeepSeek MTP) reads its dense part and the routed experts, and does active FLOPs', () => {
		// The deepseek-v3-mtp preset's head: 12.54B read at most, 11.27B of it in 256 experts (8 a token), 1.61B used a token.
		const model = BUILTIN_MODELS['deepseek-v3'];
		const hardware = {...BUILTIN_HARDWARE['h100-sxm'], gpus: 8};
		const head = {params: 12_536_709_120, experts: 11_274_289_152, active: 1_614_741_504};
		const draft = {
			kind: 'per-token-head',
			headParams: head.params,
			activeParams: head.active,
			moe: {numExperts: 256, expertsPerToken: 8, expertParams: head.experts},
		} as const;
		const cost = createCostModel({model, hardware, draft});
		const B = 8 * 3.35e12 * 0.85;
		const F = 8 * 989.5e12 * 0.6;
		const kvS = (ctx: number): number => (ctx * (model.kvBytesPerToken / model.numLayers)) / B;
		const pass = (tokens: number, ctx: number): number => {
			const bytes = (head.params - head.experts + head.experts * (1 - (1 - 8 / 256) ** tokens)) * model.bytesPerParam;
			return Math.sqrt((bytes / B + kvS(ctx)) ** 2 + ((tokens * 2 * head.active) / F) ** 2);
		};
		// One request verifying one draft (2 tokens), drafting one: one pass over the 2 tokens.
		const one = cost.breakdown(
			step({numDecodeRequests: 1, numScheduledSpecTokens: 1, numDraftingRequests: 1, draftLength: 1, contextTokens: 1000}),
		).draftS;
		expect(one).toBeCloseTo(pass(2, 1000), 12);
		// Two tokens touch ~6% of the experts: far less than the whole head a dense pricing reads.
		expect(one).toBeLessThan((0.2 * head.params * model.bytesPerParam) / B);
		// 4,096 prefill tokens touch every expert and cost 2 × 1.61B FLOPs each, not 2 × 12.5B.
		const prefill = cost.breakdown(step({numPrefillTokens: 4096, draftLength: 1})).draftS;
		expect(prefill).toBeCloseTo(pass(4096, 0), 12);
		expect(prefill).toBeLessThan((4096 * 2 * 2e9) / F);
	});

	it('tensor parallelism pays two ring all-reduces of tokens × hidden × 2 bytes per layer', () => {
		const llama = BUILTIN_MODELS['llama-3.1-70b'];
		const tp4 = {...BUILTIN_HARDWARE['h100-sxm'], gpus: 4};
		const cost = createCostModel({model: llama, hardware: tp4});
		const tokens = 64;
		const o = cost.breakdown(step({numDecodeRequests: tokens})).overheadS;
		expect(o).toBeCloseTo(2 * 80 * (8e-6 + ((2 * 3) / 4) * ((tokens * 8192 * 2) / 450e9)), 12);
		expect(createCostModel({model: llama, hardware: {...tp4, gpus: 1}}).breakdown(step({numDecodeRequests: tokens})).overheadS).toBe(0);
	});

	it('the engine counts attention pairs causally: n new tokens after c computed attend to n(c + (n + 1)/2)', () => {
		const pairs: number[] = [];
		const cost = {
			stepLatencyS: (shape: StepShape) => {
				pairs.push(shape.attentionTokenPairs ?? Number.NaN);
				return 0.01;
			},
		};
		const engine = new Engine(0, {maxNumSeqs: 4, maxNumBatchedTokens: 64, maxModelLen: 1024, numKvBlocks: 100}, 0, {
			proposer: fullDrafts,
			acceptance: iidAcceptance(0.5),
			cost,
			rng: createRng(1),
		});
		engine.enqueue(spec(0, 0, 100, 3));
		let t = 0;
		for (let i = 0; i < 3; i++) {
			t = engine.beginStep(t);
			engine.completeStep();
		}
		// Chunk 64 (c = 0), chunk 36 (c = 64), then one decode token over 100 computed (+ itself).
		expect(pairs).toEqual([64 * (0 + 65 / 2), 36 * (64 + 37 / 2), 1 * (100 + 1)]);
	});

	it('a MoE model’s default draft head is one dense layer of its hidden size, not 5% of every expert', () => {
		const minimax = BUILTIN_MODELS['minimax-m2.5'];
		expect(draftHeadParams(minimax)).toBe(12 * 3072 ** 2 + 32_000 * 3072);
		expect(draftHeadParams(minimax)).toBeLessThan(0.01 * minimax.params);
		const noShapes: ModelCostSpec = {name: 'x', params: 100e9, activeParams: 10e9, bytesPerParam: 1, numLayers: 10, kvBytesPerToken: 1000};
		expect(draftHeadParams(noShapes)).toBe(0.5e9);
		expect(defaultDraftCost('eagle3', BUILTIN_MODELS['llama-3.1-8b'])).toMatchObject({
			kind: 'per-token-head',
			headParams: 12 * 4096 ** 2 + 32_000 * 4096,
		});
	});
});
