/**
 * The Beta distribution's CDF (the regularized incomplete beta function `I_x(a, b)`) and its
 * inverse, used to discretise per-request acceptance levels. No installed dependency provides
 * these, so they are written here after the standard methods:
 * - `lnGamma`: Lanczos approximation (g = 7, 9 terms), reflection below 0.5; ~1e-15 relative.
 * - `regularizedIncompleteBeta`: the continued fraction for `I_x(a, b)` evaluated by the modified
 *   Lentz method, using the symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)` where it converges faster.
 * - `betaQuantile`: an asymptotic initial guess (Abramowitz and Stegun 26.5.22 for a, b >= 1,
 *   a tail power law otherwise) refined by Halley steps kept inside a bisection bracket, so it
 *   always converges even where the density is extreme.
 */

const LANCZOS_G = 7;
const LANCZOS = [
	0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
	9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const CF_MAX_ITERATIONS = 20_000;
const CF_EPSILON = 1e-16;
const CF_TINY = 1e-300;

/** `ln Γ(x)` for x > 0. */
export function lnGamma(x: number): number {
	if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`lnGamma requires a finite x > 0, got ${x}`);
	if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
	const z = x - 1;
	let series = LANCZOS[0]!;
	for (let i = 1; i < LANCZOS.length; i++) series += LANCZOS[i]! / (z + i);
	const t = z + LANCZOS_G + 0.5;
	return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/** `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)`. */
export function lnBeta(a: number, b: number): number {
	return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

function checkShape(a: number, b: number): void {
	if (!(a > 0 && Number.isFinite(a))) throw new RangeError(`Beta shape a must be a finite number > 0, got ${a}`);
	if (!(b > 0 && Number.isFinite(b))) throw new RangeError(`Beta shape b must be a finite number > 0, got ${b}`);
}

/** Continued fraction for `I_x(a, b)` (converges quickly for x < (a+1)/(a+b+2)). */
function betaContinuedFraction(a: number, b: number, x: number): number {
	const qab = a + b;
	const qap = a + 1;
	const qam = a - 1;
	let c = 1;
	let d = 1 - (qab * x) / qap;
	if (Math.abs(d) < CF_TINY) d = CF_TINY;
	d = 1 / d;
	let h = d;
	for (let m = 1; m <= CF_MAX_ITERATIONS; m++) {
		const m2 = 2 * m;
		let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (Math.abs(d) < CF_TINY) d = CF_TINY;
		c = 1 + aa / c;
		if (Math.abs(c) < CF_TINY) c = CF_TINY;
		d = 1 / d;
		h *= d * c;
		aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (Math.abs(d) < CF_TINY) d = CF_TINY;
		c = 1 + aa / c;
		if (Math.abs(c) < CF_TINY) c = CF_TINY;
		d = 1 / d;
		const delta = d * c;
		h *= delta;
		if (Math.abs(delta - 1) < CF_EPSILON) return h;
	}
	throw new RangeError(`incomplete beta continued fraction did not converge for a=${a}, b=${b}, x=${x}`);
}

/**
 * The Beta(a, b) CDF at x: the regularized incomplete beta function `I_x(a, b)`.
 *
 * @throws RangeError unless a, b > 0 and x is in [0, 1].
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
	checkShape(a, b);
	if (!(x >= 0 && x <= 1)) throw new RangeError(`x must be in [0, 1], got ${x}`);
	if (x === 0) return 0;
	if (x === 1) return 1;
	const logFront = a * Math.log(x) + b * Math.log1p(-x) - lnBeta(a, b);
	if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
	return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Initial guess for the quantile (Numerical Recipes `invbetai`). */
function initialGuess(p: number, a: number, b: number): number {
	if (a >= 1 && b >= 1) {
		const pp = p < 0.5 ? p : 1 - p;
		const t = Math.sqrt(-2 * Math.log(pp));
		let z = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
		if (p < 0.5) z = -z;
		const al = (z * z - 3) / 6;
		const h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
		const w = (z * Math.sqrt(al + h)) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h));
		return a / (a + b * Math.exp(2 * w));
	}
	const lna = Math.log(a / (a + b));
	const lnb = Math.log(b / (a + b));
	const t = Math.exp(a * lna) / a;
	const u = Math.exp(b * lnb) / b;
	const w = t + u;
	return p < t / w ? (a * w * p) ** (1 / a) : 1 - (b * w * (1 - p)) ** (1 / b);
}

/**
 * The Beta(a, b) quantile: the x with `I_x(a, b) = p`.
 *
 * @example betaQuantile(0.5, 2, 2) // 0.5
 * @throws RangeError unless a, b > 0 and p is in [0, 1].
 */
export function betaQuantile(p: number, a: number, b: number): number {
	checkShape(a, b);
	if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
	if (p === 0) return 0;
	if (p === 1) return 1;
	const logNorm = -lnBeta(a, b);
	let lo = 0;
	let hi = 1;
	let x = initialGuess(p, a, b);
	if (!(x > 0 && x < 1)) x = 0.5;
	for (let iteration = 0; iteration < 300; iteration++) {
		const error = regularizedIncompleteBeta(x, a, b) - p;
		if (error === 0) return x;
		if (error < 0) lo = x;
		else hi = x;
		const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) + logNorm);
		let next = Number.NaN;
		if (density > 0 && Number.isFinite(density)) {
			const newton = error / density;
			// Halley's correction, damped as in Numerical Recipes so a step never more than doubles.
			const curvature = newton * ((a - 1) / x - (b - 1) / (1 - x));
			next = x - newton / (1 - 0.5 * Math.min(1, curvature));
			// Converged: the step is below double precision of x.
			if (Math.abs(next - x) <= 1e-15 * x) return Math.min(hi, Math.max(lo, next));
		}
		if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
		if (hi - lo <= Number.EPSILON * hi) return next;
		x = next;
	}
	return x;
}

/**
 * Discretise Beta(a, b) into `levels` equal-probability bins, each represented by its quantile
 * midpoint `q((j + 0.5) / levels)`, in increasing order.
 */
export function betaQuantileMidpoints(a: number, b: number, levels: number): Float64Array {
	if (!Number.isInteger(levels) || levels < 1) throw new RangeError(`levels must be a positive integer, got ${levels}`);
	const out = new Float64Array(levels);
	for (let j = 0; j < levels; j++) out[j] = betaQuantile((j + 0.5) / levels, a, b);
	return out;
}
