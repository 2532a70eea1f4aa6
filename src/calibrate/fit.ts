/**
 * Fit acceptance to summed counts.
 *
 * Model: chain drafts accept a prefix; position i is accepted with conditional probability c_i
 * given that positions 0..i−1 were. With acc_pos[i] drafts accepting more than i tokens, the
 * likelihood factorises into binomials, one per position: trials t_0 = drafts (drafted at
 * position 0), t_i = acc_pos[i−1] (drafts that reached position i), successes s_i = acc_pos[i].
 * So the ML estimate is ĉ_i = acc_pos[i] / acc_pos[i−1] (ĉ_0 = acc_pos[0] / drafts), with
 * binomial standard error sqrt(ĉ(1−ĉ)/t_i) and a Wilson 95% interval. With drafted-per-position
 * counts (coverage, newest Prometheus) drafts shorter than i+1 are not trials at i: assuming draft
 * length independent of acceptance, t_i = acc_pos[i−1] · drf_pos[i] / drf_pos[i−1] (equal to
 * acc_pos[i−1] for fixed-length drafts) and the unconditional rate is acc_pos[i] / drf_pos[i].
 *
 * Parametric decay, to extrapolate to other k: c_i = min(1, first · decay^i) (specsim's
 * `geometric` acceptance), fitted by maximum likelihood on the same binomials (Nelder–Mead,
 * started from weighted least squares of ln ĉ_i, weights t_i ĉ/(1−ĉ) = 1/Var(ln ĉ)). Goodness of
 * fit: the deviance against the per-position (saturated) model, χ² with (positions − 2) degrees of
 * freedom. The i.i.d. model (c_i = alpha, Leviathan et al.) is reported beside it.
 *
 * Overdispersion: drafts of one request share its acceptance level, so intervals vary more than
 * binomial sampling allows. With J >= 3 intervals (log lines, scrape deltas) we estimate the
 * dispersion φ = Σ_j (A_j − n_j μ̂)² / (n_j σ̂²) / (J − 1) of the accepted tokens per interval,
 * where μ̂ = ΣA/Σn and σ̂² is the per-draft variance of the accepted length, and multiply every
 * standard error by sqrt(max(1, φ)) (quasi-likelihood). Intervals use the same inflation.
 *
 * Without per-position data (v0, V1-a, V1-b) only the mean acceptance length is known; the fit is
 * the i.i.d. alpha that reproduces it at the observed k.
 */
import {alphaForMeanLength} from '../speculative/acceptance/conversions.js';
import type {AggregatedCounts} from './aggregate.js';
import {fitDecay, fitIid, type DecayFit, type IidFit} from './fit-models.js';
import {wilsonInterval, Z95} from './stats.js';

export type {DecayFit, IidFit} from './fit-models.js';

/** Estimates at one draft position. */
export type PositionEstimate = {
	readonly position: number;
	/** acc_pos[i]: drafts that accepted more than i tokens. */
	readonly accepted: number;
	/** Drafts with a token at this position (drf_pos[i]). */
	readonly drafted: number;
	/** Trials of the conditional rate (drafts that reached this position with a token there). */
	readonly trials: number;
	/** r_i = acc_pos[i] / drf_pos[i]: vLLM's per-position acceptance rate. */
	readonly unconditional: number;
	readonly unconditionalSe: number;
	/** ĉ_i = s_i / t_i; NaN with no trials. */
	readonly conditional: number;
	readonly conditionalSe: number;
	readonly conditionalCi95: readonly [number, number];
	/** The decay model's conditional and unconditional rates at this position. */
	readonly fittedConditional: number;
	readonly fittedUnconditional: number;
};

/** Between-interval overdispersion. */
export type Dispersion = {
	readonly intervals: number;
	/** φ; 1 means binomial. */
	readonly phi: number;
	/** sqrt(max(1, φ)): the factor applied to standard errors. */
	readonly inflation: number;
};

/** A value with its standard error and 95% interval. */
export type Estimate = {readonly value: number; readonly se: number; readonly ci95: readonly [number, number]};

/** Everything `calibrate` knows about acceptance. */
export type AcceptanceFit = {
	readonly k: number;
	readonly numDrafts: number;
	readonly numDraftTokens: number;
	readonly numAcceptedTokens: number;
	/** accepted / drafted (a fraction). */
	readonly draftAcceptanceRate: Estimate;
	/** 1 + accepted / drafts, with the fitted models' values for full-length drafts. */
	readonly meanAcceptanceLength: Estimate & {readonly fitted?: number; readonly iid: number};
	/** Per-position estimates, when the input had per-position data. */
	readonly positions?: readonly PositionEstimate[];
	readonly decay?: DecayFit;
	readonly iid: IidFit;
	readonly dispersion?: Dispersion;
};

/** Fit acceptance to aggregated counts (see the module comment). */
export function fitAcceptance(counts: AggregatedCounts): AcceptanceFit {
	const {k, numDrafts, numDraftTokens, numAcceptedTokens} = counts;
	const meanAccepted = numAcceptedTokens / numDrafts;
	const pp = counts.perPosition;
	if (pp === undefined) return fitWithoutPositions(counts, meanAccepted);
	const trials: number[] = [];
	const successes: number[] = [];
	for (let i = 0; i < k; i++) {
		const drafted = pp.draftedPerPos[i]!;
		const t = i === 0 ? drafted : pp.draftedPerPos[i - 1]! > 0 ? (pp.acceptedPerPos[i - 1]! * drafted) / pp.draftedPerPos[i - 1]! : 0;
		trials.push(t);
		successes.push(Math.min(t, pp.acceptedPerPos[i]!));
	}
	// Per-draft variance of the accepted length: E[N²] = Σ (2i+1) r_i (r over all drafts with per-position data).
	let mean = 0;
	let second = 0;
	for (let i = 0; i < k; i++) {
		const r = pp.acceptedPerPos[i]! / pp.numDrafts;
		mean += r;
		second += (2 * i + 1) * r;
	}
	const variance = Math.max(0, second - mean * mean);
	const dispersion = estimateDispersion(counts, meanAccepted, variance);
	const phi = Math.max(1, dispersion?.phi ?? 1);
	const decay = fitDecay(trials, successes, phi);
	const iid = fitIid(trials, successes, phi);
	const positions: PositionEstimate[] = [];
	let fittedProduct = 1;
	for (let i = 0; i < k; i++) {
		const t = trials[i]!;
		const s = successes[i]!;
		const drafted = pp.draftedPerPos[i]!;
		const r = drafted > 0 ? pp.acceptedPerPos[i]! / drafted : 0;
		const c = t > 0 ? s / t : Number.NaN;
		const fittedConditional = Math.min(1, decay.first * decay.decay ** i);
		fittedProduct *= fittedConditional;
		positions.push({
			position: i,
			accepted: pp.acceptedPerPos[i]!,
			drafted,
			trials: t,
			unconditional: r,
			unconditionalSe: drafted > 0 ? Math.sqrt((phi * r * (1 - r)) / drafted) : Number.NaN,
			conditional: c,
			conditionalSe: t > 0 ? Math.sqrt((phi * c * (1 - c)) / t) : Number.NaN,
			conditionalCi95: wilsonInterval(s / phi, t / phi),
			fittedConditional,
			fittedUnconditional: fittedProduct,
		});
	}
	const lengthSe = Math.sqrt((phi * variance) / numDrafts);
	const meanLength = 1 + meanAccepted;
	return {
		k,
		numDrafts,
		numDraftTokens,
		numAcceptedTokens,
		draftAcceptanceRate: rateEstimate(numAcceptedTokens, numDraftTokens, lengthSe * (numDrafts / numDraftTokens)),
		meanAcceptanceLength: {
			value: meanLength,
			se: lengthSe,
			ci95: [meanLength - Z95 * lengthSe, meanLength + Z95 * lengthSe],
			fitted: 1 + positions.reduce((sum, p) => sum + p.fittedUnconditional, 0),
			iid: iidMeanLength(iid.alpha, k),
		},
		positions,
		decay,
		iid,
		...(dispersion ? {dispersion} : {}),
	};
}

/**
 * The conditional rates a preset should use at draft length `k`: the observed ĉ_i where there
 * were trials, the decay fit elsewhere (where no draft got that far, and beyond the observed k).
 * Beyond the observed k the fitted curve is continued with the decay capped at 1
 * (`c_i = c_fit(k_obs − 1) · min(1, decay)^(i − k_obs + 1)`), as `extendConditionalRates` does:
 * extrapolated rates never grow, so a rising fit cannot promise perfect acceptance far out.
 * Without per-position data every position gets the i.i.d. alpha.
 */
export function conditionalRatesAt(fit: AcceptanceFit, k: number): number[] {
	if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
	const out: number[] = [];
	const decay = fit.decay;
	for (let i = 0; i < k; i++) {
		const observed = fit.positions?.[i];
		if (observed !== undefined && observed.trials > 0) out.push(observed.conditional);
		else if (decay === undefined) out.push(fit.iid.alpha);
		else if (i < fit.k) out.push(Math.min(1, decay.first * decay.decay ** i));
		else out.push(Math.min(1, decay.first * decay.decay ** (fit.k - 1)) * Math.min(1, decay.decay) ** (i - fit.k + 1));
	}
	return out;
}

function fitWithoutPositions(counts: AggregatedCounts, meanAccepted: number): AcceptanceFit {
	const {k, numDrafts, numDraftTokens, numAcceptedTokens} = counts;
	const meanLength = Math.min(k + 1, 1 + meanAccepted);
	const alpha = alphaForMeanLength(meanLength, k);
	// Per-draft variance of N under the i.i.d. model: r_i = alpha^(i+1).
	let mean = 0;
	let second = 0;
	let r = 1;
	for (let i = 0; i < k; i++) {
		r *= alpha;
		mean += r;
		second += (2 * i + 1) * r;
	}
	const variance = Math.max(0, second - mean * mean);
	const dispersion = estimateDispersion(counts, meanAccepted, variance);
	const phi = Math.max(1, dispersion?.phi ?? 1);
	const lengthSe = Math.sqrt((phi * variance) / numDrafts);
	return {
		k,
		numDrafts,
		numDraftTokens,
		numAcceptedTokens,
		draftAcceptanceRate: rateEstimate(numAcceptedTokens, numDraftTokens, lengthSe * (numDrafts / numDraftTokens)),
		meanAcceptanceLength: {
			value: 1 + meanAccepted,
			se: lengthSe,
			ci95: [1 + meanAccepted - Z95 * lengthSe, 1 + meanAccepted + Z95 * lengthSe],
			iid: meanLength,
		},
		iid: {alpha},
		...(dispersion ? {dispersion} : {}),
	};
}

function rateEstimate(accepted: number, drafted: number, se: number): Estimate {
	const value = accepted / drafted;
	return {value, se, ci95: [Math.max(0, value - Z95 * se), Math.min(1, value + Z95 * se)]};
}

function estimateDispersion(counts: AggregatedCounts, meanAccepted: number, variance: number): Dispersion | undefined {
	const intervals = counts.intervals.filter(x => x.numDrafts > 0);
	if (intervals.length < 3 || !(variance > 0)) return undefined;
	let chi2 = 0;
	for (const x of intervals) chi2 += (x.numAcceptedTokens - x.numDrafts * meanAccepted) ** 2 / (x.numDrafts * variance);
	const phi = chi2 / (intervals.length - 1);
	return {intervals: intervals.length, phi, inflation: Math.sqrt(Math.max(1, phi))};
}

function iidMeanLength(alpha: number, k: number): number {
	let sum = 1;
	let r = 1;
	for (let i = 0; i < k; i++) {
		r *= alpha;
		sum += r;
	}
	return sum;
}
