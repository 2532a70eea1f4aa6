import {describe, expect, it} from 'vitest';
import {bestMonotoneAgreement, readPublished} from './harness.js';
import {SIGN_EXCEPTIONS} from './series.js';

describe('bestMonotoneAgreement', () => {
	it('matches every point of a series that crosses 1.0 once, either way', () => {
		expect(bestMonotoneAgreement([1.5, 1.2, 0.9, 0.7])).toBe(4);
		expect(bestMonotoneAgreement([0.7, 0.9, 1.2])).toBe(3);
		expect(bestMonotoneAgreement([])).toBe(0);
	});

	it('cannot match a series whose sign alternates twice', () => {
		expect(bestMonotoneAgreement([0.9, 1.1, 0.9])).toBe(2);
		expect(bestMonotoneAgreement([1.1, 0.9, 1.1, 0.9, 1.1])).toBe(3);
	});
});

/**
 * The GB300 DeepSeek-R1 MTP series goes below, above and below 1.0 again as concurrency grows
 * (docs/validation.md, "Sign agreement"): its README reason states how many of its points any
 * monotone curve can put on the right side, computed here from the published values.
 */
describe('GB300 DeepSeek-R1 MTP series', () => {
	const points = readPublished()
		.filter(p => p.series === 'gb300_dsr1_mtp1_isl2k_osl64' && p.speedup !== null)
		.sort((a, b) => a.load - b.load);

	it('no monotone curve puts more than 4 of its 6 points on the published side of 1.0, as its reason says', () => {
		const best = bestMonotoneAgreement(points.map(p => p.speedup ?? Number.NaN));
		expect([best, points.length]).toEqual([4, 6]);
		expect(SIGN_EXCEPTIONS['gb300_dsr1_mtp1_isl2k_osl64']?.reason).toContain(`no monotone curve can put more than ${best} of its ${points.length}`);
	});
});
