/**
 * Shared steps of the log-line reconstruction (see `reconstruct.ts`): choosing the number of
 * drafts among the candidates the printed values allow, the fallback for inconsistent lines, and
 * small checks.
 */
import {allocateCounts, countRange} from './integer-fit.js';
import type {PrintedLine} from './log-line.js';
import type {CalibrationWarning, Origin} from './types.js';
import type {Reconstruction} from './reconstruct.js';

/** Most candidate draft counts we test on one line (the interval is usually a few hundred wide). */
const MAX_CANDIDATES = 200_000;

/** A number of drafts with the per-position counts it implies. */
export type Candidate = {n: number; acceptedPerPos: number[]; draftedPerPos?: number[]};

/**
 * Nothing is consistent with every printed digit (an edited or corrupted line). If drafted / k is
 * an integer we still use the line with rounded per-position counts, and say so; otherwise skip it.
 */
export function fallbackFixed(
	printed: PrintedLine,
	origin: Origin,
	accepted: number,
	drafted: number,
	k: number,
	format: 'v1-c' | 'classic' | 'throughput' | 'coverage',
	warnings: CalibrationWarning[],
): Reconstruction {
	if (drafted % k !== 0) {
		warnings.push({
			kind: 'inconsistent',
			origin,
			message: 'no number of drafts reproduces the printed mean acceptance length and per-position rates (skipped)',
		});
		return {warnings};
	}
	const n = drafted / k;
	const rounded = printed.perPos!.map(r => (r === '-----' ? 0 : Math.round(Number(r) * n)));
	for (let i = 1; i < k; i++) rounded[i] = Math.min(rounded[i]!, rounded[i - 1]!);
	warnings.push({
		kind: 'inconsistent',
		origin,
		message: `the printed values are not mutually consistent; using drafts = drafted / k = ${n} and rounded per-position counts`,
	});
	return {
		observation: {
			origin,
			format,
			k,
			kAssumed: false,
			numDrafts: n,
			numDraftTokens: drafted,
			numAcceptedTokens: accepted,
			acceptedPerPos: rounded,
			draftedPerPos: new Array<number>(k).fill(n),
			...elapsed(printed, accepted, drafted),
			draftsFrom: 'rounded',
			derivation: `drafts = drafted / k = ${n} (printed values inconsistent; per-position counts rounded)`,
		},
		warnings,
	};
}

/** acc_pos counts for denominator n that print as the entries and add up to `accepted`. */
export function perPositionCounts(perPos: readonly string[], n: number, accepted: number): number[] | undefined {
	const ranges: Array<[number, number]> = [];
	for (const text of perPos) {
		const range = countRange(text, n, 3);
		if (range === undefined) return undefined;
		ranges.push(range);
	}
	return allocateCounts(
		perPos.map(r => Number(r) * n),
		ranges,
		accepted,
		true,
	);
}

/**
 * Pick n: drafted / k first when it is an integer inside the bounds and consistent; otherwise the
 * consistent n nearest to `estimate`, searching outward.
 */
export function chooseDrafts(
	bounds: [number, number],
	drafted: number,
	k: number,
	estimate: number,
	test: (n: number) => Candidate | undefined,
): {chosen?: Candidate; viaFixed: boolean; fixedTried: boolean} {
	const [lo, hi] = bounds;
	const fixed = drafted / k;
	const fixedTried = Number.isInteger(fixed) && fixed >= 1;
	if (fixedTried) {
		const chosen = test(fixed);
		if (chosen !== undefined) return {chosen, viaFixed: true, fixedTried};
	}
	if (lo > hi) return {viaFixed: false, fixedTried};
	const start = Math.min(hi, Math.max(lo, Math.round(Number.isFinite(estimate) ? estimate : lo)));
	for (let step = 0; step <= MAX_CANDIDATES; step++) {
		const up = start + step;
		const down = start - step;
		if (up > hi && down < lo) break;
		if (up <= hi) {
			const chosen = test(up);
			if (chosen !== undefined) return {chosen, viaFixed: false, fixedTried};
		}
		if (step > 0 && down >= lo) {
			const chosen = test(down);
			if (chosen !== undefined) return {chosen, viaFixed: false, fixedTried};
		}
	}
	return {viaFixed: false, fixedTried};
}

/** n with drafted / n in [1, k]: each draft has 1..k tokens. */
export function draftBounds(accepted: number, drafted: number, k: number): [number, number] {
	return [Math.max(1, Math.ceil(drafted / k), accepted > 0 ? Math.ceil(accepted / k) : 1), Math.max(1, drafted)];
}

/** n with total / n within `tolerance` of `ratio` (wide open when the ratio says nothing). */
export function ratioBounds(total: number, ratio: number, tolerance: number): [number, number] {
	if (total === 0) return [1, Number.POSITIVE_INFINITY];
	const lo = ratio + tolerance > 0 ? Math.floor(total / (ratio + tolerance)) - 1 : 1;
	const hi = ratio - tolerance > 0 ? Math.ceil(total / (ratio - tolerance)) + 1 : Number.POSITIVE_INFINITY;
	return [Math.max(1, lo), hi];
}

export function intersect(...ranges: Array<[number, number]>): [number, number] {
	let lo = 1;
	let hi = Number.POSITIVE_INFINITY;
	for (const [a, b] of ranges) {
		lo = Math.max(lo, a);
		hi = Math.min(hi, b);
	}
	return [lo, hi];
}

/** vLLM's per-position rates (acc_pos / n) can only fall with position: a rise means a bug or an edited line. */
export function checkMonotone(perPos: readonly string[], origin: Origin, warnings: CalibrationWarning[]): void {
	for (let i = 1; i < perPos.length; i++) {
		const previous = Number(perPos[i - 1]);
		const current = Number(perPos[i]);
		if (current > previous) {
			warnings.push({
				kind: 'non-monotone',
				origin,
				message: `per-position acceptance rate rises from ${perPos[i - 1]} (position ${i - 1}) to ${perPos[i]} (position ${i}); vLLM's prefix counts cannot rise`,
			});
			return;
		}
	}
}

/** Seconds covered by a throughput/coverage line, from its throughputs (accepted / elapsed). */
export function elapsed(printed: PrintedLine, accepted: number, drafted: number): {elapsedS?: number} {
	const acc = Number(printed.acceptedThroughput);
	const drf = Number(printed.draftedThroughput);
	if (acc > 0 && accepted > 0) return {elapsedS: accepted / acc};
	if (drf > 0 && drafted > 0) return {elapsedS: drafted / drf};
	return {};
}
