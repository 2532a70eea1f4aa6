/** Sample mean and (unbiased) variance. */
export function meanVar(xs: ArrayLike<number>): {mean: number; variance: number} {
	let sum = 0;
	for (let i = 0; i < xs.length; i++) sum += xs[i] ?? 0;
	const mean = sum / xs.length;
	let ss = 0;
	for (let i = 0; i < xs.length; i++) ss += ((xs[i] ?? 0) - mean) ** 2;
	return {mean, variance: ss / (xs.length - 1)};
}

/** Four standard errors of a proportion p estimated from n draws. */
export const fourSeProportion = (p: number, n: number): number => 4 * Math.sqrt((p * (1 - p)) / n);

/** Draw n values into a Float64Array. */
export function draw(n: number, next: () => number): Float64Array {
	const out = new Float64Array(n);
	for (let i = 0; i < n; i++) out[i] = next();
	return out;
}

/** Fraction of values satisfying pred. */
export function fraction(xs: ArrayLike<number>, pred: (x: number) => boolean): number {
	let count = 0;
	for (let i = 0; i < xs.length; i++) if (pred(xs[i] ?? Number.NaN)) count++;
	return count / xs.length;
}
