/**
 * Proposer registry: configured method name → factory. Names are normalised like vLLM
 * (`*_mtp` → `mtp`, `[ngram]` → `ngram`; see `resolveMethodName`).
 */
import {createDraftModelProposer} from './draft-model.js';
import {createEagleProposer} from './eagle.js';
import {createEagle3Proposer} from './eagle3.js';
import {createMedusaProposer} from './medusa.js';
import {resolveMethodName} from './methods.js';
import {createMtpProposer} from './mtp.js';
import {createNgramProposer} from './ngram.js';
import {createSuffixProposer} from './suffix.js';
import {createSyntheticProposer} from './synthetic.js';
import type {DraftMethod, ProposerFactory} from './types.js';

const PROPOSER_FACTORIES: Readonly<Record<DraftMethod, ProposerFactory>> = {
	eagle: createEagleProposer,
	eagle3: createEagle3Proposer,
	mtp: createMtpProposer,
	medusa: createMedusaProposer,
	draft_model: createDraftModelProposer,
	ngram: createNgramProposer,
	suffix: createSuffixProposer,
	synthetic: createSyntheticProposer,
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
