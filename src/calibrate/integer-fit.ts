/**
 * Integer counts behind printed fixed-point ratios: which integers c give `'%.Nf' % (c / n)`
 * equal to the printed text, and how to pick per-position counts inside those ranges that add
 * up to a printed total.
 */
import {formatFixed} from '../util/py-format.js';

/** True when `'%.{digits}f' % value` (CPython rounding) prints exactly `text`. */
export function printsAs(value: number, text: string, digits: number): boolean {
	return formatFixed(value, digits) === text;
}

/**
 * The integers c in [0, max] with `'%.{digits}f' % (c / n)` equal to `text`, as an inclusive
 * range, or undefined when there is none. Formatting is monotone in c, so the set is a range; we
 * locate its ends next to `(v ± half a unit) · n` and check them with exact formatting.
 */
export function countRange(text: string, n: number, digits: number, max = n): [number, number] | undefined {
	const v = Number(text);
	if (!Number.isFinite(v) || !(n > 0)) return undefined;
	const half = 0.5 * 10 ** -digits;
	let lo = Math.max(0, Math.floor((v - half) * n) - 2);
	const loEnd = Math.min(max, Math.max(0, Math.ceil((v - half) * n)) + 2);
	while (lo <= loEnd && !printsAs(lo / n, text, digits)) lo++;
	if (lo > loEnd) return undefined;
	let hi = Math.min(max, Math.ceil((v + half) * n) + 2);
	while (hi > lo && !printsAs(hi / n, text, digits)) hi--;
	return [lo, hi];
}

/**
 * Integers y_i in [lo_i, hi_i], close to `targets`, summing to `total`, and non-increasing when
 * `monotone` (per-position counts of prefix acceptance). Starts from the rounded targets and moves
 * one unit at a time where the rounding error is largest. Returns undefined when no such integers
 * exist (the printed values are inconsistent).
 */
export function allocateCounts(
	targets: readonly number[],
	ranges: ReadonlyArray<readonly [number, number]>,
	total: number,
	monotone: boolean,
): number[] | undefined {
	const k = targets.length;
	let sumLo = 0;
	let sumHi = 0;
	for (const [lo, hi] of ranges) {
		if (lo > hi) return undefined;
		sumLo += lo;
		sumHi += hi;
	}
	if (total < sumLo || total > sumHi) return undefined;
	const y = targets.map((x, i) => Math.min(ranges[i]![1], Math.max(ranges[i]![0], Math.round(x))));
	if (monotone) {
		for (let i = 1; i < k; i++) if (y[i]! > y[i - 1]!) y[i] = Math.max(ranges[i]![0], y[i - 1]!);
	}
	let diff = total - y.reduce((a, b) => a + b, 0);
	// Each move changes the sum by one; the bound only guards against a logic error.
	for (let guard = 0; diff !== 0 && guard < 10_000_000; guard++) {
		let best = -1;
		let bestGap = Number.NEGATIVE_INFINITY;
		for (let i = 0; i < k; i++) {
			if (diff > 0) {
				if (y[i]! >= ranges[i]![1] || (monotone && i > 0 && y[i]! >= y[i - 1]!)) continue;
				const gap = targets[i]! - y[i]!;
				if (gap > bestGap) [best, bestGap] = [i, gap];
			} else {
				if (y[i]! <= ranges[i]![0] || (monotone && i < k - 1 && y[i]! <= y[i + 1]!)) continue;
				const gap = y[i]! - targets[i]!;
				if (gap > bestGap) [best, bestGap] = [i, gap];
			}
		}
		if (best < 0) return undefined;
		y[best]! += diff > 0 ? 1 : -1;
		diff += diff > 0 ? -1 : 1;
	}
	if (monotone) for (let i = 1; i < k; i++) if (y[i]! > y[i - 1]!) return undefined;
	return y;
}
