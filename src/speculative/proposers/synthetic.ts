import {createFixedLengthProposer} from './fixed-length.js';
import type {DraftProposer, ProposerConfig} from './types.js';

/**
 * An idealised drafter for vLLM's synthetic rejection sampling (`rejection_sample_method="synthetic"`,
 * PR #40662): always drafts `maxDraft` tokens (k unless trimmed), costs nothing, no random draw.
 * Pair it with a `synthetic` acceptance spec to reproduce vLLM's synthetic mode.
 */
export function createSyntheticProposer(_config?: ProposerConfig): DraftProposer {
	return createFixedLengthProposer('synthetic');
}
