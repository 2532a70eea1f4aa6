import {describe, expect, it} from 'vitest';
import {simConfigSchema} from '../../src/config/schema.js';
import {BATCH_EXPANSION_PER_SEQUENCE_S, BUILTIN_HARDWARE, BUILTIN_MODELS, createCostModel, type StepShape} from '../../src/engine/cost-model.js';
import {SimRequest} from '../../src/engine/request.js';
import {StepPlan} from '../../src/engine/step-plan.js';
import {spec} from './fakes.js';

/**
 * Costs of vLLM V0's speculative decoding that the 2024 vLLM blog's measurements ran under
 * (docs/validation.md, "vLLM V0 as the 2024 blog ran it"): the batch-expansion scorer and a draft
 * model at the target's tensor parallelism.
 */
const h100 = BUILTIN_HARDWARE['h100-sxm'];
const llama8b = BUILTIN_MODELS['llama-3.1-8b'];
const B = 3.35e12 * 0.85;
const F = 989.5e12 * 0.6;
const W = 8_030_261_248 * 2;
const N = 8_030_261_248;
const KV = 131_072; // Llama-3.1-8B bf16 KV bytes a token
const pass = (memoryS: number, computeS: number): number => Math.sqrt(memoryS ** 2 + computeS ** 2);

/** `batch` requests each verifying `k` drafts after `ctx` computed tokens, as a StepPlan records them. */
const verify = (batch: number, k: number, ctx: number): StepShape => ({
	numPrefillTokens: 0,
	numDecodeRequests: batch,
	numScheduledSpecTokens: batch * k,
	numDraftingRequests: batch,
	draftLength: k,
	contextTokens: batch * (ctx + 1 + k),
	expansionContextTokens: batch * (k * ctx + (k * (k + 1)) / 2),
});

describe('batch-expansion scorer (vLLM V0)', () => {
	it('the host cost per expanded sequence is the least-squares slope of vllm#5691 (Llama-7B, A100, k = 5)', () => {
		// Scoring time of the batch-expansion scorer minus the multi-query one, by batch (ms).
		const extraMs = [
			[4, 15.4 - 13.7],
			[8, 17.7 - 14.8],
			[16, 23.9 - 18.4],
			[32, 36.4 - 25.5],
			[64, 54.5 - 35.1],
		] as const;
		const xs = extraMs.map(([b]) => 5 * b);
		const ys = extraMs.map(([, ms]) => ms / 1000);
		const slope = xs.reduce((s, x, i) => s + x * ys[i]!, 0) / xs.reduce((s, x) => s + x * x, 0);
		expect(BATCH_EXPANSION_PER_SEQUENCE_S).toBeCloseTo(slope, 6);
	});

	it('re-reads a request’s KV once per verified position and pays the host cost per draft token', () => {
		const mqa = createCostModel({model: llama8b, hardware: h100});
		const expansion = createCostModel({model: llama8b, hardware: h100, scorer: 'batch-expansion'});
		const shape = verify(32, 4, 1000);
		const tokens = 32 * 5;
		const memoryS = (W + shape.contextTokens * KV) / B;
		const computeS = (tokens * 2 * N) / F;
		expect(mqa.stepLatencyS(shape)).toBeCloseTo(pass(memoryS, computeS), 12);
		const extraKvS = (32 * (4 * 1000 + 10) * KV) / B;
		const b = expansion.breakdown(shape);
		expect(b.targetS).toBeCloseTo(pass(memoryS + extraKvS, computeS), 12);
		expect(b.overheadS).toBeCloseTo(32 * 4 * BATCH_EXPANSION_PER_SEQUENCE_S, 12);
		// 128 extra sequences of ~1,000 tokens: 13.4 ms more than the multi-query scorer’s 8.3 ms step.
		expect(expansion.stepLatencyS(shape) - mqa.stepLatencyS(shape)).toBeGreaterThan(0.012);
	});

	it('costs nothing extra without drafts, and the multi-query default ignores expansionContextTokens', () => {
		const mqa = createCostModel({model: llama8b, hardware: h100});
		const expansion = createCostModel({model: llama8b, hardware: h100, scorer: 'batch-expansion'});
		const plain = verify(16, 0, 500);
		expect(expansion.stepLatencyS(plain)).toBe(mqa.stepLatencyS(plain));
		const shape = verify(16, 3, 500);
		expect(mqa.stepLatencyS(shape)).toBe(mqa.stepLatencyS({...shape, expansionContextTokens: 0}));
	});

	it('StepPlan records the extra context: d·c + d(d + 1)/2 per verifying request, taken back on remove', () => {
		const plan = new StepPlan(8);
		plan.reset(0, 4);
		const a = new SimRequest(spec(1, 0, 100, 50), 4);
		a.numComputedTokens = 120;
		const b = new SimRequest(spec(2, 0, 100, 50), 4);
		b.numComputedTokens = 300;
		const c = new SimRequest(spec(3, 0, 400, 50), 4);
		plan.push(a, 4, 3, false); // 3 drafts after 120 tokens: 360 + 6
		plan.push(b, 1, 0, false); // no drafts: nothing
		plan.push(c, 256, 0, true); // a prompt chunk: nothing
		expect(plan.shape.expansionContextTokens).toBe(366);
		plan.push(b, 5, 4, false);
		expect(plan.shape.expansionContextTokens).toBe(366 + 1200 + 10);
		plan.remove(a);
		expect(plan.shape.expansionContextTokens).toBe(1210);
		plan.reset(1, 4);
		expect(plan.shape.expansionContextTokens).toBe(0);
	});

	it('a preset selects it with speculative.scorer; anything else is refused naming the field', () => {
		const base = {
			name: 'x',
			servedModelName: 'x',
			model: 'llama-3.1-8b',
			hardware: 'h100-sxm',
			speculative: {method: 'ngram', numSpecTokens: 4},
			workload: {arrival: {kind: 'poisson', rate: 1}, classes: ['chat']},
		};
		expect(simConfigSchema.parse({...base, speculative: {...base.speculative, scorer: 'batch-expansion'}}).speculative.scorer).toBe(
			'batch-expansion',
		);
		const bad = simConfigSchema.safeParse({...base, speculative: {...base.speculative, scorer: 'tree'}});
		expect(bad.success).toBe(false);
		expect(bad.error?.issues[0]?.path).toEqual(['speculative', 'scorer']);
	});
});

describe('a draft model at the target’s tensor parallelism', () => {
	// Qwen2-0.5B (the 2024 blog's Qwama-0.5B): 24 layers, hidden 896.
	const qwama = {kind: 'sequential-model', draftParams: 0.5e9, bytesPerParam: 2, numLayers: 24, hiddenSize: 896} as const;
	const tp4 = {...h100, gpus: 4};
	const llama70b = BUILTIN_MODELS['llama-3.1-70b'];

	it('pays two all-reduces a layer each pass, over the tokens of that pass', () => {
		const withComm = createCostModel({model: llama70b, hardware: tp4, draft: qwama});
		const without = createCostModel({model: llama70b, hardware: tp4, draft: {kind: 'sequential-model', draftParams: 0.5e9, bytesPerParam: 2}});
		const shape = verify(8, 4, 300);
		const allReduce = (tokens: number): number => 8e-6 + (tokens * (((2 * 3) / 4) * (896 * 2))) / 450e9;
		// The first pass runs over the 40 verified tokens, the other three over the 8 requests.
		const expected = 48 * allReduce(40) + 3 * 48 * allReduce(8);
		expect(withComm.breakdown(shape).draftS - without.breakdown(shape).draftS).toBeCloseTo(expected, 12);
		expect(expected).toBeGreaterThan(1.5e-3);
	});

	it('costs nothing on one GPU, and needs both shapes', () => {
		const one = createCostModel({model: llama8b, hardware: h100, draft: qwama});
		const plain = createCostModel({model: llama8b, hardware: h100, draft: {kind: 'sequential-model', draftParams: 0.5e9, bytesPerParam: 2}});
		expect(one.stepLatencyS(verify(8, 4, 300))).toBe(plain.stepLatencyS(verify(8, 4, 300)));
		expect(() => createCostModel({model: llama8b, hardware: tp4, draft: {...qwama, hiddenSize: undefined}})).toThrow(/numLayers and hiddenSize/);
		expect(() => createCostModel({model: llama8b, hardware: tp4, draft: {...qwama, numLayers: 2.5}})).toThrow(
			/draft.numLayers must be a positive integer/,
		);
	});
});
