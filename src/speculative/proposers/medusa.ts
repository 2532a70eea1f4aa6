import {createFixedLengthProposer} from './fixed-length.js';
import type {DraftProposer, ProposerConfig} from './types.js';

/**
 * vLLM `method="medusa"`. Medusa (arXiv 2401.10774): k extra decoding heads predict all draft
 * positions in one pass. Always drafts `maxDraft` tokens (k unless the engine trimmed the draft);
 * no random draw.
 */
export function createMedusaProposer(_config?: ProposerConfig): DraftProposer {
	return createFixedLengthProposer('medusa');
}
