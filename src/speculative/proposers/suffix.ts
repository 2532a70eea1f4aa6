/**
 * vLLM `method="suffix"` (suffix decoding, Arctic Inference): suffix trees over the prompt and
 * earlier outputs; each step matches the longest suffix of the context (up to
 * `suffix_decoding_max_tree_depth`, default 24) and speculates up to
 * `max_spec_factor × prefix match length` tokens, pruning tree paths less likely than
 * `suffix_decoding_min_token_prob`. Drafts are variable; `num_speculative_tokens` defaults to the
 * max depth and acts as a maximum.
 *
 * Stochastic model (no tokens in the simulator), per request:
 * 1. The prefix match length m persists across steps: after a fully accepted draft it grows by
 *    the tokens appended (capped at the max depth); a rejection (the context advanced by less
 *    than the last draft + 1) drops it to 0.
 * 2. With m = 0, one uniform decides a fresh match with probability `hitRate[class]`; its m is
 *    geometric with mean `suffixMeanMatchLength` (capped at the max depth). No match → no draft.
 * 3. The cap is `min(maxDraft, ⌊maxSpecFactor · m⌋)`; a second uniform draws how far the tree
 *    path survives pruning (geometric, each further token kept with `suffixContinueProbability`),
 *    and the draft is the smaller of the two.
 *
 * @example
 * // fresh match m = 3, factor 1, k = 24: cap 3; pruning survives 5 tokens → draft 3.
 * // next step after accepting all 3 (context +4): m = 7 → cap 7.
 */
import {checkClassIndex, checkContext, checkHitRates, checkInteger, geometricLength, previousDraftRejected} from './context.js';
import type {DraftProposer, ProposeContext, ProposerConfig, ProposerRequestInit, ProposerState} from './types.js';
import type {Rng} from '../../rng/rng.js';

/** vLLM `suffix_decoding_max_tree_depth` default. */
export const DEFAULT_SUFFIX_MAX_TREE_DEPTH = 24;

type SuffixState = {
	/** Current prefix match length (0 = no match). */
	matchLength: number;
	lastContext: number;
	lastDraft: number;
};

/** Create a suffix-decoding proposer. */
export function createSuffixProposer(config: ProposerConfig = {}): DraftProposer {
	const hitRates = checkHitRates(config.hitRates ?? [0.3]);
	const maxDepth = config.suffixMaxTreeDepth ?? DEFAULT_SUFFIX_MAX_TREE_DEPTH;
	checkInteger(maxDepth, 'suffix_decoding_max_tree_depth', 1);
	const maxSpecFactor = config.suffixMaxSpecFactor ?? 1;
	if (!(maxSpecFactor > 0 && Number.isFinite(maxSpecFactor))) {
		throw new RangeError(`suffix_decoding_max_spec_factor must be a finite number > 0, got ${maxSpecFactor}`);
	}
	const meanMatch = config.suffixMeanMatchLength ?? 4;
	if (!(meanMatch >= 1 && Number.isFinite(meanMatch))) throw new RangeError(`suffixMeanMatchLength must be a finite number >= 1, got ${meanMatch}`);
	const keep = config.suffixContinueProbability ?? 0.9;
	if (!(keep > 0 && keep <= 1)) throw new RangeError(`suffixContinueProbability must be in (0, 1], got ${keep}`);
	const meanSurvival = 1 / (1 - keep); // geometric mean of the surviving path length (Infinity when keep = 1)

	return {
		method: 'suffix',
		initRequest(init: ProposerRequestInit): ProposerState {
			checkClassIndex(init.classIndex, hitRates);
			const state: SuffixState = {matchLength: 0, lastContext: init.promptLength, lastDraft: 0};
			return state;
		},
		propose(ctx: ProposeContext, rng: Rng): number {
			checkContext(ctx);
			const state = ctx.state as SuffixState;
			const context = ctx.promptLength + ctx.numOutputTokens;
			const advanced = context - state.lastContext;
			if (state.matchLength > 0) {
				state.matchLength = previousDraftRejected(state, context) ? 0 : Math.min(maxDepth, state.matchLength + Math.max(0, advanced));
			}
			let draft = 0;
			if (ctx.maxDraft > 0 && context > 0) {
				if (state.matchLength === 0) {
					const hitRate = hitRates[ctx.classIndex];
					if (hitRate === undefined) checkClassIndex(ctx.classIndex, hitRates);
					if (rng.next() < hitRate!) state.matchLength = Math.min(maxDepth, geometricLength(meanMatch, rng.next()));
				}
				if (state.matchLength > 0) {
					const cap = Math.min(ctx.maxDraft, Math.floor(maxSpecFactor * state.matchLength));
					if (cap > 0) draft = keep === 1 ? cap : Math.min(cap, geometricLength(meanSurvival, rng.next()));
				}
			}
			state.lastContext = context;
			state.lastDraft = draft;
			return draft;
		},
	};
}
