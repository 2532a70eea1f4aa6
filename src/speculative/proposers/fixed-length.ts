/**
 * Fixed-length drafting: EAGLE, EAGLE-3, MTP, Medusa, draft-model and synthetic proposers always emit
 * exactly k tokens in vLLM; only the scheduler's budget/max-len trimming shortens them, which
 * the engine passes in as `maxDraft`. No random draw.
 */
import {checkContext} from './context.js';
import type {DraftMethod, DraftProposer, ProposeContext, ProposerState} from './types.js';

const NO_STATE: ProposerState = Object.freeze({});

/** A proposer that always drafts `maxDraft` tokens (shared, stateless). */
export function createFixedLengthProposer(method: DraftMethod): DraftProposer {
	return {
		method,
		fixedLength: true,
		initRequest: () => NO_STATE,
		propose(ctx: ProposeContext): number {
			checkContext(ctx);
			return ctx.maxDraft;
		},
	};
}
