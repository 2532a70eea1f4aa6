import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {aliasTableDistribution, buildAliasTable, createAliasScratch, sampleAlias} from '../../../src/speculative/acceptance/alias.js';
import {createRng} from '../../../src/rng/rng.js';

function build(probabilities: readonly number[], offset = 0) {
	const n = probabilities.length;
	const threshold = new Float64Array(offset + n);
	const alias = new Int32Array(offset + n);
	buildAliasTable(probabilities, n, threshold, alias, offset, createAliasScratch(n));
	return {threshold, alias};
}

describe('buildAliasTable', () => {
	it('encodes the documented example exactly', () => {
		const {threshold, alias} = build([0.5, 0.25, 0.25]);
		expect(Array.from(threshold)).toEqual([1, 0.75, 0.75]);
		expect(Array.from(alias)).toEqual([0, 0, 0]);
		expect(aliasTableDistribution(threshold, alias, 0, 3)).toEqual([0.5, 0.25, 0.25].map(p => expect.closeTo(p, 15)));
	});

	test.prop([fc.array(fc.double({min: 0, max: 10, noNaN: true}), {minLength: 1, maxLength: 30}).filter(ps => ps.some(p => p > 0)), fc.nat(5)])(
		'encodes exactly the normalised distribution at any offset',
		(weights, offset) => {
			const total = weights.reduce((s, w) => s + w, 0);
			const {threshold, alias} = build(weights, offset);
			const encoded = aliasTableDistribution(threshold, alias, offset, weights.length);
			encoded.forEach((p, i) => {
				expect(Math.abs(p - weights[i]! / total)).toBeLessThan(1e-12);
			});
		},
	);

	it('never returns an outcome of probability 0, even at the edges of [0, 1)', () => {
		const {threshold, alias} = build([0, 0.6, 0, 0.4, 0]);
		for (const u of [0, 1e-17, 0.2, 0.199999999, 0.4, 0.6, 0.8, 1 - 2 ** -53]) {
			expect([1, 3]).toContain(sampleAlias(threshold, alias, 0, 5, u));
		}
	});

	it('samples the distribution within 4 standard errors (seeded)', () => {
		const probabilities = [0.1, 0.2, 0.3, 0.15, 0.25];
		const {threshold, alias} = build(probabilities);
		const rng = createRng('alias');
		const counts = new Array<number>(5).fill(0);
		const n = 100_000;
		for (let i = 0; i < n; i++) counts[sampleAlias(threshold, alias, 0, 5, rng.next())]! += 1;
		probabilities.forEach((p, i) => {
			expect(Math.abs(counts[i]! / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
		});
	});

	it('rejects invalid weights', () => {
		expect(() => build([0.5, -0.1])).toThrow('probabilities[1] must be a finite number >= 0, got -0.1');
		expect(() => build([0, 0])).toThrow('probabilities must have a positive sum, got 0');
	});
});
