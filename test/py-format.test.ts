import {describe, expect, it} from 'vitest';
import {fc, test as fcTest} from '@fast-check/vitest';
import {formatFixed, formatInt} from '../src/util/py-format.js';

describe('formatFixed (CPython %-formatting)', () => {
	// Expected strings are what CPython 3 prints for `'%.Nf' % x`.
	it.each([
		[1.125, 2, '1.12'], // exact binary tie: half to even (JavaScript toFixed gives 1.13)
		[1.375, 2, '1.38'],
		[0.125, 2, '0.12'],
		[0.375, 2, '0.38'],
		[2.5, 0, '2'],
		[3.5, 0, '4'],
		[0.5, 0, '0'],
		[1.5, 0, '2'],
		[0.0625, 3, '0.062'],
		[0.1875, 3, '0.188'],
		[12.25, 1, '12.2'],
		[12.75, 1, '12.8'],
		[1.005, 2, '1.00'], // not a tie: 1.005 is stored as 1.00499999999999989...
		[2.675, 2, '2.67'],
		[0.3125, 3, '0.312'],
		[66.66666666666667, 1, '66.7'],
		[50, 1, '50.0'],
		[0, 2, '0.00'],
		[-0, 1, '-0.0'],
		[-0.04, 1, '-0.0'],
		[-1.125, 2, '-1.12'],
		[1e21, 1, '1000000000000000000000.0'],
		[123456789.98765433, 3, '123456789.988'],
		[5e-324, 2, '0.00'],
	])('%.{digits}f of %d', (x, digits, expected) => {
		expect(formatFixed(x, digits)).toBe(expected);
	});

	it('prints nan and inf like Python', () => {
		expect(formatFixed(Number.NaN, 1)).toBe('nan');
		expect(formatFixed(Number.POSITIVE_INFINITY, 2)).toBe('inf');
		expect(formatFixed(Number.NEGATIVE_INFINITY, 2)).toBe('-inf');
	});

	it('rejects a bad digit count', () => {
		expect(() => formatFixed(1, -1)).toThrow(RangeError);
	});

	fcTest.prop([fc.double({min: -1e9, max: 1e9, noNaN: true}), fc.integer({min: 0, max: 6})])(
		'agrees with toFixed everywhere except exact ties',
		(x, digits) => {
			const ours = formatFixed(x, digits);
			const js = x.toFixed(digits);
			const scaled = Math.abs(x) * 10 ** digits;
			const maybeTie = Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-6;
			if (!maybeTie && !(Object.is(x, -0) || (x < 0 && Number(js) === 0))) expect(ours).toBe(js);
			expect(Math.abs(Number(ours) - x)).toBeLessThanOrEqual(0.5 * 10 ** -digits * (1 + 1e-9) + Math.abs(x) * 1e-15);
		},
	);
});

describe('formatInt', () => {
	it('prints integers without exponent', () => {
		expect(formatInt(0)).toBe('0');
		expect(formatInt(1_000_000_000_000_000_000_000)).toBe('1000000000000000000000');
		expect(formatInt(42)).toBe('42');
	});
});
