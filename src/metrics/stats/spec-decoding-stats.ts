/**
 * Per-step speculative-decoding statistics, a field-for-field port of vLLM's
 * `SpecDecodingStats` (`vllm/v1/spec_decode/metrics.py`), newest semantics (M-newest):
 *
 * - a *draft* is one request in one verification step with at least one scheduled draft token;
 * - `observeDraft(d, a)` requires `0 <= a <= d <= k` and is checked before anything changes;
 * - accepted tokens form a prefix, so `numAcceptedTokensPerPos[i]` counts drafts with more than
 *   `i` accepted tokens, and `numDraftTokensPerPos[i]` drafts with more than `i` draft tokens.
 *
 * Unlike vLLM, which loops over positions for every draft, we keep histograms of the accepted
 * and drafted lengths (`O(1)` per draft) and derive the per-position counts, which are their
 * suffix sums, when read (`O(k)`). The object is reused across steps (`reset`), so a step
 * allocates nothing.
 */
export class SpecDecodingStats {
	/** `num_spec_tokens`: the configured draft length k. */
	readonly numSpecTokens: number;
	/** `num_drafts`. */
	numDrafts = 0;
	/** `num_draft_tokens`. */
	numDraftTokens = 0;
	/** `num_accepted_tokens` (the bonus token is never counted). */
	numAcceptedTokens = 0;
	/** `acceptedHistogram[j]`: drafts with exactly j accepted tokens, j = 0..k. */
	readonly acceptedHistogram: Float64Array;
	/** `draftedHistogram[j]`: drafts with exactly j draft tokens, j = 0..k. */
	readonly draftedHistogram: Float64Array;

	constructor(numSpecTokens: number) {
		if (!Number.isInteger(numSpecTokens) || numSpecTokens < 1) {
			throw new RangeError(`numSpecTokens must be a positive integer, got ${numSpecTokens}`);
		}
		this.numSpecTokens = numSpecTokens;
		this.acceptedHistogram = new Float64Array(numSpecTokens + 1);
		this.draftedHistogram = new Float64Array(numSpecTokens + 1);
	}

	/** vLLM's `SpecDecodingStats.new(num_spec_tokens)`. */
	static new(numSpecTokens: number): SpecDecodingStats {
		return new SpecDecodingStats(numSpecTokens);
	}

	/**
	 * `observe_draft(num_draft_tokens, num_accepted_tokens)`.
	 *
	 * @throws RangeError naming the values unless `0 <= accepted <= drafted <= k` (integers).
	 */
	observeDraft(numDraftTokens: number, numAcceptedTokens: number): void {
		const k = this.numSpecTokens;
		// One comparison chain on the hot path; the integer checks only run when it fails or for non-integers.
		if (
			!(numAcceptedTokens >= 0 && numAcceptedTokens <= numDraftTokens && numDraftTokens <= k) ||
			(numDraftTokens | 0) !== numDraftTokens ||
			(numAcceptedTokens | 0) !== numAcceptedTokens
		) {
			throw new RangeError(
				`observeDraft requires integers 0 <= numAcceptedTokens <= numDraftTokens <= numSpecTokens, got numAcceptedTokens=${numAcceptedTokens}, numDraftTokens=${numDraftTokens}, numSpecTokens=${k}`,
			);
		}
		this.numDrafts += 1;
		this.numDraftTokens += numDraftTokens;
		this.numAcceptedTokens += numAcceptedTokens;
		this.acceptedHistogram[numAcceptedTokens]! += 1;
		this.draftedHistogram[numDraftTokens]! += 1;
	}

	/** Add another stats object's counts (same k) into this one. */
	add(other: SpecDecodingStats): void {
		if (other.numSpecTokens !== this.numSpecTokens) {
			throw new RangeError(`cannot add stats with numSpecTokens=${other.numSpecTokens} to stats with numSpecTokens=${this.numSpecTokens}`);
		}
		this.numDrafts += other.numDrafts;
		this.numDraftTokens += other.numDraftTokens;
		this.numAcceptedTokens += other.numAcceptedTokens;
		for (let j = 0; j <= this.numSpecTokens; j++) {
			this.acceptedHistogram[j]! += other.acceptedHistogram[j]!;
			this.draftedHistogram[j]! += other.draftedHistogram[j]!;
		}
	}

	/** Zero every count, keeping the buffers. */
	reset(): void {
		this.numDrafts = 0;
		this.numDraftTokens = 0;
		this.numAcceptedTokens = 0;
		// A loop, not fill(): TypedArray.prototype.fill is a runtime call, and this runs every engine step.
		const accepted = this.acceptedHistogram;
		const drafted = this.draftedHistogram;
		for (let j = 0; j < accepted.length; j++) {
			accepted[j] = 0;
			drafted[j] = 0;
		}
	}

	/** `num_accepted_tokens_per_pos`: k counts, written into `out` when given. */
	numAcceptedTokensPerPos(out: Float64Array | number[] = new Array<number>(this.numSpecTokens)): Float64Array | number[] {
		return suffixCounts(this.acceptedHistogram, out);
	}

	/** `num_draft_tokens_per_pos` (M-newest): k counts, written into `out` when given. */
	numDraftTokensPerPos(out: Float64Array | number[] = new Array<number>(this.numSpecTokens)): Float64Array | number[] {
		return suffixCounts(this.draftedHistogram, out);
	}
}

/** `out[i] = Σ_{j > i} histogram[j]` for i = 0..k-1, k = histogram.length - 1: per-position counts from a histogram of lengths. */
export function suffixCounts<T extends Float64Array | number[]>(histogram: Float64Array, out: T): T {
	const k = histogram.length - 1;
	let running = 0;
	for (let i = k - 1; i >= 0; i--) {
		running += histogram[i + 1]!;
		out[i] = running;
	}
	return out;
}
