/**
 * The parametric models fitted to the per-position binomials (see `fit.ts`): geometric decay of
 * the conditional rates by maximum likelihood, and the i.i.d. model, each with its deviance
 * against the per-position (saturated) model.
 */
import {chiSquareSurvival, nelderMead} from './stats.js';

/** A model fitted to the per-position binomials. */
export type ModelFit = {
	/** Deviance against the per-position model. */
	readonly deviance: number;
	/** Degrees of freedom (positions with trials − parameters). */
	readonly dof: number;
	/** P(χ²_dof ≥ deviance / max(1, φ)); NaN with no degrees of freedom. */
	readonly pValue: number;
};

/** The geometric decay fit. */
export type DecayFit = ModelFit & {readonly first: number; readonly decay: number};
/** The i.i.d. fit. */
export type IidFit = Partial<ModelFit> & {readonly alpha: number};

const CLAMP = 1e-12;

/** Binomial log-likelihood Σ s ln c + (t − s) ln(1 − c). */
function logLikelihood(trials: readonly number[], successes: readonly number[], rate: (i: number) => number): number {
	let ll = 0;
	for (let i = 0; i < trials.length; i++) {
		const t = trials[i]!;
		if (!(t > 0)) continue;
		const s = successes[i]!;
		const c = Math.min(1 - CLAMP, Math.max(CLAMP, rate(i)));
		ll += s * Math.log(c) + (t - s) * Math.log(1 - c);
	}
	return ll;
}

function saturatedLogLikelihood(trials: readonly number[], successes: readonly number[]): number {
	return logLikelihood(trials, successes, i => successes[i]! / trials[i]!);
}

/** See the module comment of `fit.ts`. */
export function fitDecay(trials: readonly number[], successes: readonly number[], phi: number): DecayFit {
	const used = trials.map((_, i) => i).filter(i => trials[i]! > 0);
	if (used.length === 0) return {first: 0, decay: 1, deviance: 0, dof: 0, pValue: Number.NaN};
	if (used.length === 1) {
		const i = used[0]!;
		return {first: successes[i]! / trials[i]!, decay: 1, deviance: 0, dof: 0, pValue: Number.NaN};
	}
	// Weighted least squares of ln ĉ (smoothed away from 0 and 1) on position: the starting point.
	let sw = 0;
	let sx = 0;
	let sy = 0;
	let sxx = 0;
	let sxy = 0;
	for (const i of used) {
		const c = (successes[i]! + 0.5) / (trials[i]! + 1);
		const w = (trials[i]! * c) / (1 - c);
		const y = Math.log(c);
		sw += w;
		sx += w * i;
		sy += w * y;
		sxx += w * i * i;
		sxy += w * i * y;
	}
	const slope = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
	const intercept = (sy - slope * sx) / sw;
	const start = [logit(Math.min(0.999, Math.max(0.001, Math.exp(intercept)))), Number.isFinite(slope) ? slope : 0];
	const negLl = (x: readonly number[]): number => {
		const first = sigmoid(x[0]!);
		const decay = Math.exp(x[1]!);
		return -logLikelihood(trials, successes, i => Math.min(1, first * decay ** i));
	};
	const best = nelderMead(negLl, start, {step: 0.3, iterations: 4000, tolerance: 1e-14});
	const first = sigmoid(best.x[0]!);
	const decay = Math.exp(best.x[1]!);
	const deviance = Math.max(0, 2 * (saturatedLogLikelihood(trials, successes) + best.value));
	const dof = used.length - 2;
	return {first, decay, deviance, dof, pValue: chiSquareSurvival(deviance / phi, dof)};
}

/** See the module comment of `fit.ts`. */
export function fitIid(trials: readonly number[], successes: readonly number[], phi: number): IidFit {
	let s = 0;
	let t = 0;
	let positions = 0;
	for (let i = 0; i < trials.length; i++) {
		if (!(trials[i]! > 0)) continue;
		s += successes[i]!;
		t += trials[i]!;
		positions += 1;
	}
	const alpha = t > 0 ? s / t : 0;
	const deviance = Math.max(0, 2 * (saturatedLogLikelihood(trials, successes) - logLikelihood(trials, successes, () => alpha)));
	const dof = positions - 1;
	return {alpha, deviance, dof, pValue: chiSquareSurvival(deviance / phi, dof)};
}

function sigmoid(x: number): number {
	return 1 / (1 + Math.exp(-x));
}

function logit(p: number): number {
	return Math.log(p / (1 - p));
}
