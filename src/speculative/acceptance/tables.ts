/**
 * Precomputed sampling tables for one (class, temperature bucket): per heterogeneity level, the
 * conditional rates and the Walker alias table of the accepted-length distribution over 0..k.
 */
import {buildAliasTable, createAliasScratch} from './alias.js';
import {perDraftLevelWeights, solveLevelConditionalRates} from './heterogeneity.js';

/** Tables of one (class, temperature bucket), level-major. */
export type ProfileBlock = {
	/** Alias thresholds, `levels × (k+1)`. */
	readonly threshold: Float64Array;
	/** Alias targets, `levels × (k+1)`. */
	readonly alias: Int32Array;
	/** Conditional rates, `levels × k`. */
	readonly conditional: Float64Array;
	/** Share of drafts each level contributes (see `perDraftLevelWeights`), summing to 1. */
	readonly draftWeights: Float64Array;
};

/** How a block's per-level conditional rates are derived. */
export type BlockRecipe =
	/** `constant` alpha: level j accepts every position with `min(1, levelValues[j] · factor)`. */
	| {readonly kind: 'levels'; readonly levelValues: Float64Array}
	/** Per-position: population conditional rates `min(1, base_i · factor)`, spread by logit offsets. */
	| {readonly kind: 'offsets'; readonly base: Float64Array; readonly offsets: Float64Array};

/** Build the tables for one (class, temperature bucket) whose combined multiplier is `factor`. */
export function buildProfileBlock(recipe: BlockRecipe, k: number, factor: number): ProfileBlock {
	const levels = recipe.kind === 'levels' ? recipe.levelValues.length : recipe.offsets.length;
	const n = k + 1;
	const conditional = new Float64Array(levels * k);
	if (recipe.kind === 'levels') {
		for (let j = 0; j < levels; j++) {
			const c = Math.min(1, recipe.levelValues[j]! * factor);
			conditional.fill(c, j * k, (j + 1) * k);
		}
	} else {
		const target = new Float64Array(k);
		let product = 1;
		for (let i = 0; i < k; i++) {
			product *= Math.min(1, recipe.base[i]! * factor);
			target[i] = product;
		}
		if (levels === 1) {
			for (let i = 0; i < k; i++) conditional[i] = Math.min(1, recipe.base[i]! * factor);
		} else {
			// The target is what vLLM's counters see: rates over drafts, not over requests. Levels that
			// accept more make fewer drafts, so solve with per-draft weights, which depend on the
			// solution: a fixed point that converges in a few rounds.
			const weights = new Float64Array(levels).fill(1 / levels);
			const scratch = new Float64Array(levels);
			for (let round = 0; round < 12; round++) {
				solveLevelConditionalRates(target, recipe.offsets, conditional, scratch, weights);
				const previous = Float64Array.from(weights);
				perDraftLevelWeights(conditional, k, levels, weights);
				if (previous.every((w, j) => Math.abs(w - weights[j]!) < 1e-13)) break;
			}
			solveLevelConditionalRates(target, recipe.offsets, conditional, scratch, weights);
		}
	}
	const draftWeights = perDraftLevelWeights(conditional, k, levels, new Float64Array(levels));
	const threshold = new Float64Array(levels * n);
	const alias = new Int32Array(levels * n);
	const distribution = new Float64Array(n);
	const scratch = createAliasScratch(n);
	for (let j = 0; j < levels; j++) {
		acceptedDistributionInto(conditional, j * k, k, distribution);
		buildAliasTable(distribution, n, threshold, alias, j * n, scratch);
	}
	return {threshold, alias, conditional, draftWeights};
}

/** `P(N = j)` over 0..k from conditional rates `conditional[offset..offset+k-1]`. */
export function acceptedDistributionInto(conditional: Float64Array, offset: number, k: number, out: Float64Array): void {
	let previous = 1;
	for (let i = 0; i < k; i++) {
		const r = previous * conditional[offset + i]!;
		out[i] = previous - r;
		previous = r;
	}
	out[k] = previous;
}
