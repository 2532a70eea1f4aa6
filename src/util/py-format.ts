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

/**
 * CPython's `repr(x)` for a float (`float_repr_style == 'short'`): the shortest digits that
 * round-trip, in scientific form when the decimal exponent is below -4 or at least 16
 * (`1e+16`, `1e-05`, `1.5e-07`), otherwise positional with at least one fractional digit
 * (`10.0`, `0.1`, `0.0001`); `inf`, `-inf`, `nan`, `-0.0`. `json.dumps` writes floats this way.
 *
 * JavaScript's `toExponential()` without an argument yields the same shortest round-trip digits.
 */
export function formatPythonRepr(x: number): string {
	if (Number.isNaN(x)) return 'nan';
	if (x === Number.POSITIVE_INFINITY) return 'inf';
	if (x === Number.NEGATIVE_INFINITY) return '-inf';
	return formatShortest(x, -4, 2);
}

/**
 * A finite float as pydantic-core writes it in `model_dump_json` (vLLM's streamed chunks): the
 * same shortest round-trip digits as `repr`, positional from 1e-5 (one decade further than
 * `repr`) up to 1e16, otherwise scientific with an unpadded exponent (`1e-7`, `1.5e+16`), so
 * `0.00001` and `1e-7` where `repr` writes `1e-05` and `1e-07`. Infinite and NaN values are
 * written `null` (pydantic's default `ser_json_inf_nan`).
 */
export function formatPydanticFloat(x: number): string {
	if (!Number.isFinite(x)) return 'null';
	return formatShortest(x, -5, 1);
}

/** Shortest round-trip digits, positional for decimal exponents in [minFixed, 16), else `d.ddde±XX` padded to `expPad` digits. */
function formatShortest(x: number, minFixed: number, expPad: number): string {
	if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
	const sign = x < 0 ? '-' : '';
	const exponential = Math.abs(x).toExponential(); // "d.ddde+N" / "de-N"
	const ePos = exponential.indexOf('e');
	const digits = exponential.slice(0, ePos).replace('.', '');
	const exponent = Number(exponential.slice(ePos + 1));
	if (exponent < minFixed || exponent >= 16) {
		const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
		const expSign = exponent < 0 ? '-' : '+';
		const expDigits = String(Math.abs(exponent)).padStart(expPad, '0');
		return `${sign}${mantissa}e${expSign}${expDigits}`;
	}
	if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
	const intLength = exponent + 1;
	if (digits.length <= intLength) return `${sign}${digits.padEnd(intLength, '0')}.0`;
	return `${sign}${digits.slice(0, intLength)}.${digits.slice(intLength)}`;
}

/**
 * prometheus_client's `floatToGoString(d)` (`prometheus_client/utils.py`), which formats every
 * sample value and `le` label: `+Inf`, `-Inf`, `NaN`; otherwise `repr(d)`, except that a positive
 * value whose repr has its dot at index > 6 is rewritten Go-style as `<d>.<rest>e+0<dot-1>` with
 * trailing zeros and dots stripped from the mantissa: `1700000000.0` -> `1.7e+09`,
 * `1000000.0` -> `1e+06`, `25.0` -> `25.0`. Like Python, `1e10` gives `1e+010`.
 */
export function floatToGoString(d: number): string {
	if (d === Number.POSITIVE_INFINITY) return '+Inf';
	if (d === Number.NEGATIVE_INFINITY) return '-Inf';
	if (Number.isNaN(d)) return 'NaN';
	const s = formatPythonRepr(d);
	const dot = s.indexOf('.');
	if (d > 0 && dot > 6) {
		const mantissa = `${s[0]}.${s.slice(1, dot)}${s.slice(dot + 1)}`.replace(/[0.]+$/, '');
		return `${mantissa}e+0${dot - 1}`;
	}
	return s;
}
