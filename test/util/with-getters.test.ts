import {describe, expect, it} from 'vitest';
import {withGetters} from '../../src/util/with-getters.js';

describe('withGetters', () => {
	it('adds read-only, enumerable properties that read the current value, after the object’s own', () => {
		let count = 0;
		const source = withGetters({next: () => ++count}, {emitted: () => count, twice: () => 2 * count});
		expect(source.emitted).toBe(0);
		source.next();
		source.next();
		expect([source.emitted, source.twice]).toEqual([2, 4]);
		expect(Object.keys(source)).toEqual(['next', 'emitted', 'twice']);
		expect(() => {
			(source as {emitted: number}).emitted = 7;
		}).toThrow(TypeError);
		expect(source.emitted).toBe(2);
	});

	it('keeps each object’s values apart when several share a property name', () => {
		let a = 1;
		let b = 10;
		const first = withGetters({}, {value: () => a});
		const second = withGetters({}, {value: () => b});
		a += 1;
		b += 1;
		expect([first.value, second.value]).toEqual([2, 11]);
	});
});
