/**
 * From a printed log line to counts. vLLM never prints `num_drafts`; we derive it, and the
 * per-position accepted counts, from what each layout does print.
 *
 * Derivation of `num_drafts` (n), V1-c to the coverage layout:
 * 1. Two independent routes: (a) fixed-length chain drafts (EAGLE, MTP, draft models, Medusa)
 *    propose exactly k tokens, so n = drafted / k, with k the number of per-position entries
 *    (coverage layout: the `/k` of the verification depth); (b) the mean acceptance length L = 1 + accepted / n
 *    (V1-c: L = accepted / n), printed with 2 decimals, bounds n to an interval, and so do the
 *    per-position rates, whose sum is accepted / n up to k half-units of the 3rd decimal (and, in
 *    the coverage layout, the depth drafted / n).
 * 2. A candidate n is *consistent* when every printed value is reproduced digit for digit by
 *    CPython-style rounding of the same float64 ratios vLLM computes, and integer per-position
 *    counts exist that print as the per-position entries, are non-increasing and add up to
 *    `accepted` (and, in the coverage layout, drafted-per-position counts that print as the coverage and add
 *    up to `drafted`).
 * 3. We take drafted / k when it is an integer and consistent (the two routes agree). Otherwise
 *    the consistent n nearest to accepted / (L − 1), with a warning when drafted / k was an
 *    integer but inconsistent (variable-length or trimmed drafts: ngram, suffix, budget).
 *
 * V1-c versus classic: the template is the same; only the mean length differs (no `+ 1` in V1-c). A
 * line is classic when some n is consistent with L = 1 + accepted / n, and V1-c when some n is
 * consistent with L = accepted / n; the per-position sum (≈ accepted / n) makes the two exclusive,
 * and a printed L below 1 can only be V1-c.
 *
 * Per-position counts: acc_pos[i] = rate_i × n (coverage layout: rate_i × drafted_pos[i]), chosen inside the
 * integer range that prints as the 3-decimal entry (unique for n <= 1000; beyond, the range holds
 * about n/1000 counts, far below the sampling error √n) and adjusted to add up to `accepted`.
 *
 * v0 and V1-a/V1-b print no per-position data: n = drafted / k (v0 prints k; V1-a/V1-b need an
 * assumed k). v0 counts are totals since start, and v0's accepted counts tokens accepted anywhere
 * in the draft: its prefix-accepted count is emitted − n (every draft emits its accepted prefix
 * plus one recovered or bonus token).
 */
import {printsAs} from './integer-fit.js';
import {reconstructCoverage} from './reconstruct-coverage.js';
import {
	checkMonotone,
	chooseDrafts,
	draftBounds,
	elapsed,
	fallbackFixed,
	intersect,
	perPositionCounts,
	ratioBounds,
	type Candidate,
} from './reconstruct-shared.js';
import type {PrintedLine} from './log-line.js';
import type {CalibrationWarning, Observation, Origin} from './types.js';

/** Options of {@link reconstructLine}. */
export type ReconstructOptions = {
	/** k to assume for layouts that do not show it (V1-a, V1-b). */
	readonly assumedK?: number;
};

/** A line's counts (undefined when the line cannot be used) and what was odd about it. */
export type Reconstruction = {readonly observation?: Observation; readonly warnings: CalibrationWarning[]};

/** Turn one parsed line into counts; see the module comment for the derivation. */
export function reconstructLine(printed: PrintedLine, origin: Origin, options: ReconstructOptions = {}): Reconstruction {
	const warnings: CalibrationWarning[] = [];
	const warn = (kind: CalibrationWarning['kind'], message: string): void => void warnings.push({kind, origin, message});
	const accepted = Number(printed.accepted);
	const drafted = Number(printed.drafted);
	if (!Number.isSafeInteger(accepted) || !Number.isSafeInteger(drafted)) {
		warn('unparseable', `counts too large to read exactly: accepted ${printed.accepted}, drafted ${printed.drafted}`);
		return {warnings};
	}
	if (drafted === 0) {
		warn('no-drafts', 'no draft tokens in this interval (nothing to learn from)');
		return {warnings};
	}
	if (accepted > drafted) {
		warn('inconsistent', `accepted ${accepted} > drafted ${drafted}: not a vLLM line (skipped)`);
		return {warnings};
	}
	switch (printed.format) {
		case 'v0':
			return reconstructV0(printed, origin, accepted, drafted, warnings);
		case 'v1-a':
		case 'v1-b':
			return reconstructRateOnly(printed, origin, accepted, drafted, options, warnings);
		case 'coverage':
			return reconstructCoverage(printed, origin, accepted, drafted, warnings);
		default:
			return reconstructPerPosition(printed, origin, accepted, drafted, warnings);
	}
}

function reconstructV0(
	printed: PrintedLine,
	origin: Origin,
	acceptedAnywhere: number,
	drafted: number,
	warnings: CalibrationWarning[],
): Reconstruction {
	const k = Number(printed.k);
	const emitted = Number(printed.emitted);
	if (!(k >= 1)) {
		warnings.push({kind: 'inconsistent', origin, message: `Number of speculative tokens ${printed.k} is not a positive integer (skipped)`});
		return {warnings};
	}
	const n = Math.floor(drafted / k);
	let derivation = `drafts = draft tokens / k = ${n} (the v0 engine always drafts k tokens per sequence)`;
	if (drafted % k !== 0) {
		warnings.push({kind: 'derivation', origin, message: `draft tokens ${drafted} is not a multiple of k = ${k}; using ${n} drafts`});
	}
	if (!printsAs(acceptedAnywhere / drafted, printed.rate!, 3)) {
		warnings.push({
			kind: 'inconsistent',
			origin,
			message: `printed draft acceptance rate ${printed.rate} differs from accepted / draft tokens = ${(acceptedAnywhere / drafted).toFixed(4)}`,
		});
	}
	if (n > 0 && !printsAs(emitted / (n * (k + 1)), printed.systemEfficiency!, 3)) {
		warnings.push({
			kind: 'inconsistent',
			origin,
			message: `printed system efficiency ${printed.systemEfficiency} differs from emitted / (drafts · (k+1))`,
		});
	}
	// Emitted = accepted prefix + one recovered/bonus token per draft (fewer if bonus tokens were disabled).
	const prefix = Math.min(drafted, Math.max(0, emitted - n));
	derivation += `; accepted prefix = emitted − drafts = ${prefix}`;
	const observation: Observation = {
		origin,
		format: 'v0',
		k,
		kAssumed: false,
		numDrafts: n,
		numDraftTokens: drafted,
		numAcceptedTokens: prefix,
		cumulative: true,
		acceptedAnywhere,
		draftsFrom: 'drafted/k',
		derivation,
	};
	return {observation, warnings};
}

function reconstructRateOnly(
	printed: PrintedLine,
	origin: Origin,
	accepted: number,
	drafted: number,
	options: ReconstructOptions,
	warnings: CalibrationWarning[],
): Reconstruction {
	const k = options.assumedK;
	if (k === undefined) {
		warnings.push({kind: 'assumed-k', origin, message: 'this layout does not show k; give --observed-k (skipped)'});
		return {warnings};
	}
	const rateOk = printed.format === 'v1-a' ? printsAs(accepted / drafted, printed.rate!, 3) : printsAs((accepted / drafted) * 100, printed.rate!, 1);
	if (!rateOk)
		warnings.push({kind: 'inconsistent', origin, message: `printed draft acceptance rate ${printed.rate} differs from accepted / drafted`});
	const n = Math.max(1, Math.round(drafted / k));
	if (drafted % k !== 0) {
		warnings.push({kind: 'derivation', origin, message: `drafted ${drafted} is not a multiple of the assumed k = ${k}; using ${n} drafts`});
	}
	const observation: Observation = {
		origin,
		format: printed.format,
		k,
		kAssumed: true,
		numDrafts: n,
		numDraftTokens: drafted,
		numAcceptedTokens: accepted,
		draftsFrom: 'assumed-k',
		derivation: `drafts = drafted / k = ${n} with k = ${k} assumed (this layout prints neither drafts nor k)`,
	};
	return {observation, warnings};
}

/** V1-c, classic, throughput: per-position rates are acc_pos / n. */
function reconstructPerPosition(
	printed: PrintedLine,
	origin: Origin,
	accepted: number,
	drafted: number,
	warnings: CalibrationWarning[],
): Reconstruction {
	const perPos = printed.perPos!;
	const k = perPos.length;
	const rateOk = printsAs((accepted / drafted) * 100, printed.rate!, 1);
	if (!rateOk)
		warnings.push({kind: 'inconsistent', origin, message: `printed draft acceptance rate ${printed.rate}% differs from accepted / drafted`});
	checkMonotone(perPos, origin, warnings);
	const meanLength = printed.meanLength!;
	const sumRates = perPos.reduce((s, r) => s + Number(r), 0);
	const tolerance = k * 0.0005 + 1e-9;
	const tryBonus = (bonus: boolean): {chosen?: Candidate; viaFixed: boolean; fixedTried: boolean} => {
		const m = Number(meanLength) - (bonus ? 1 : 0);
		const bounds = intersect(draftBounds(accepted, drafted, k), ratioBounds(accepted, m, 0.005), ratioBounds(accepted, sumRates, tolerance));
		const test = (n: number): Candidate | undefined => {
			if (!printsAs(bonus ? 1 + accepted / n : accepted / n, meanLength, 2)) return undefined;
			const acceptedPerPos = perPositionCounts(perPos, n, accepted);
			return acceptedPerPos === undefined ? undefined : {n, acceptedPerPos};
		};
		return chooseDrafts(bounds, drafted, k, m > 0 ? accepted / m : accepted / Math.max(sumRates, 1e-9), test);
	};
	let format: 'v1-c' | 'classic' | 'throughput' = printed.format === 'throughput' ? 'throughput' : 'classic';
	let result = tryBonus(true);
	if (result.chosen === undefined && printed.format === 'classic') {
		const withoutBonus = tryBonus(false);
		if (withoutBonus.chosen !== undefined) {
			format = 'v1-c';
			result = withoutBonus;
		}
	}
	if (result.chosen === undefined) return fallbackFixed(printed, origin, accepted, drafted, k, format, warnings);
	const {n, acceptedPerPos} = result.chosen;
	const lengthText = format === 'v1-c' ? `accepted / mean acceptance length (V1-c: no bonus token)` : 'accepted / (mean acceptance length − 1)';
	let derivation: string;
	if (result.viaFixed) {
		derivation = `drafts = drafted / k = ${n} (fixed-length drafts), consistent with ${lengthText} and the per-position rates`;
	} else {
		derivation = `drafts = ${n} from ${lengthText} and the per-position rates`;
		if (result.fixedTried) {
			warnings.push({
				kind: 'derivation',
				origin,
				message: `drafted / k = ${drafted / k} disagrees with the mean acceptance length and per-position rates, which imply ${n} drafts (variable-length or trimmed drafts); using ${n}`,
			});
		}
	}
	if (drafted < k * n) {
		warnings.push({
			kind: 'variable-length',
			origin,
			message: `drafted ${drafted} < k × drafts = ${k * n}: some drafts were shorter than k; vLLM's per-position rates (acc_pos / drafts) count them as rejections at positions they never drafted`,
		});
	}
	return {
		observation: {
			origin,
			format,
			k,
			kAssumed: false,
			numDrafts: n,
			numDraftTokens: drafted,
			numAcceptedTokens: accepted,
			acceptedPerPos,
			...(drafted === k * n ? {draftedPerPos: new Array<number>(k).fill(n)} : {}),
			...elapsed(printed, accepted, drafted),
			draftsFrom: result.viaFixed ? 'drafted/k' : 'mean-length',
			derivation,
		},
		warnings,
	};
}
