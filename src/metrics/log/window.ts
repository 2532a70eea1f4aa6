import {suffixCounts, type SpecDecodingStats} from '../stats/spec-decoding-stats.js';

/**
 * Sums of every `SpecDecodingStats` observed since the last printed line: what vLLM's
 * `SpecDecodingLogging` keeps as lists and sums at log time. We keep the sums directly, in
 * O(k) memory however many steps are observed.
 *
 * A live change of `num_speculative_tokens` (vLLM cannot change k; specsim's dashboard can): an
 * empty window takes the k of the first stats it observes, and grows when it sees a larger k, so
 * a window's k is the largest k drafted within it. A window spanning a change prints the larger
 * k's positions (per-position rates over all its drafts); the next one prints the new k's only.
 */
export class SpecDecodingWindow {
	/** Number of `SpecDecodingStats` objects observed (vLLM's `len(self.num_drafts)`). */
	numObservations = 0;
	numDrafts = 0;
	numDraftTokens = 0;
	numAcceptedTokens = 0;
	/** Largest k observed in this window (the number of per-position entries a line prints). */
	numSpecTokens: number;
	acceptedHistogram: Float64Array;
	draftedHistogram: Float64Array;

	constructor(numSpecTokens: number) {
		this.numSpecTokens = numSpecTokens;
		this.acceptedHistogram = new Float64Array(numSpecTokens + 1);
		this.draftedHistogram = new Float64Array(numSpecTokens + 1);
	}

	observe(stats: SpecDecodingStats): void {
		const k = stats.numSpecTokens;
		if (this.numObservations === 0 && k !== this.numSpecTokens) this.reset(k);
		else if (k > this.numSpecTokens) this.grow(k);
		this.numObservations += 1;
		this.numDrafts += stats.numDrafts;
		this.numDraftTokens += stats.numDraftTokens;
		this.numAcceptedTokens += stats.numAcceptedTokens;
		const accepted = stats.acceptedHistogram;
		const drafted = stats.draftedHistogram;
		for (let j = 0; j <= k; j++) {
			this.acceptedHistogram[j]! += accepted[j]!;
			this.draftedHistogram[j]! += drafted[j]!;
		}
	}

	/** `acc_pos[i]`: drafts with more than i accepted tokens, into `out` (length >= numSpecTokens). */
	acceptedPerPos(out: Float64Array): Float64Array {
		return suffixCounts(this.acceptedHistogram, out);
	}

	/** `drf_pos[i]`: drafts with more than i draft tokens. */
	draftedPerPos(out: Float64Array): Float64Array {
		return suffixCounts(this.draftedHistogram, out);
	}

	reset(numSpecTokens = this.numSpecTokens): void {
		this.numObservations = 0;
		this.numDrafts = 0;
		this.numDraftTokens = 0;
		this.numAcceptedTokens = 0;
		if (numSpecTokens === this.numSpecTokens) {
			this.acceptedHistogram.fill(0);
			this.draftedHistogram.fill(0);
		} else {
			this.numSpecTokens = numSpecTokens;
			this.acceptedHistogram = new Float64Array(numSpecTokens + 1);
			this.draftedHistogram = new Float64Array(numSpecTokens + 1);
		}
	}

	private grow(k: number): void {
		const accepted = new Float64Array(k + 1);
		const drafted = new Float64Array(k + 1);
		accepted.set(this.acceptedHistogram);
		drafted.set(this.draftedHistogram);
		this.acceptedHistogram = accepted;
		this.draftedHistogram = drafted;
		this.numSpecTokens = k;
	}
}
