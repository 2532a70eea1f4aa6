import {createFixedLengthProposer} from './fixed-length.js';
import type {DraftProposer, ProposerConfig} from './types.js';

/**
 * vLLM `method="mtp"`. Multi-token prediction layers shipped with the target (DeepSeek-V3,
 * Qwen3-Next, …; every `*_mtp` alias), one MTP-layer pass per draft token. Always drafts
 * `maxDraft` tokens (k unless the engine trimmed the draft); no random draw.
 */
export function createMtpProposer(_config?: ProposerConfig): DraftProposer {
	return createFixedLengthProposer('mtp');
}
