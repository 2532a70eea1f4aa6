/**
 * Sum observations into one set of counts (vLLM's own rule: every figure is a sum of counts), after
 * turning v0's cumulative lines into intervals, keeping one k, and flagging lines that look like
 * bugs.
 */
import {UserError} from '../util/user-error.js';
import type {CalibrationWarning, DraftsSource, Observation, VllmLogFormat} from './types.js';

/** Fewer drafted tokens than this in one line or in total is flagged as a tiny sample. */
export const TINY_SAMPLE_DRAFT_TOKENS = 50;

/** One interval's counts (a log line, a scrape delta), for the dispersion estimate. */
export type IntervalCounts = {
	readonly numDrafts: number;
	readonly numAcceptedTokens: number;
	/** acc_pos[0], when known. */
	readonly acceptedFirst?: number;
};

/** Per-position sums over the observations that have per-position data. */
export type PerPositionCounts = {
	/** Σ num_drafts of those observations (the denominator of the unconditional rates). */
	readonly numDrafts: number;
	readonly acceptedPerPos: readonly number[];
	/** Drafted per position; `numDrafts` at every position for fixed-length drafts. */
	readonly draftedPerPos: readonly number[];
	/** True when some observation's drafted-per-position counts were not known and taken as `numDrafts`. */
	readonly draftedAssumed: boolean;
};

/** The summed counts a fit starts from. */
export type AggregatedCounts = {
	readonly k: number;
	/** k was not shown by the input but assumed. */
	readonly kAssumed: boolean;
	readonly numDrafts: number;
	readonly numDraftTokens: number;
	readonly numAcceptedTokens: number;
	/** v0: tokens accepted anywhere in the draft. */
	readonly acceptedAnywhere?: number;
	readonly perPosition?: PerPositionCounts;
	readonly intervals: readonly IntervalCounts[];
	/** Observations used, by layout. */
	readonly formats: Readonly<Partial<Record<VllmLogFormat | 'prometheus', number>>>;
	/** Observations used, by how their drafts were derived. */
	readonly draftsFrom: Readonly<Partial<Record<DraftsSource, number>>>;
	readonly numObservations: number;
	/** Σ seconds covered, when every observation knows it. */
	readonly elapsedS?: number;
};

/**
 * Aggregate observations.
 *
 * @throws UserError when there is nothing usable, or when log lines and Prometheus scrapes are mixed.
 */
export function aggregateObservations(observations: readonly Observation[]): {counts: AggregatedCounts; warnings: CalibrationWarning[]} {
	const warnings: CalibrationWarning[] = [];
	if (observations.length === 0) throw new UserError('nothing usable found: no vLLM spec-decode log line or Prometheus spec_decode counter');
	const hasProm = observations.some(o => o.format === 'prometheus');
	const hasLog = observations.some(o => o.format !== 'prometheus');
	if (hasProm && hasLog) {
		throw new UserError('give either log lines or Prometheus scrapes, not both: they count the same drafts, so adding them would count them twice');
	}
	const intervals = uncumulate(observations, warnings);
	// One k: the one with the most drafts.
	const draftsByK = new Map<number, number>();
	for (const o of intervals) draftsByK.set(o.k, (draftsByK.get(o.k) ?? 0) + o.numDrafts);
	const k = [...draftsByK.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
	if (draftsByK.size > 1) {
		const others = [...draftsByK.keys()].filter(x => x !== k).sort((a, b) => a - b);
		const skipped = intervals.filter(o => o.k !== k).length;
		warnings.push({
			kind: 'mixed-k',
			message: `the input mixes k = ${[k, ...others].join(', ')}; using k = ${k} (most drafts) and skipping ${skipped} observation(s) with k = ${others.join(', ')}`,
		});
	}
	const used = intervals.filter(o => o.k === k);
	for (const o of used) checkObservation(o, warnings);
	let numDrafts = 0;
	let numDraftTokens = 0;
	let numAcceptedTokens = 0;
	let acceptedAnywhere: number | undefined;
	let perPosDrafts = 0;
	let draftedAssumed = false;
	const acceptedPerPos = new Array<number>(k).fill(0);
	const draftedPerPos = new Array<number>(k).fill(0);
	let withPerPos = 0;
	let elapsedS: number | undefined = 0;
	const formats: Partial<Record<VllmLogFormat | 'prometheus', number>> = {};
	const draftsFrom: Partial<Record<DraftsSource, number>> = {};
	const intervalCounts: IntervalCounts[] = [];
	for (const o of used) {
		numDrafts += o.numDrafts;
		numDraftTokens += o.numDraftTokens;
		numAcceptedTokens += o.numAcceptedTokens;
		if (o.acceptedAnywhere !== undefined) acceptedAnywhere = (acceptedAnywhere ?? 0) + o.acceptedAnywhere;
		formats[o.format] = (formats[o.format] ?? 0) + 1;
		draftsFrom[o.draftsFrom] = (draftsFrom[o.draftsFrom] ?? 0) + 1;
		elapsedS = elapsedS !== undefined && o.elapsedS !== undefined ? elapsedS + o.elapsedS : undefined;
		if (o.acceptedPerPos !== undefined) {
			withPerPos += 1;
			perPosDrafts += o.numDrafts;
			for (let i = 0; i < k; i++) {
				acceptedPerPos[i]! += o.acceptedPerPos[i] ?? 0;
				draftedPerPos[i]! += o.draftedPerPos?.[i] ?? o.numDrafts;
			}
			if (o.draftedPerPos === undefined) draftedAssumed = true;
		}
		intervalCounts.push({
			numDrafts: o.numDrafts,
			numAcceptedTokens: o.numAcceptedTokens,
			...(o.acceptedPerPos ? {acceptedFirst: o.acceptedPerPos[0] ?? 0} : {}),
		});
	}
	const counts: AggregatedCounts = {
		k,
		kAssumed: used.every(o => o.kAssumed),
		numDrafts,
		numDraftTokens,
		numAcceptedTokens,
		...(acceptedAnywhere !== undefined ? {acceptedAnywhere} : {}),
		...(withPerPos > 0 ? {perPosition: {numDrafts: perPosDrafts, acceptedPerPos, draftedPerPos, draftedAssumed}} : {}),
		intervals: intervalCounts,
		formats,
		draftsFrom,
		numObservations: used.length,
		...(elapsedS !== undefined && elapsedS > 0 ? {elapsedS} : {}),
	};
	checkTotals(counts, warnings);
	return {counts, warnings};
}

/**
 * v0 lines carry totals since the engine started. Per source, in order, each line minus the
 * previous one is an interval; a total that falls means a restart, and the new total counts whole.
 */
function uncumulate(observations: readonly Observation[], warnings: CalibrationWarning[]): Observation[] {
	const previous = new Map<string, Observation>();
	const out: Observation[] = [];
	for (const o of observations) {
		if (!o.cumulative) {
			out.push(o);
			continue;
		}
		const before = previous.get(o.origin.source);
		previous.set(o.origin.source, o);
		if (before === undefined || before.k !== o.k) {
			out.push(o);
			continue;
		}
		const d = o.numDraftTokens - before.numDraftTokens;
		if (d < 0 || o.numAcceptedTokens < before.numAcceptedTokens || o.numDrafts < before.numDrafts) {
			warnings.push({kind: 'counter-reset', origin: o.origin, message: 'v0 totals fell: the engine restarted; counting this line whole'});
			out.push(o);
			continue;
		}
		if (d === 0) continue;
		out.push({
			...o,
			numDrafts: o.numDrafts - before.numDrafts,
			numDraftTokens: d,
			numAcceptedTokens: o.numAcceptedTokens - before.numAcceptedTokens,
			acceptedAnywhere: (o.acceptedAnywhere ?? 0) - (before.acceptedAnywhere ?? 0),
			derivation: `${o.derivation} (v0 totals since start, minus the previous line)`,
		});
	}
	return out;
}

function checkObservation(o: Observation, warnings: CalibrationWarning[]): void {
	if (o.numDraftTokens < TINY_SAMPLE_DRAFT_TOKENS) {
		warnings.push({
			kind: 'tiny-sample',
			origin: o.origin,
			message: `only ${o.numDraftTokens} drafted tokens: too few to say much (used, with little weight)`,
		});
	}
	if (o.numAcceptedTokens === 0) {
		warnings.push({
			kind: 'zero-acceptance',
			origin: o.origin,
			message: `0% acceptance (0 of ${o.numDraftTokens} drafted tokens): a broken or mismatched drafter (tokenizer, wrong draft model)?`,
		});
	} else if (o.numAcceptedTokens === o.numDraftTokens) {
		warnings.push({
			kind: 'full-acceptance',
			origin: o.origin,
			message: `100% acceptance (${o.numAcceptedTokens} of ${o.numDraftTokens}): draft identical to the target, a trivial prompt, or a metrics bug?`,
		});
	}
}

function checkTotals(c: AggregatedCounts, warnings: CalibrationWarning[]): void {
	if (c.numDraftTokens < TINY_SAMPLE_DRAFT_TOKENS) {
		warnings.push({kind: 'tiny-sample', message: `only ${c.numDraftTokens} drafted tokens in total: the fit is very uncertain`});
	}
	if (c.numAcceptedTokens === 0)
		warnings.push({kind: 'zero-acceptance', message: 'no draft token was ever accepted: the calibrated preset accepts nothing'});
	else if (c.numAcceptedTokens === c.numDraftTokens)
		warnings.push({kind: 'full-acceptance', message: 'every draft token was accepted: the calibrated preset accepts everything'});
	const pp = c.perPosition;
	if (pp !== undefined) {
		for (let i = 1; i < c.k; i++) {
			if (pp.acceptedPerPos[i]! > pp.acceptedPerPos[i - 1]!) {
				warnings.push({
					kind: 'non-monotone',
					message: `summed per-position accepted counts rise at position ${i}: the input is not from vLLM's prefix counters`,
				});
				break;
			}
		}
	}
}
