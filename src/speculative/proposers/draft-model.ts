import {createFixedLengthProposer} from './fixed-length.js';
import type {DraftProposer, ProposerConfig} from './types.js';

/**
 * vLLM `method="draft_model"`. A separate small draft model (`draft_model`), run k times
 * sequentially. Always drafts `maxDraft` tokens (k unless the engine trimmed the draft); no random
 * draw.
 */
export function createDraftModelProposer(_config?: ProposerConfig): DraftProposer {
	return createFixedLengthProposer('draft_model');
}
