/**
 * Python `%`-formatting for the conversions vLLM's log lines use (`%.Nf`, `{x:.Nf}`, `%d`).
 *
 * JavaScript's `toFixed` rounds an exact binary tie away from zero (`(1.125).toFixed(2)` is
 * `"1.13"`); Python rounds the exact binary value half to even (`'%.2f' % 1.125` is `'1.12'`),
 * and prints `nan`, `inf` and `-0.00` where JavaScript prints `NaN`, `Infinity` and `0.00`.
 * We format from the exact binary value of the double with BigInt arithmetic, so every digit
 * matches CPython.
 */

const view = new DataView(new ArrayBuffer(8));

/** `'%.{digits}f' % x` exactly as CPython prints it. */
export function formatFixed(x: number, digits: number): string {
	if (!Number.isInteger(digits) || digits < 0 || digits > 100) {
		throw new RangeError(`digits must be an integer in [0, 100], got ${digits}`);
	}
	if (Number.isNaN(x)) return 'nan';
	if (x === Number.POSITIVE_INFINITY) return 'inf';
	if (x === Number.NEGATIVE_INFINITY) return '-inf';
	const negative = x < 0 || Object.is(x, -0);
	const [mantissa, exponent] = decompose(Math.abs(x));
	// |x| * 10^digits = mantissa * 10^digits * 2^exponent; round that to an integer, half to even.
	let scaled = mantissa * 10n ** BigInt(digits);
	let n: bigint;
	if (exponent >= 0) {
		n = scaled << BigInt(exponent);
	} else {
		const shift = BigInt(-exponent);
		n = scaled >> shift;
		const remainder = scaled - (n << shift);
		const half = 1n << (shift - 1n);
		if (remainder > half || (remainder === half && (n & 1n) === 1n)) n += 1n;
	}
	scaled = n;
	let text = scaled.toString();
	if (digits > 0) {
		text = text.padStart(digits + 1, '0');
		text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
	}
	return negative ? `-${text}` : text;
}

/** `'%d' % x` for the integer counts vLLM prints (numpy int64 sums). */
export function formatInt(x: number): string {
	if (!Number.isFinite(x)) throw new RangeError(`cannot format ${x} with %d`);
	return BigInt(Math.trunc(x)).toString();
}

/** Split a finite non-negative double into an integer mantissa and a power-of-two exponent. */
function decompose(x: number): [bigint, number] {
	view.setFloat64(0, x);
	const hi = view.getUint32(0);
	const lo = view.getUint32(4);
	const biasedExponent = (hi >>> 20) & 0x7ff;
	const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
	if (biasedExponent === 0) return [fraction, -1074]; // zero and subnormals
	return [fraction | (1n << 52n), biasedExponent - 1075];
}
