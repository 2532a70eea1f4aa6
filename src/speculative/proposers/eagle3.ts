import {createFixedLengthProposer} from './fixed-length.js';
import type {DraftProposer, ProposerConfig} from './types.js';

/**
 * vLLM `method="eagle3"`. EAGLE-3 (arXiv 2503.01840): multi-layer feature fusion, drafted like
 * EAGLE, one light pass per draft token. Always drafts `maxDraft` tokens (k unless the engine
 * trimmed the draft); no random draw.
 */
export function createEagle3Proposer(_config?: ProposerConfig): DraftProposer {
	return createFixedLengthProposer('eagle3');
}
