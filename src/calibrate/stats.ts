/**
 * Small statistics the fit needs: binomial intervals, the chi-square tail, and a Nelder–Mead
 * minimiser (two parameters, so a simplex is plenty).
 */
import {lnGamma} from '../speculative/acceptance/beta.js';

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * Wilson score interval for a binomial proportion s / t at 95% (good near 0 and 1, unlike the
 * Wald interval). `t` may be fractional (effective trials). [0, 1] when t = 0.
 */
export function wilsonInterval(successes: number, trials: number, z = Z95): [number, number] {
	if (!(trials > 0)) return [0, 1];
	const p = successes / trials;
	const z2 = z * z;
	const denominator = 1 + z2 / trials;
	const center = (p + z2 / (2 * trials)) / denominator;
	const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
	return [Math.max(0, center - half), Math.min(1, center + half)];
}

/**
 * `Q(a, x) = Γ(a, x) / Γ(a)`, the regularized upper incomplete gamma function: the series for
 * x < a + 1, the continued fraction (modified Lentz) otherwise (Numerical Recipes §6.2).
 */
export function regularizedUpperGamma(a: number, x: number): number {
	if (!(a > 0)) throw new RangeError(`a must be > 0, got ${a}`);
	if (!(x >= 0)) throw new RangeError(`x must be >= 0, got ${x}`);
	if (x === 0) return 1;
	if (x === Number.POSITIVE_INFINITY) return 0;
	const lnPrefix = a * Math.log(x) - x - lnGamma(a);
	if (x < a + 1) {
		let term = 1 / a;
		let sum = term;
		for (let n = 1; n < 10_000; n++) {
			term *= x / (a + n);
			sum += term;
			if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
		}
		return Math.max(0, 1 - sum * Math.exp(lnPrefix));
	}
	const tiny = 1e-300;
	let b = x + 1 - a;
	let c = 1 / tiny;
	let d = 1 / b;
	let h = d;
	for (let i = 1; i < 10_000; i++) {
		const an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (Math.abs(d) < tiny) d = tiny;
		c = b + an / c;
		if (Math.abs(c) < tiny) c = tiny;
		d = 1 / d;
		const delta = d * c;
		h *= delta;
		if (Math.abs(delta - 1) < 1e-16) break;
	}
	return Math.min(1, Math.exp(lnPrefix) * h);
}

/** P(X ≥ x) for X ~ χ²(dof): the p-value of a goodness-of-fit statistic. NaN for dof <= 0. */
export function chiSquareSurvival(x: number, dof: number): number {
	if (!(dof > 0)) return Number.NaN;
	return regularizedUpperGamma(dof / 2, Math.max(0, x) / 2);
}

/** Minimise f over R^n from `start` with the Nelder–Mead simplex method. */
export function nelderMead(
	f: (x: readonly number[]) => number,
	start: readonly number[],
	options: {step?: number; iterations?: number; tolerance?: number} = {},
): {x: number[]; value: number} {
	const n = start.length;
	const step = options.step ?? 0.5;
	const iterations = options.iterations ?? 2000;
	const tolerance = options.tolerance ?? 1e-12;
	let simplex: Array<{x: number[]; value: number}> = [{x: [...start], value: f(start)}];
	for (let i = 0; i < n; i++) {
		const x = [...start];
		x[i]! += step;
		simplex.push({x, value: f(x)});
	}
	const combine = (a: readonly number[], b: readonly number[], t: number): number[] => a.map((ai, i) => ai + t * (b[i]! - ai));
	for (let iteration = 0; iteration < iterations; iteration++) {
		simplex.sort((p, q) => p.value - q.value);
		const best = simplex[0]!;
		const worst = simplex[n]!;
		if (Math.abs(worst.value - best.value) <= tolerance * (Math.abs(best.value) + tolerance)) break;
		const centroid = new Array<number>(n).fill(0);
		for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n;
		const reflected = combine(centroid, worst.x, -1);
		const fr = f(reflected);
		if (fr < best.value) {
			const expanded = combine(centroid, worst.x, -2);
			const fe = f(expanded);
			simplex[n] = fe < fr ? {x: expanded, value: fe} : {x: reflected, value: fr};
		} else if (fr < simplex[n - 1]!.value) {
			simplex[n] = {x: reflected, value: fr};
		} else {
			const contracted = fr < worst.value ? combine(centroid, reflected, 0.5) : combine(centroid, worst.x, 0.5);
			const fc = f(contracted);
			if (fc < Math.min(fr, worst.value)) {
				simplex[n] = {x: contracted, value: fc};
			} else {
				simplex = simplex.map((p, i) => (i === 0 ? p : {x: combine(best.x, p.x, 0.5), value: f(combine(best.x, p.x, 0.5))}));
			}
		}
	}
	simplex.sort((p, q) => p.value - q.value);
	return simplex[0]!;
}
