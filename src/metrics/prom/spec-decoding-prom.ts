import type {Registry} from 'prom-client';
import type {SpecDecodingStats} from '../stats/spec-decoding-stats.js';
import {addCounterSlot, counterFamily, type FamilySpec} from './registry-families.js';
import {withGetters} from '../../util/with-getters.js';

const ENGINE_LABELS = ['model_name', 'engine'] as const;
const POSITION_LABELS = ['model_name', 'engine', 'position'] as const;

/**
 * The spec-decoding counter families of vLLM's `SpecDecodingProm` (`vllm/v1/spec_decode/metrics.py`),
 * by their bare names (exposed with `_total`), in vLLM's creation order.
 */
export const SPEC_DECODE_FAMILIES = Object.freeze({
	numDrafts: {name: 'vllm:spec_decode_num_drafts', help: 'Number of spec decoding drafts.', labelNames: ENGINE_LABELS},
	numDraftTokens: {name: 'vllm:spec_decode_num_draft_tokens', help: 'Number of draft tokens.', labelNames: ENGINE_LABELS},
	/** M-newest wording of the draft-tokens HELP (`perPositionDrafted: true`). */
	numVerifiedDraftTokens: {
		name: 'vllm:spec_decode_num_draft_tokens',
		help: 'Number of verified draft tokens.',
		labelNames: ENGINE_LABELS,
	},
	numAcceptedTokens: {name: 'vllm:spec_decode_num_accepted_tokens', help: 'Number of accepted tokens.', labelNames: ENGINE_LABELS},
	numAcceptedTokensPerPos: {
		name: 'vllm:spec_decode_num_accepted_tokens_per_pos',
		help: 'Accepted tokens per draft position.',
		labelNames: POSITION_LABELS,
	},
	numDraftTokensPerPos: {
		name: 'vllm:spec_decode_num_draft_tokens_per_pos',
		help: 'Verified draft tokens per draft position.',
		labelNames: POSITION_LABELS,
	},
} satisfies Record<string, FamilySpec>);

/** Options of {@link createSpecDecodingProm}. */
export type SpecDecodingPromOptions = {
	/** Where the families live; never prom-client's global registry. */
	readonly registry: Registry;
	/** `model_name` label: the served model name. */
	readonly modelName: string;
	/** `engine` label: the engine index, as vLLM's `str(idx)`. */
	readonly engine: string | number;
	/** `num_speculative_tokens` (k): one `position` series per draft position. */
	readonly numSpecTokens: number;
	/**
	 * M-newest (`coverage` log format): also export `vllm:spec_decode_num_draft_tokens_per_pos`, and
	 * HELP `Number of verified draft tokens.` for the draft-token counter. Every engine sharing a
	 * registry must use the same value.
	 */
	readonly perPositionDrafted: boolean;
};

/** One engine's `SpecDecodingProm`. */
export type SpecDecodingProm = {
	/** The `engine` label value. */
	readonly engine: string;
	/**
	 * vLLM's `SpecDecodingProm.observe(spec_decoding_stats, engine_idx)`: add one step's counts.
	 * O(k) additions into preallocated buffers, no allocation, no label hashing; prom-client's
	 * counters receive the sums when the registry is next collected (any scrape or read).
	 *
	 * @throws RangeError if `stats.numSpecTokens` exceeds the positions created so far.
	 */
	observe(stats: SpecDecodingStats): void;
	/** Positions with series so far. */
	readonly numPositions: number;
	/**
	 * Add `position` series (at 0) up to `numSpecTokens`, for a live increase of k. Series are
	 * never removed: counters of positions a smaller k no longer drafts simply stop growing.
	 */
	ensurePositions(numSpecTokens: number): void;
};

// Offsets into the pending buffer of the engine-level counters (per-position sums live in segments).
const DRAFTS = 0;
const DRAFT_TOKENS = 1;
const ACCEPTED_TOKENS = 2;
const PER_POS = 3; // buffer length

/**
 * Create one engine's spec-decoding counters in `registry`: get-or-create the families (several
 * engines share them) and add this engine's series, all at 0 (the k `position` series included).
 *
 * @throws RangeError on a bad k, an engine already registered, or a `perPositionDrafted` that
 *   disagrees with another engine of the same registry; TypeError if the registry already holds
 *   a metric of the same name that specsim did not create.
 */
export function createSpecDecodingProm(options: SpecDecodingPromOptions): SpecDecodingProm {
	const {registry, modelName, numSpecTokens: k, perPositionDrafted} = options;
	const engine = String(options.engine);
	if (!Number.isInteger(k) || k < 1) {
		throw new RangeError(`numSpecTokens must be a positive integer, got ${k}`);
	}
	if (typeof perPositionDrafted !== 'boolean') {
		throw new TypeError(`perPositionDrafted must be a boolean, got ${String(perPositionDrafted)}`);
	}
	const pending = new Float64Array(PER_POS);
	const labels = {model_name: modelName, engine};

	// Resolve every family first, so a conflicting declaration throws before this engine adds a series.
	const f = SPEC_DECODE_FAMILIES;
	const drafts = counterFamily(registry, f.numDrafts);
	const draftTokens = counterFamily(registry, perPositionDrafted ? f.numVerifiedDraftTokens : f.numDraftTokens);
	const acceptedTokens = counterFamily(registry, f.numAcceptedTokens);
	const acceptedPerPos = counterFamily(registry, f.numAcceptedTokensPerPos);
	const draftPerPos = perPositionDrafted ? counterFamily(registry, f.numDraftTokensPerPos) : undefined;

	addCounterSlot(drafts, labels, pending, DRAFTS);
	addCounterSlot(draftTokens, labels, pending, DRAFT_TOKENS);
	addCounterSlot(acceptedTokens, labels, pending, ACCEPTED_TOKENS);

	// Per-position pending sums live in segments, one per growth of k: segment buffers are
	// registered once as counter slots, so growing k never moves a slot.
	let positions = 0;
	let acceptedBuffers: Float64Array[] = [];
	let draftedBuffers: Float64Array[] = [];
	let positionIndex = new Int32Array(0);
	let scratch = new Float64Array(0);
	const ensurePositions = (target: number): void => {
		if (!Number.isInteger(target) || target < 1) throw new RangeError(`numSpecTokens must be a positive integer, got ${target}`);
		if (target <= positions) return;
		const n = target - positions;
		const accSegment = new Float64Array(n);
		const drfSegment = new Float64Array(draftPerPos ? n : 0);
		for (let i = 0; i < n; i++) addCounterSlot(acceptedPerPos, {...labels, position: String(positions + i)}, accSegment, i);
		if (draftPerPos) for (let i = 0; i < n; i++) addCounterSlot(draftPerPos, {...labels, position: String(positions + i)}, drfSegment, i);
		acceptedBuffers = [...acceptedBuffers, ...Array.from({length: n}, () => accSegment)];
		draftedBuffers = [...draftedBuffers, ...Array.from({length: n}, () => drfSegment)];
		const index = new Int32Array(target);
		index.set(positionIndex);
		for (let i = 0; i < n; i++) index[positions + i] = i;
		positionIndex = index;
		positions = target;
		scratch = new Float64Array(target);
	};
	ensurePositions(k);

	// `numPositions` is an accessor added by withGetters, not one in the literal (which would leave the
	// object's `observe`, called every step, behind a slow property load).
	const prom = {
		engine,
		ensurePositions,
		observe(stats: SpecDecodingStats): void {
			const statsK = stats.numSpecTokens;
			if (statsK > positions) {
				throw new RangeError(`stats.numSpecTokens must be at most ${positions} for engine ${engine}, got ${statsK} (call ensurePositions first)`);
			}
			pending[DRAFTS]! += stats.numDrafts;
			pending[DRAFT_TOKENS]! += stats.numDraftTokens;
			pending[ACCEPTED_TOKENS]! += stats.numAcceptedTokens;
			stats.numAcceptedTokensPerPos(scratch);
			for (let pos = 0; pos < statsK; pos++) acceptedBuffers[pos]![positionIndex[pos]!]! += scratch[pos]!;
			if (perPositionDrafted) {
				stats.numDraftTokensPerPos(scratch);
				for (let pos = 0; pos < statsK; pos++) draftedBuffers[pos]![positionIndex[pos]!]! += scratch[pos]!;
			}
		},
	};
	return withGetters(prom, {numPositions: () => positions});
}
