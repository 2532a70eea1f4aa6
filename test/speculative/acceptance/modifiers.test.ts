import {describe, expect, it} from 'vitest';
import {
	checkTemperature,
	TEMPERATURE_BUCKETS,
	temperatureBucket,
	temperatureFactor,
	validateClassFactors,
} from '../../../src/speculative/acceptance/modifiers.js';

describe('modifiers', () => {
	it('temperatureFactor is max(0, 1 − s·T)', () => {
		expect(temperatureFactor(0, 0.3)).toBe(1);
		expect(temperatureFactor(1, 0.15)).toBeCloseTo(0.85, 15);
		expect(temperatureFactor(2, 0.7)).toBe(0);
		expect(temperatureFactor(1.3, 0)).toBe(1);
	});

	it('buckets temperatures by 0.05 up to 2', () => {
		expect(TEMPERATURE_BUCKETS).toBe(41);
		expect(temperatureBucket(0, 41)).toBe(0);
		expect(temperatureBucket(0.7, 41)).toBe(14);
		expect(temperatureBucket(0.724, 41)).toBe(14);
		expect(temperatureBucket(0.726, 41)).toBe(15);
		expect(temperatureBucket(5, 41)).toBe(40);
		expect(temperatureBucket(0.7, 1)).toBe(0);
	});

	it('validates', () => {
		expect(() => checkTemperature(-0.5)).toThrow('temperature must be a finite number >= 0, got -0.5');
		expect(validateClassFactors([1, 0.8])).toBe(2);
		expect(() => validateClassFactors([])).toThrow('classFactors must not be empty');
		expect(() => validateClassFactors([1, -2])).toThrow('classFactors[1] must be a finite number >= 0, got -2');
	});
});
