/** Speculative-decoding model: acceptance (how many drafted tokens are accepted) and proposers (how many are drafted). */
export * from './acceptance/conversions.js';
export * from './acceptance/spec.js';
export * from './acceptance/heterogeneity.js';
export * from './acceptance/modifiers.js';
export * from './acceptance/model-types.js';
export * from './acceptance/model.js';
export {betaQuantile, lnBeta, lnGamma, regularizedIncompleteBeta} from './acceptance/beta.js';
export * from './proposers/types.js';
export * from './proposers/methods.js';
export * from './proposers/registry.js';
export {resolvePromptLookup, DEFAULT_PROMPT_LOOKUP, createNgramProposer} from './proposers/ngram.js';
export {DEFAULT_SUFFIX_MAX_TREE_DEPTH, createSuffixProposer} from './proposers/suffix.js';
export {createEagleProposer} from './proposers/eagle.js';
export {createEagle3Proposer} from './proposers/eagle3.js';
export {createMtpProposer} from './proposers/mtp.js';
export {createMedusaProposer} from './proposers/medusa.js';
export {createDraftModelProposer} from './proposers/draft-model.js';
export {createSyntheticProposer} from './proposers/synthetic.js';
