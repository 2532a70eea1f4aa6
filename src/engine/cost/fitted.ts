import {requireNonNegative} from './validate.js';
import type {StepCostBreakdown, StepShape} from './types.js';
import {stepTokens} from './target-cost.js';

/**
 * A step-time model fitted to measurements (`specsim calibrate` on `vllm bench serve` results or
 * `/metrics` scrapes), linear in what a step does:
 *
 *     target = baseS + perTokenS × batched tokens + perContextTokenS × context tokens + perRequestS × decoding requests
 *     draft  = k × (draftPassS + draftPerRequestS × drafting requests)      (0 without drafts)
 *
 * Batched tokens are prompt chunks, one per decoding request and the drafts verified; `k` is the
 * step's draft length (one draft pass per token, as EAGLE/MTP/draft models run). The fixed
 * per-step overhead is in `baseS`.
 */
export type FittedStepTime = {
	kind: 'linear';
	baseS: number;
	perTokenS: number;
	perContextTokenS: number;
	perRequestS: number;
	draftPassS: number;
	draftPerRequestS: number;
	source?: string;
};

/** The fitted model as the cost model's target and draft terms (overhead 0: it is in `baseS`). */
export function makeFittedCost(fitted: FittedStepTime): {
	target(s: Readonly<StepShape>): number;
	draft(s: Readonly<StepShape>): number;
	singleTokenStepS: number;
} {
	for (const key of ['baseS', 'perTokenS', 'perContextTokenS', 'perRequestS', 'draftPassS', 'draftPerRequestS'] as const)
		requireNonNegative(fitted[key], `stepTime.${key}`);
	const {baseS, perTokenS, perContextTokenS, perRequestS, draftPassS, draftPerRequestS} = fitted;
	return {
		target: s => {
			const tokens = stepTokens(s);
			return tokens === 0 ? 0 : baseS + perTokenS * tokens + perContextTokenS * s.contextTokens + perRequestS * s.numDecodeRequests;
		},
		draft: s => (s.numDraftingRequests > 0 && s.draftLength >= 1 ? s.draftLength * (draftPassS + draftPerRequestS * s.numDraftingRequests) : 0),
		singleTokenStepS: baseS + perTokenS + perRequestS,
	};
}

/** A breakdown from the fitted terms. */
export function fittedBreakdown(cost: ReturnType<typeof makeFittedCost>, s: Readonly<StepShape>, out: StepCostBreakdown): StepCostBreakdown {
	out.targetS = cost.target(s);
	out.draftS = cost.draft(s);
	out.overheadS = 0;
	return out;
}
