import {fc, test} from '@fast-check/vitest';
import {describe, expect} from 'vitest';
import {seriesKey, sortedNames} from '../../src/metrics/prom/collect.js';

/** The definition: the label pairs sorted by name, as JSON. */
const byDefinition = (labels: Record<string, string>): string =>
	JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

describe('seriesKey and sortedNames', () => {
	// Names in any order, integer-like names (which objects list first), quotes, backslashes, non-ASCII.
	const name = fc.oneof(
		fc.constantFrom('engine', 'model_name', 'le', 'finished_reason', '10', '9', '0', 'a"b', 'é'),
		fc.string({unit: 'binary', maxLength: 6}),
	);
	test.prop([fc.dictionary(name, fc.string({unit: 'binary', maxLength: 8}), {maxKeys: 8})], {numRuns: 1000, seed: 20261201})(
		'equals JSON.stringify of the name-sorted [name, value] pairs',
		labels => {
			expect(seriesKey(labels)).toBe(byDefinition(labels));
		},
	);

	test.prop([fc.dictionary(name, fc.string({maxLength: 4}), {maxKeys: 6})], {numRuns: 300, seed: 20261201})(
		'the same label set in another insertion order gives the same key',
		labels => {
			const reversed = Object.fromEntries(Object.entries(labels).reverse());
			expect(seriesKey(reversed)).toBe(seriesKey(labels));
		},
	);

	test.prop([fc.dictionary(name, fc.constant('v'), {maxKeys: 10})], {numRuns: 1000, seed: 20261201})(
		'sortedNames sorts as Array.prototype.sort does',
		labels => {
			expect(sortedNames(labels)).toEqual(Object.keys(labels).sort());
		},
	);
});
