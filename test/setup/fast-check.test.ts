import fc from 'fast-check';
import {expect, it} from 'vitest';
import {PINNED_SEED} from './fast-check.js';

it('property tests draw from the pinned seed unless FC_SEED asks otherwise', () => {
	const requested = process.env['FC_SEED'];
	const expected = requested === 'random' ? undefined : requested ? Number(requested) : PINNED_SEED;
	expect(fc.readConfigureGlobal().seed).toBe(expected);
	if (requested !== 'random') expect(fc.sample(fc.integer(), 5)).toEqual(fc.sample(fc.integer(), 5));
});
