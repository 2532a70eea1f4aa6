import {describe, expect, it} from 'vitest';
import {fc, test as fcTest} from '@fast-check/vitest';
import {floatToGoString, formatPythonRepr} from '../src/util/py-format.js';

describe('formatPythonRepr (CPython repr(float))', () => {
	// Expected strings are what CPython 3 prints for repr(x).
	it.each([
		[0.1, '0.1'],
		[10, '10.0'],
		[100, '100.0'],
		[2.5, '2.5'],
		[123.456, '123.456'],
		[0.1 + 0.2, '0.30000000000000004'],
		[1 / 3, '0.3333333333333333'],
		[0.0001, '0.0001'],
		[0.00012, '0.00012'],
		[1e-5, '1e-05'],
		[1.5e-7, '1.5e-07'],
		[-1.5e-10, '-1.5e-10'],
		[1e16, '1e+16'],
		[1e22, '1e+22'],
		[1e100, '1e+100'],
		[9007199254740992, '9007199254740992.0'],
		[123456789012345680, '1.2345678901234568e+17'],
		[1700000000, '1700000000.0'],
		[1717171717.123456, '1717171717.123456'],
		[5e-324, '5e-324'],
		[1.7976931348623157e308, '1.7976931348623157e+308'],
		[0, '0.0'],
		[-0, '-0.0'],
		[-2, '-2.0'],
	])('repr(%d) is %s', (x, expected) => {
		expect(formatPythonRepr(x)).toBe(expected);
	});

	it('prints inf and nan like Python', () => {
		expect(formatPythonRepr(Number.POSITIVE_INFINITY)).toBe('inf');
		expect(formatPythonRepr(Number.NEGATIVE_INFINITY)).toBe('-inf');
		expect(formatPythonRepr(Number.NaN)).toBe('nan');
	});

	fcTest.prop([fc.double({noNaN: true, noDefaultInfinity: true})])('round-trips through Number()', x => {
		const text = formatPythonRepr(x);
		expect(Object.is(Number(text), x)).toBe(true);
	});
});

describe('floatToGoString (prometheus_client.utils)', () => {
	it.each([
		[25, '25.0'],
		[10, '10.0'],
		[0, '0.0'],
		[0.001, '0.001'],
		[1, '1.0'],
		[2560, '2560.0'],
		[100000, '100000.0'],
		[1000000, '1e+06'],
		[1234567, '1.234567e+06'],
		[1000000.5, '1.0000005e+06'],
		[10000000, '1e+07'],
		[1700000000, '1.7e+09'],
		[1717171717.123456, '1.717171717123456e+09'],
		[1e10, '1e+010'], // Python's `e+0{dot - 1}` quirk
		[1e16, '1e+16'], // repr already has no dot
		[-1e10, '-10000000000.0'], // negatives keep repr
		[1.5e-7, '1.5e-07'],
	])('floatToGoString(%d) is %s', (x, expected) => {
		expect(floatToGoString(x)).toBe(expected);
	});

	it('spells the infinities and NaN the Go way', () => {
		expect(floatToGoString(Number.POSITIVE_INFINITY)).toBe('+Inf');
		expect(floatToGoString(Number.NEGATIVE_INFINITY)).toBe('-Inf');
		expect(floatToGoString(Number.NaN)).toBe('NaN');
	});
});
