import {createFixedLengthProposer} from './fixed-length.js';
import type {DraftProposer, ProposerConfig} from './types.js';

/**
 * vLLM `method="eagle"`. EAGLE (arXiv 2401.15077): a one-layer head on the target's features
 * drafts autoregressively, one light pass per draft token. Always drafts `maxDraft` tokens (k
 * unless the engine trimmed the draft); no random draw.
 */
export function createEagleProposer(_config?: ProposerConfig): DraftProposer {
	return createFixedLengthProposer('eagle');
}
