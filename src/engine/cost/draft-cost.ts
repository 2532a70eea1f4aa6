import {makeCommunication, makeWeightBytes, passTimeS} from './target-cost.js';
import {requireNonNegative, requirePositive, requirePositiveInteger} from './validate.js';
import type {DraftCostSpec, HardwareSpec, ModelCostSpec, StepShape} from './types.js';

/**
 * The draft-cost term of the step latency for one proposer family, as a closure built once per
 * cost model (the formulas are documented on `createCostModel`). `bandwidth` and `flops` are the
 * effective group-wide rates; `t1` is the target's batch-1 single-token step; `hardware` prices a
 * draft model's tensor-parallel all-reduces.
 *
 * @throws RangeError/TypeError naming `draft.<field>` when the spec is invalid.
 */
export function makeDraftCost(
	draft: DraftCostSpec,
	model: ModelCostSpec,
	bandwidth: number,
	flops: number,
	t1: number,
	hardware: HardwareSpec,
): (s: Readonly<StepShape>) => number {
	switch (draft.kind) {
		case 'none':
			return () => 0;
		case 'sequential-model':
		case 'per-token-head': {
			const passOverheadS = draft.passOverheadS ?? 0;
			requireNonNegative(passOverheadS, 'draft.passOverheadS');
			const stepOverheadS = draft.stepOverheadS ?? 0;
			requireNonNegative(stepOverheadS, 'draft.stepOverheadS');
			let params: number;
			let bytesPerParam: number;
			let kvBytesPerToken: number;
			let activeParams: number | undefined;
			let moe: {numExperts: number; expertsPerToken: number; expertParams: number} | undefined;
			let communicationS: (tokens: number) => number = () => 0;
			if (draft.kind === 'sequential-model') {
				requirePositive(draft.draftParams, 'draft.draftParams');
				requirePositive(draft.bytesPerParam, 'draft.bytesPerParam');
				requireNonNegative(draft.kvBytesPerToken ?? 0, 'draft.kvBytesPerToken');
				params = draft.draftParams;
				bytesPerParam = draft.bytesPerParam;
				kvBytesPerToken = draft.kvBytesPerToken ?? 0;
				if (draft.numLayers !== undefined || draft.hiddenSize !== undefined) {
					if (draft.numLayers === undefined || draft.hiddenSize === undefined) {
						throw new TypeError(
							`draft (sequential-model) needs both numLayers and hiddenSize for tensor-parallel all-reduces, got ${JSON.stringify(draft)}`,
						);
					}
					requirePositiveInteger(draft.numLayers, 'draft.numLayers');
					requirePositiveInteger(draft.hiddenSize, 'draft.hiddenSize');
					// vLLM runs a draft model at the target's tensor parallelism unless
					// draft_tensor_parallel_size says 1: two all-reduces a layer, as the target.
					communicationS = makeCommunication(
						{name: 'draft', params, bytesPerParam, numLayers: draft.numLayers, kvBytesPerToken: 1, hiddenSize: draft.hiddenSize},
						{...hardware, interconnectOverheadS: 0},
					);
				}
			} else {
				if ((draft.headParams === undefined) === (draft.headParamsFraction === undefined)) {
					throw new TypeError(`draft (per-token-head) needs exactly one of headParams and headParamsFraction, got ${JSON.stringify(draft)}`);
				}
				if (draft.headParams !== undefined) requirePositive(draft.headParams, 'draft.headParams');
				if (draft.headParamsFraction !== undefined && !(draft.headParamsFraction > 0 && draft.headParamsFraction <= 1)) {
					throw new RangeError(`draft.headParamsFraction must be in (0, 1], got ${draft.headParamsFraction}`);
				}
				const layers = draft.numLayers ?? 1;
				if (!(Number.isInteger(layers) && layers >= 1)) throw new RangeError(`draft.numLayers must be a positive integer, got ${layers}`);
				params = draft.headParams ?? (draft.headParamsFraction ?? 0) * model.params;
				bytesPerParam = model.bytesPerParam;
				kvBytesPerToken = (model.kvBytesPerToken / model.numLayers) * layers;
				activeParams = draft.activeParams;
				moe = draft.moe;
				if (activeParams !== undefined && !(activeParams > 0 && activeParams <= params)) {
					throw new RangeError(`draft.activeParams must be in (0, headParams=${params}], got ${activeParams}`);
				}
				if (moe !== undefined) {
					const {numExperts, expertsPerToken, expertParams} = moe;
					if (!(Number.isInteger(numExperts) && Number.isInteger(expertsPerToken) && expertsPerToken >= 1 && expertsPerToken <= numExperts)) {
						throw new RangeError(`draft.moe needs integers 1 <= expertsPerToken <= numExperts, got ${expertsPerToken} of ${numExperts}`);
					}
					if (!(expertParams > 0 && expertParams < params))
						throw new RangeError(`draft.moe.expertParams must be in (0, headParams=${params}), got ${expertParams}`);
				}
			}
			const headBytes = makeWeightBytes({
				name: 'draft',
				params,
				bytesPerParam,
				numLayers: 1,
				kvBytesPerToken: 1,
				...(moe === undefined ? {} : {moe}),
			});
			const kvPerTokenS = kvBytesPerToken / bandwidth;
			const flopsPerTokenS = (2 * (activeParams ?? params)) / flops;
			return s => {
				const k = s.draftLength;
				if (k < 1) return 0;
				const kvS = s.contextTokens * kvPerTokenS;
				const tokens = s.numPrefillTokens + s.numDecodeRequests + s.numScheduledSpecTokens;
				const n = s.numDraftingRequests;
				const first =
					tokens > 0 ? passTimeS(headBytes(tokens) / bandwidth + kvS, tokens * flopsPerTokenS) + passOverheadS + communicationS(tokens) : 0;
				const rest = n > 0 ? (k - 1) * (passTimeS(headBytes(n) / bandwidth + kvS, n * flopsPerTokenS) + passOverheadS + communicationS(n)) : 0;
				return first + rest + (first > 0 || rest > 0 ? stepOverheadS : 0);
			};
		}
		case 'parallel-heads': {
			requirePositive(draft.headParams, 'draft.headParams');
			const passOverheadS = draft.passOverheadS ?? 0;
			requireNonNegative(passOverheadS, 'draft.passOverheadS');
			const stepOverheadS = draft.stepOverheadS ?? 0;
			requireNonNegative(stepOverheadS, 'draft.stepOverheadS');
			const perHeadWeightsS = (draft.headParams * model.bytesPerParam) / bandwidth;
			const perHeadTokenS = (2 * draft.headParams) / flops;
			return s => {
				const k = s.draftLength;
				const n = s.numDraftingRequests;
				return n > 0 && k >= 1 ? passTimeS(k * perHeadWeightsS, n * k * perHeadTokenS) + passOverheadS + stepOverheadS : 0;
			};
		}
		case 'cpu': {
			requireNonNegative(draft.perTokenS, 'draft.perTokenS');
			requireNonNegative(draft.perRequestS ?? 0, 'draft.perRequestS');
			const {perTokenS} = draft;
			const perRequestS = draft.perRequestS ?? 0;
			return s => {
				const k = s.draftLength;
				const n = s.numDraftingRequests;
				return n > 0 && k >= 1 ? n * (perRequestS + k * perTokenS) : 0;
			};
		}
		case 'ratio': {
			requireNonNegative(draft.c, 'draft.c');
			const passS = draft.c * t1;
			return s => (s.numDraftingRequests > 0 && s.draftLength >= 1 ? s.draftLength * passS : 0);
		}
		default: {
			const kind: unknown = (draft as {kind: unknown}).kind;
			throw new TypeError(`draft.kind must be one of none, sequential-model, per-token-head, parallel-heads, cpu, ratio, got ${String(kind)}`);
		}
	}
}
