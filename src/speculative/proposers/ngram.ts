/**
 * vLLM `method="ngram"` (prompt lookup decoding): find the last n tokens (n from
 * `prompt_lookup_max` down to `prompt_lookup_min`) earlier in the prompt + output and propose the
 * tokens that followed them. No match means an empty draft, which is not a draft at all.
 *
 * The simulator has no tokens, so matches are a stochastic model of copied spans:
 * 1. A context (prompt + output) shorter than `prompt_lookup_min` never matches.
 * 2. Inside a matched span (the output is copying earlier text) the proposal is the rest of the
 *    span: `min(maxDraft, spanEnd − context)`, so drafts near the span's end are short. No draw.
 *    A step that advanced the context by less than the last draft + 1 had a rejection: the output
 *    diverged from the copied text and the span ends.
 * 3. Otherwise one uniform decides whether a new match is found, with probability
 *    `hitRate[class] · 0.85^(prompt_lookup_min − 5) · (1 − e^(−(context − prompt_lookup_min + 1) / contextScale))`
 *    (capped at 1): the class's repetitiveness, fewer matches for longer required n-grams, and
 *    more chances in longer contexts. On a match a second uniform draws the span length
 *    (geometric, mean `meanSpanLength`) and the draft is `min(maxDraft, span)`.
 * `prompt_lookup_max` only changes which match vLLM picks (the longest), not the draft length;
 * it is validated like vLLM and otherwise unused.
 *
 * @example
 * // context 300 tokens, class hit rate 0.4, min = max = 5, contextScale 256:
 * // P(match) = 0.4 · (1 − e^(−296/256)) ≈ 0.274; a match with span 3 and k = 5 drafts 3 tokens.
 */
import {checkClassIndex, checkContext, checkHitRates, checkInteger, geometricLength, previousDraftRejected} from './context.js';
import type {DraftProposer, ProposeContext, ProposerConfig, ProposerRequestInit, ProposerState} from './types.js';
import type {Rng} from '../../rng/rng.js';

/** vLLM's default `prompt_lookup_min`/`prompt_lookup_max`. */
export const DEFAULT_PROMPT_LOOKUP = 5;
const MIN_LENGTH_DECAY = 0.85;

/** Resolved n-gram window. */
export type PromptLookup = {readonly promptLookupMin: number; readonly promptLookupMax: number};

/**
 * vLLM's `prompt_lookup_min`/`prompt_lookup_max` rules: neither set → both 5; one set → the other
 * copies it; each must be >= 1 and min <= max.
 *
 * @throws RangeError naming the bad value.
 */
export function resolvePromptLookup(promptLookupMin?: number, promptLookupMax?: number): PromptLookup {
	const min = promptLookupMin ?? promptLookupMax ?? DEFAULT_PROMPT_LOOKUP;
	const max = promptLookupMax ?? promptLookupMin ?? DEFAULT_PROMPT_LOOKUP;
	checkInteger(min, 'prompt_lookup_min', 1);
	checkInteger(max, 'prompt_lookup_max', 1);
	if (min > max) throw new RangeError(`prompt_lookup_min=${min} must be <= prompt_lookup_max=${max}`);
	return {promptLookupMin: min, promptLookupMax: max};
}

type NgramState = {
	/** Context length at which the current copied span ends (0 = not in a span). */
	spanEnd: number;
	/** Context length at the previous proposal. */
	lastContext: number;
	/** Draft length of the previous proposal. */
	lastDraft: number;
};

/** Create an ngram proposer. */
export function createNgramProposer(config: ProposerConfig = {}): DraftProposer {
	const {promptLookupMin} = resolvePromptLookup(config.promptLookupMin, config.promptLookupMax);
	const hitRates = checkHitRates(config.hitRates ?? [0.3]);
	const meanSpanLength = config.meanSpanLength ?? 12;
	if (!(meanSpanLength >= 1 && Number.isFinite(meanSpanLength)))
		throw new RangeError(`meanSpanLength must be a finite number >= 1, got ${meanSpanLength}`);
	const contextScale = config.contextScale ?? 256;
	if (!(contextScale > 0 && Number.isFinite(contextScale))) throw new RangeError(`contextScale must be a finite number > 0, got ${contextScale}`);
	const lookupFactor = MIN_LENGTH_DECAY ** (promptLookupMin - DEFAULT_PROMPT_LOOKUP);

	return {
		method: 'ngram',
		initRequest(init: ProposerRequestInit): ProposerState {
			checkClassIndex(init.classIndex, hitRates);
			const state: NgramState = {spanEnd: 0, lastContext: init.promptLength, lastDraft: 0};
			return state;
		},
		propose(ctx: ProposeContext, rng: Rng): number {
			checkContext(ctx);
			const state = ctx.state as NgramState;
			const context = ctx.promptLength + ctx.numOutputTokens;
			if (previousDraftRejected(state, context)) state.spanEnd = 0;
			let draft = 0;
			if (context >= promptLookupMin && ctx.maxDraft > 0) {
				if (state.spanEnd > context) {
					draft = Math.min(ctx.maxDraft, state.spanEnd - context);
				} else {
					state.spanEnd = 0;
					const hitRate = hitRates[ctx.classIndex];
					if (hitRate === undefined) checkClassIndex(ctx.classIndex, hitRates);
					const probability = Math.min(1, hitRate! * lookupFactor) * -Math.expm1(-(context - promptLookupMin + 1) / contextScale);
					if (rng.next() < probability) {
						const span = geometricLength(meanSpanLength, rng.next());
						state.spanEnd = context + span;
						draft = Math.min(ctx.maxDraft, span);
					}
				}
			}
			state.lastContext = context;
			state.lastDraft = draft;
			return draft;
		},
	};
}
