/**
 * Proposer registry: configured method name → factory. Names are normalised like vLLM
 * (`*_mtp` → `mtp`, `[ngram]` → `ngram`; see `resolveMethodName`).
 */
import {createFixedLengthProposer} from './fixed-length.js';
import {resolveMethodName} from './methods.js';
import {createNgramProposer} from './ngram.js';
import {createSuffixProposer} from './suffix.js';
import type {DraftMethod, ProposerFactory} from './types.js';

/** A factory for a fixed-length method (see `PROPOSER_METHODS`); the config is not used. */
const fixedLength =
	(method: DraftMethod): ProposerFactory =>
	() =>
		createFixedLengthProposer(method);

/** Every method's factory; the methods themselves are described in `PROPOSER_METHODS`. */
const PROPOSER_FACTORIES: Readonly<Record<DraftMethod, ProposerFactory>> = {
	eagle: fixedLength('eagle'),
	eagle3: fixedLength('eagle3'),
	mtp: fixedLength('mtp'),
	medusa: fixedLength('medusa'),
	draft_model: fixedLength('draft_model'),
	ngram: createNgramProposer,
	suffix: createSuffixProposer,
	synthetic: fixedLength('synthetic'),
};

/**
 * The factory for a configured method name (aliases accepted).
 *
 * @example getProposerFactory('qwen3_next_mtp')({}).method // 'mtp'
 * @throws TypeError listing the known names for an unknown one.
 */
export function getProposerFactory(name: string): ProposerFactory {
	return PROPOSER_FACTORIES[resolveMethodName(name).method];
}
