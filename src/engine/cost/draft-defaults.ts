import type {DraftMethod} from '../../speculative/proposers/types.js';
import {PROPOSER_METHODS} from '../../speculative/proposers/methods.js';
import type {DraftCostSpec, ModelCostSpec} from './types.js';

/**
 * Every GPU draft pass also pays a fixed 0.735 ms (launches, sampling, proposer bookkeeping), and
 * every step that drafts 1.28 ms once (rejection sampling, preparing the proposer's inputs): the
 * slope and intercept of vLLM's batch-1 EAGLE-3 step times over k = 2…7 (vllm#20780, H100,
 * Llama-3.1-8B; docs/validation.md), less the head's roofline. Measured on one H100 and applied
 * to every accelerator: no source prices them elsewhere.
 */
export const DEFAULT_DRAFT_PASS_OVERHEAD_S = 0.000735;

/** See {@link DEFAULT_DRAFT_PASS_OVERHEAD_S}. */
export const DEFAULT_DRAFT_STEP_OVERHEAD_S = 0.00128;

/** Vocabulary of EAGLE-3 draft heads (RedHatAI and yuhuili heads map to a 32k draft vocabulary). */
const DRAFT_VOCABULARY = 32_000;

/**
 * Parameters of one EAGLE/MTP-style draft head: one dense decoder layer of the target's hidden
 * size `h` (attention `4h²`, gated MLP about `8h²`) plus an LM head over a 32k draft vocabulary.
 * Without a hidden size: 5% of the parameters a token uses (`activeParams`), never of a mixture
 * of experts' total, whose experts the head does not have.
 */
export function draftHeadParams(model: ModelCostSpec): number {
	const h = model.hiddenSize;
	if (h !== undefined) return 12 * h * h + DRAFT_VOCABULARY * h;
	return 0.05 * (model.activeParams ?? model.params);
}

/**
 * Draft costs when a preset gives none, by how the method drafts: an EAGLE/MTP head as
 * {@link draftHeadParams} (about 0.33B for an 8B Llama, close to RedHatAI's 0.4B EAGLE-3 head);
 * Medusa heads one `h²` block plus an LM head each; a draft model 1/20 of the target's active
 * parameters; n-gram/suffix lookups a few microseconds on the host.
 */
export function defaultDraftCost(method: DraftMethod, model: ModelCostSpec): DraftCostSpec {
	const passOverheadS = DEFAULT_DRAFT_PASS_OVERHEAD_S;
	const stepOverheadS = DEFAULT_DRAFT_STEP_OVERHEAD_S;
	const active = model.activeParams ?? model.params;
	switch (PROPOSER_METHODS[method].draftCost) {
		case 'per-token-head':
			return {kind: 'per-token-head', headParams: draftHeadParams(model), passOverheadS, stepOverheadS};
		case 'parallel-heads':
			return {
				kind: 'parallel-heads',
				headParams: model.hiddenSize === undefined ? 0.02 * active : model.hiddenSize ** 2 + DRAFT_VOCABULARY * model.hiddenSize,
				passOverheadS,
				stepOverheadS,
			};
		case 'sequential-model':
			return {kind: 'sequential-model', draftParams: active / 20, bytesPerParam: model.bytesPerParam, passOverheadS, stepOverheadS};
		case 'cpu':
			return {kind: 'cpu', perTokenS: 2e-6, perRequestS: 5e-6};
		case 'none':
			return {kind: 'none'};
	}
}
