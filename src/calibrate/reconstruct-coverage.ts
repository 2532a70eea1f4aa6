/**
 * coverage lines (the newest vLLM): per-position rates are acc_pos / drf_pos (or `-----`), coverage
 * drf_pos / n and depth drafted / n. See `reconstruct.ts` for the derivation of n.
 */
import {allocateCounts, countRange, printsAs} from './integer-fit.js';
import type {PrintedLine} from './log-line.js';
import type {Reconstruction} from './reconstruct.js';
import {checkMonotone, chooseDrafts, elapsed, fallbackFixed, intersect, ratioBounds, type Candidate} from './reconstruct-shared.js';
import type {CalibrationWarning, Origin} from './types.js';

/** coverage: per-position rates are acc_pos / drf_pos (or `-----`), coverage drf_pos / n, depth drafted / n. */
export function reconstructCoverage(
	printed: PrintedLine,
	origin: Origin,
	accepted: number,
	drafted: number,
	warnings: CalibrationWarning[],
): Reconstruction {
	const k = Number(printed.k);
	const perPos = printed.perPos!;
	const coverage = printed.coverage!;
	if (!(k >= 1) || perPos.length !== k || coverage.length !== k) {
		warnings.push({
			kind: 'inconsistent',
			origin,
			message: `verification depth says k = ${printed.k} but the line has ${perPos.length} per-position rates and ${coverage.length} coverage entries (skipped)`,
		});
		return {warnings};
	}
	if (!printsAs((accepted / drafted) * 100, printed.rate!, 1)) {
		warnings.push({kind: 'inconsistent', origin, message: `printed draft acceptance rate ${printed.rate}% differs from accepted / drafted`});
	}
	if (coverage.every(c => c === '1.000')) checkMonotone(perPos, origin, warnings);
	const m = Number(printed.meanLength) - 1;
	const depth = Number(printed.depth);
	const bounds = intersect([1, Math.max(1, accepted + drafted)], ratioBounds(accepted, m, 0.005), ratioBounds(drafted, depth, 0.005));
	// Accepted counts at position i that print as its rate over d drafted (undefined: none).
	const acceptedRange = (i: number, d: number): [number, number] | undefined => {
		if (perPos[i] === '-----') return d === 0 ? [0, 0] : undefined;
		return d > 0 ? countRange(perPos[i]!, d, 3) : undefined;
	};
	const acceptedFor = (draftedPerPos: readonly number[]): number[] | undefined => {
		const ranges: Array<[number, number]> = [];
		for (let i = 0; i < k; i++) {
			const range = acceptedRange(i, draftedPerPos[i]!);
			if (range === undefined) return undefined;
			ranges.push(range);
		}
		return allocateCounts(
			perPos.map((r, i) => (r === '-----' ? 0 : Number(r) * draftedPerPos[i]!)),
			ranges,
			accepted,
			true,
		);
	};
	const test = (n: number): Candidate | undefined => {
		if (!printsAs(1 + accepted / n, printed.meanLength!, 2) || !printsAs(drafted / n, printed.depth!, 2)) return undefined;
		// Drafted counts that print as the coverage and leave some accepted count printing as the rate.
		const draftRanges: Array<[number, number]> = [];
		for (let i = 0; i < k; i++) {
			const range = countRange(coverage[i]!, n, 3);
			if (range === undefined) return undefined;
			let lo = range[1] + 1;
			let hi = range[0] - 1;
			for (let d = range[0]; d <= range[1]; d++) {
				if (acceptedRange(i, d) === undefined) continue;
				lo = Math.min(lo, d);
				hi = Math.max(hi, d);
			}
			if (lo > hi) return undefined;
			draftRanges.push([lo, hi]);
		}
		const draftedPerPos = allocateCounts(
			coverage.map(c => Number(c) * n),
			draftRanges,
			drafted,
			true,
		);
		if (draftedPerPos === undefined) return undefined;
		let acceptedPerPos = acceptedFor(draftedPerPos);
		// Several drafted allocations may print the same coverage: move one drafted unit between positions.
		for (let i = 0; acceptedPerPos === undefined && i < k; i++) {
			for (let j = 0; acceptedPerPos === undefined && j < k; j++) {
				if (i === j) continue;
				const shifted = [...draftedPerPos];
				shifted[i]! -= 1;
				shifted[j]! += 1;
				const inRange = shifted.every((d, p) => d >= draftRanges[p]![0] && d <= draftRanges[p]![1]);
				const monotone = shifted.every((d, p) => p === 0 || d <= shifted[p - 1]!);
				if (!inRange || !monotone) continue;
				const found = acceptedFor(shifted);
				if (found !== undefined) {
					acceptedPerPos = found;
					draftedPerPos.splice(0, k, ...shifted);
				}
			}
		}
		return acceptedPerPos === undefined ? undefined : {n, acceptedPerPos, draftedPerPos};
	};
	const estimate = m > 0 ? accepted / m : depth > 0 ? drafted / depth : drafted / k;
	const result = chooseDrafts(bounds, drafted, k, estimate, test);
	if (result.chosen === undefined) return fallbackFixed(printed, origin, accepted, drafted, k, 'coverage', warnings);
	const {n, acceptedPerPos, draftedPerPos} = result.chosen;
	const derivation = result.viaFixed
		? `drafts = drafted / k = ${n} (fixed-length drafts), consistent with the mean acceptance length, verification depth, coverage and per-position rates`
		: `drafts = ${n} from the mean acceptance length and verification depth (drafted / k = ${(drafted / k).toFixed(2)}), consistent with coverage and per-position rates`;
	return {
		observation: {
			origin,
			format: 'coverage',
			k,
			kAssumed: false,
			numDrafts: n,
			numDraftTokens: drafted,
			numAcceptedTokens: accepted,
			acceptedPerPos,
			draftedPerPos: draftedPerPos!,
			...elapsed(printed, accepted, drafted),
			draftsFrom: result.viaFixed ? 'drafted/k' : 'mean-length',
			derivation,
		},
		warnings,
	};
}
