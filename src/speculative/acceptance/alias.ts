/**
 * Walker's alias method (Vose's stable construction): sample an outcome of a discrete
 * distribution over 0..n-1 in O(1) from ONE uniform u in [0, 1):
 *
 *     column = floor(u · n); fraction = u · n − column
 *     outcome = fraction < threshold[column] ? column : alias[column]
 *
 * Tables are written into caller-owned typed arrays at an offset, so many distributions share
 * two flat buffers and building allocates nothing beyond the caller's scratch. An outcome with
 * probability 0 is never returned (its threshold is 0 and nothing aliases to it).
 *
 * @example
 * // [0.5, 0.25, 0.25] over n = 3: columns 1 and 2 keep 0.75 of themselves and alias 0.25 to 0.
 */

/** Reusable scratch for {@link buildAliasTable}, sized for distributions of up to `capacity` outcomes. */
export type AliasScratch = {
	readonly scaled: Float64Array;
	readonly small: Int32Array;
	readonly large: Int32Array;
};

/** Allocate scratch space for alias tables of up to `capacity` outcomes. */
export function createAliasScratch(capacity: number): AliasScratch {
	return {scaled: new Float64Array(capacity), small: new Int32Array(capacity), large: new Int32Array(capacity)};
}

/**
 * Build the alias table of `probabilities[0..n-1]` (non-negative, summing to ~1; renormalised)
 * into `threshold[offset..offset+n-1]` and `alias[offset..offset+n-1]`.
 *
 * @throws RangeError if a probability is negative or not finite, or they sum to 0.
 */
export function buildAliasTable(
	probabilities: ArrayLike<number>,
	n: number,
	threshold: Float64Array,
	alias: Int32Array,
	offset: number,
	scratch: AliasScratch,
): void {
	let total = 0;
	for (let i = 0; i < n; i++) {
		const p = probabilities[i]!;
		if (!(p >= 0 && Number.isFinite(p))) throw new RangeError(`probabilities[${i}] must be a finite number >= 0, got ${p}`);
		total += p;
	}
	if (!(total > 0)) throw new RangeError(`probabilities must have a positive sum, got ${total}`);
	const {scaled, small, large} = scratch;
	let numSmall = 0;
	let numLarge = 0;
	for (let i = 0; i < n; i++) {
		const s = (probabilities[i]! * n) / total;
		scaled[i] = s;
		if (s < 1) small[numSmall++] = i;
		else large[numLarge++] = i;
	}
	while (numSmall > 0 && numLarge > 0) {
		const lessIndex = small[--numSmall]!;
		const moreIndex = large[--numLarge]!;
		threshold[offset + lessIndex] = scaled[lessIndex]!;
		alias[offset + lessIndex] = moreIndex;
		const remaining = scaled[moreIndex]! + scaled[lessIndex]! - 1;
		scaled[moreIndex] = remaining;
		if (remaining < 1) small[numSmall++] = moreIndex;
		else large[numLarge++] = moreIndex;
	}
	// Leftovers are 1 up to rounding: they always return themselves.
	while (numLarge > 0) {
		const i = large[--numLarge]!;
		threshold[offset + i] = 1;
		alias[offset + i] = i;
	}
	while (numSmall > 0) {
		const i = small[--numSmall]!;
		threshold[offset + i] = 1;
		alias[offset + i] = i;
	}
}

/** Draw from an alias table of n outcomes at `offset` with one uniform u in [0, 1). */
export function sampleAlias(threshold: Float64Array, alias: Int32Array, offset: number, n: number, u: number): number {
	const x = u * n;
	let column = x | 0;
	if (column >= n) column = n - 1;
	const index = offset + column;
	return x - column < threshold[index]! ? column : alias[index]!;
}

/**
 * The exact distribution an alias table encodes (for tests and closed-form checks):
 * `P(j) = (threshold[j] + Σ_{i: alias[i] = j} (1 − threshold[i])) / n`.
 */
export function aliasTableDistribution(threshold: Float64Array, alias: Int32Array, offset: number, n: number): number[] {
	const out = new Array<number>(n).fill(0);
	for (let i = 0; i < n; i++) {
		const t = threshold[offset + i]!;
		out[i]! += t / n;
		const a = alias[offset + i]!;
		out[a]! += (1 - t) / n;
	}
	return out;
}
