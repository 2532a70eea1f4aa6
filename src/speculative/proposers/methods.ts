/**
 * The method table and vLLM's method-name normalisation (`SpeculativeConfig.__post_init__`):
 * any `*_mtp` method is rewritten to `mtp` with a deprecation warning, and `[ngram]` becomes
 * `ngram`.
 */
import type {DraftMethod, ProposerMethodInfo} from './types.js';

/**
 * Static facts per method: fixed-length drafts and how drafting is priced. A fixed-length method
 * always drafts `maxDraft` tokens (k unless the engine trimmed the draft to the token budget or
 * max_model_len) and draws nothing at random; its proposer is `createFixedLengthProposer(method)`.
 */
export const PROPOSER_METHODS: Readonly<Record<DraftMethod, ProposerMethodInfo>> = {
	/** vLLM `method="eagle"`. EAGLE (arXiv 2401.15077): a one-layer head on the target's features drafts autoregressively, one light pass per draft token. */
	eagle: {method: 'eagle', fixedLength: true, draftCost: 'per-token-head'},
	/** vLLM `method="eagle3"`. EAGLE-3 (arXiv 2503.01840): multi-layer feature fusion, drafted like EAGLE, one light pass per draft token. */
	eagle3: {method: 'eagle3', fixedLength: true, draftCost: 'per-token-head'},
	/** vLLM `method="mtp"`. Multi-token prediction layers shipped with the target (DeepSeek-V3, Qwen3-Next, …; every `*_mtp` alias), one MTP-layer pass per draft token. */
	mtp: {method: 'mtp', fixedLength: true, draftCost: 'per-token-head'},
	/** vLLM `method="medusa"`. Medusa (arXiv 2401.10774): k extra decoding heads predict all draft positions in one pass. */
	medusa: {method: 'medusa', fixedLength: true, draftCost: 'parallel-heads'},
	/** vLLM `method="draft_model"`. A separate small draft model, run k times sequentially. */
	draft_model: {method: 'draft_model', fixedLength: true, draftCost: 'sequential-model'},
	/** vLLM `method="ngram"`: prompt lookup on the CPU; drafts only when an n-gram matches (src/speculative/proposers/ngram.ts). */
	ngram: {method: 'ngram', fixedLength: false, draftCost: 'cpu'},
	/** vLLM `method="suffix"`: suffix-tree lookup on the CPU, variable length (src/speculative/proposers/suffix.ts). */
	suffix: {method: 'suffix', fixedLength: false, draftCost: 'cpu', defaultNumSpeculativeTokens: 24},
	/**
	 * An idealised drafter for vLLM's synthetic rejection sampling (`rejection_sample_method="synthetic"`,
	 * PR #40662): costs nothing. Pair it with a `synthetic` acceptance spec to reproduce vLLM's synthetic mode.
	 */
	synthetic: {method: 'synthetic', fixedLength: true, draftCost: 'none'},
};

/** Canonical method names. */
export const DRAFT_METHODS: readonly DraftMethod[] = Object.keys(PROPOSER_METHODS) as DraftMethod[];

/** vLLM's MTP model types, all rewritten to `mtp`. Any other `*_mtp` name is accepted too. */
export const MTP_ALIASES: readonly string[] = [
	'deepseek_mtp',
	'mimo_mtp',
	'mimo_v2_mtp',
	'glm4_moe_mtp',
	'glm4_moe_lite_mtp',
	'glm_ocr_mtp',
	'ernie_mtp',
	'nemotron_h_mtp',
	'exaone_moe_mtp',
	'exaone4_5_mtp',
	'qwen3_next_mtp',
	'qwen3_5_mtp',
	'longcat_flash_mtp',
	'pangu_ultra_moe_mtp',
	'step3p5_mtp',
	'hy_v3_mtp',
];

/** A resolved method name. */
export type ResolvedMethod = {
	readonly method: DraftMethod;
	/** vLLM's warning text when the name was a deprecated `*_mtp` alias. */
	readonly deprecationWarning?: string;
};

/**
 * Normalise a configured method name like vLLM does.
 *
 * @example resolveMethodName('deepseek_mtp') // {method: 'mtp', deprecationWarning: 'method `deepseek_mtp` is deprecated and replaced with mtp.'}
 * @throws TypeError listing the known names for an unknown one.
 */
export function resolveMethodName(name: string): ResolvedMethod {
	if (Object.hasOwn(PROPOSER_METHODS, name)) return {method: name as DraftMethod};
	if (name === '[ngram]') return {method: 'ngram'};
	if (/^[a-z0-9_]+_mtp$/.test(name)) {
		return {method: 'mtp', deprecationWarning: `method \`${name}\` is deprecated and replaced with mtp.`};
	}
	throw new TypeError(`Unknown speculative method "${name}"; known: ${knownMethodNames().join(', ')}`);
}

/** Every accepted name: canonical methods, `[ngram]` and the `*_mtp` aliases. */
export function knownMethodNames(): string[] {
	return [...DRAFT_METHODS, '[ngram]', ...MTP_ALIASES];
}
