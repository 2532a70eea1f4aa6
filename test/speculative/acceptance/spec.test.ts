import {describe, expect, it} from 'vitest';
import {conditionalToUnconditional, iidRates, meanAcceptanceLength} from '../../../src/speculative/acceptance/conversions.js';
import {
	extendConditionalRates,
	fittedDecay,
	resolveConditionalRates,
	validateAcceptanceSpec,
	type AcceptanceSpec,
} from '../../../src/speculative/acceptance/spec.js';

const resolve = (spec: AcceptanceSpec, k: number) => Array.from(resolveConditionalRates(spec, k));
const close = (values: readonly number[], digits = 12) => values.map(v => expect.closeTo(v, digits));

describe('resolveConditionalRates', () => {
	it('resolves every kind at its stated length', () => {
		expect(resolve({kind: 'unconditional', rates: [0.8, 0.4, 0.2]}, 3)).toEqual(close([0.8, 0.5, 0.5]));
		expect(resolve({kind: 'conditional', rates: [0.9, 0.8]}, 2)).toEqual([0.9, 0.8]);
		expect(resolve({kind: 'constant', alpha: 0.7}, 4)).toEqual([0.7, 0.7, 0.7, 0.7]);
		expect(resolve({kind: 'geometric', first: 0.9, decay: 0.5}, 3)).toEqual(close([0.9, 0.45, 0.225]));
		expect(resolve({kind: 'synthetic', rates: [1, 0.5, 0]}, 3)).toEqual([1, 0.5, 0]);
		expect(resolve({kind: 'synthetic', length: 2.5}, 4)).toEqual(close([1, 0.5, 0, 0]));
	});

	it('mean-length solves the i.i.d. alpha at each k', () => {
		for (const k of [2, 4, 7]) {
			const rates = conditionalToUnconditional(resolve({kind: 'mean-length', length: 2.6}, k));
			expect(meanAcceptanceLength(rates)).toBeCloseTo(2.6, 12);
			expect(rates).toEqual(close(iidRates(rates[0]!, k)));
		}
		// Above k+1 the length is capped: every token accepted.
		expect(resolve({kind: 'mean-length', length: 6}, 3)).toEqual([1, 1, 1]);
		expect(resolve({kind: 'synthetic', length: 6}, 3)).toEqual([1, 1, 1]);
	});

	it('truncates stated rates below k0', () => {
		expect(resolve({kind: 'unconditional', rates: [0.8, 0.4, 0.2, 0.1]}, 2)).toEqual(close([0.8, 0.5]));
	});

	it('extends stated rates past k0 with the fitted geometric decay (documented example)', () => {
		const eagle = [0.79, 0.74, 0.72, 0.73];
		const d = Math.sqrt(0.73 / 0.74); // least-squares slope over 3 points = (y2 − y0) / 2
		expect(fittedDecay(eagle)).toBeCloseTo(d, 14);
		expect(Array.from(extendConditionalRates(eagle, 6))).toEqual(close([0.79, 0.74, 0.72, 0.73, 0.73 * d, 0.73 * d * d], 14));
		expect(Array.from(extendConditionalRates(eagle, 6)).slice(4)).toEqual(close([0.72505, 0.72014], 5));
		// Rising rates never extrapolate upwards; a single rate or a zero continues unchanged.
		expect(fittedDecay([0.5, 0.6, 0.7])).toBe(1);
		expect(Array.from(extendConditionalRates([0.6], 3))).toEqual([0.6, 0.6, 0.6]);
		expect(Array.from(extendConditionalRates([0.6, 0, 0.5], 4))).toEqual([0.6, 0, 0.5, 0.5]);
		// Unconditional specs extend through their conditional rates: [0.8, 0.4] → c = [0.8, 0.5], d = 0.625.
		expect(resolve({kind: 'unconditional', rates: [0.8, 0.4]}, 4)).toEqual(close([0.8, 0.5, 0.3125, 0.1953125]));
		// A minimum-variance tail of zeros stays zero; all-ones stays one.
		expect(resolve({kind: 'synthetic', rates: [1, 0.5, 0]}, 5)).toEqual([1, 0.5, 0, 0, 0]);
		expect(resolve({kind: 'synthetic', rates: [1, 1]}, 4)).toEqual([1, 1, 1, 1]);
	});

	it('rejects k < 1', () => {
		expect(() => resolve({kind: 'constant', alpha: 0.5}, 0)).toThrow('k (num_speculative_tokens) must be >= 1, got 0');
	});
});

describe('validateAcceptanceSpec', () => {
	it.each([
		[{kind: 'unconditional', rates: [0.5, 0.7]}, 'unconditional.rates[1]=0.7 exceeds unconditional.rates[0]=0.5'],
		[{kind: 'unconditional', rates: []}, 'unconditional.rates must be a non-empty array'],
		[{kind: 'conditional', rates: [0.5, 1.5]}, 'conditional.rates[1] must be a number in [0, 1], got 1.5'],
		[{kind: 'constant', alpha: -0.1}, 'constant.alpha must be a number in [0, 1], got -0.1'],
		[{kind: 'geometric', first: 0.8, decay: Number.POSITIVE_INFINITY}, 'geometric.decay must be a finite number >= 0, got Infinity'],
		[{kind: 'mean-length', length: 0.5}, 'mean-length.length must be a finite number >= 1, got 0.5'],
		[{kind: 'synthetic', rates: [0.2, 0.3]}, 'synthetic.rates[1]=0.3 exceeds synthetic.rates[0]=0.2'],
		[{kind: 'synthetic', length: 0}, 'synthetic.length must be a finite number >= 1, got 0'],
		[{kind: 'synthetic', rates: [0.5], length: 2}, 'exactly one of synthetic_acceptance_rates'],
	] as Array<[AcceptanceSpec, string]>)('%o -> RangeError', (spec, message) => {
		expect(() => validateAcceptanceSpec(spec)).toThrow(RangeError);
		expect(() => validateAcceptanceSpec(spec)).toThrow(message);
	});

	it('rejects an unknown kind with a TypeError listing the known ones', () => {
		expect(() => validateAcceptanceSpec({kind: 'magic'} as unknown as AcceptanceSpec)).toThrow(TypeError);
		expect(() => validateAcceptanceSpec({kind: 'magic'} as unknown as AcceptanceSpec)).toThrow(
			'known: unconditional, conditional, constant, geometric, mean-length, synthetic',
		);
	});
});
