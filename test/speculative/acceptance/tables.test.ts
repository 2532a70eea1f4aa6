import {describe, expect, it} from 'vitest';
import {aliasTableDistribution} from '../../../src/speculative/acceptance/alias.js';
import {acceptedLengthDistribution, conditionalToUnconditional} from '../../../src/speculative/acceptance/conversions.js';
import {buildProfileBlock} from '../../../src/speculative/acceptance/tables.js';

describe('buildProfileBlock', () => {
	it("encodes each level's accepted-length distribution exactly", () => {
		const block = buildProfileBlock({kind: 'levels', levelValues: Float64Array.from([0.5, 0.9])}, 3, 1);
		expect(Array.from(block.conditional)).toEqual([0.5, 0.5, 0.5, 0.9, 0.9, 0.9]);
		[0.5, 0.9].forEach((alpha, j) => {
			const encoded = aliasTableDistribution(block.threshold, block.alias, j * 4, 4);
			const expected = acceptedLengthDistribution(conditionalToUnconditional([alpha, alpha, alpha]));
			encoded.forEach((p, i) => {
				expect(p).toBeCloseTo(expected[i]!, 14);
			});
		});
	});

	it('applies the multiplier to the base rates, clamped to 1', () => {
		const block = buildProfileBlock({kind: 'offsets', base: Float64Array.from([0.9, 0.6]), offsets: Float64Array.from([0])}, 2, 1.25);
		expect(Array.from(block.conditional)).toEqual([1, 0.75]);
		const levels = buildProfileBlock({kind: 'levels', levelValues: Float64Array.from([0.9])}, 2, 1.25);
		expect(Array.from(levels.conditional)).toEqual([1, 1]);
	});
});
