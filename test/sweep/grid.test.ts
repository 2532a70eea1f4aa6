import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {expandGrid, MAX_SWEEP_K, parseConcurrencyList, parseKList, parseMethodList, parseQpsList} from '../../src/sweep/grid.js';
import {UserError} from '../../src/util/user-error.js';

/** The UserError a call throws (fails the test when it throws nothing or something else). */
function userError(run: () => unknown): UserError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		return error as UserError;
	}
	throw new Error('expected a UserError');
}

describe('parseKList', () => {
	it('reads ranges, lists and both', () => {
		expect(parseKList('1..8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
		expect(parseKList('2,4,6')).toEqual([2, 4, 6]);
		expect(parseKList('1..3,6')).toEqual([1, 2, 3, 6]);
		expect(parseKList('5')).toEqual([5]);
		expect(parseKList('4..4')).toEqual([4]);
		expect(parseKList(' 6 , 2 ,2, 1 .. 2 ')).toEqual([1, 2, 6]);
		expect(parseKList(`1..${MAX_SWEEP_K}`)).toHaveLength(MAX_SWEEP_K);
	});

	it.each(['0', '3..1', 'a', '', '1,,2', '1..', '..3', '1.5', '-1', `1..${MAX_SWEEP_K + 1}`, '1...3', '2-4'])(
		'rejects "%s" with a one-line error naming --k',
		text => {
			const error = userError(() => parseKList(text));
			expect(error.message).toMatch(/^--k/);
			expect(error.message).not.toContain('\n');
			expect(error.exitCode).toBe(2);
		},
	);

	test.prop([fc.array(fc.integer({min: 1, max: MAX_SWEEP_K}), {minLength: 1, maxLength: 20})])(
		'a list gives its distinct values in ascending order',
		ks => {
			expect(parseKList(ks.join(','))).toEqual([...new Set(ks)].sort((a, b) => a - b));
		},
	);

	test.prop([fc.integer({min: 1, max: MAX_SWEEP_K}), fc.integer({min: 0, max: 20})])('a range a..b gives a, a+1, ..., b', (from, span) => {
		const to = Math.min(MAX_SWEEP_K, from + span);
		expect(parseKList(`${from}..${to}`)).toEqual(Array.from({length: to - from + 1}, (_, i) => from + i));
	});
});

describe('parseQpsList', () => {
	it('reads a list of positive rates, sorted and distinct', () => {
		expect(parseQpsList('1,4,16,64')).toEqual([1, 4, 16, 64]);
		expect(parseQpsList('16, 0.5,1e1,16')).toEqual([0.5, 10, 16]);
	});

	it.each(['0', '-1', 'abc', '', '1,,2', 'Infinity', '1,x', 'NaN', '0x10'])('rejects "%s" with an error naming --qps', text => {
		const error = userError(() => parseQpsList(text));
		expect(error.message).toMatch(/^--qps/);
		expect(error.message).not.toContain('\n');
	});
});

describe('the entry a load list refuses', () => {
	it.each([
		[() => parseConcurrencyList('1e308'), '--concurrency must be a list of integers from 1 to 100000 such as 1,16,64,128, got "1e308"'],
		[() => parseConcurrencyList('1,16,x'), '--concurrency must be a list of integers from 1 to 100000 such as 1,16,64,128, got "x" in "1,16,x"'],
		[() => parseQpsList('0'), '--qps must be a list of positive numbers such as 1,4,16,64, got "0"'],
		[() => parseQpsList('1,-4'), '--qps must be a list of positive numbers such as 1,4,16,64, got "-4" in "1,-4"'],
	])('is named once, and in its list when there are others (%#)', (parse, message) => {
		expect(userError(parse).message).toBe(message);
	});
});

describe('parseMethodList', () => {
	it('keeps vLLM method names in order, without repeats', () => {
		expect(parseMethodList('eagle3,ngram,eagle3,deepseek_mtp')).toEqual(['eagle3', 'ngram', 'deepseek_mtp']);
	});

	it('rejects an unknown method naming --method and the known ones', () => {
		const error = userError(() => parseMethodList('eagle3,eagle4'));
		expect(error.message).toMatch(/^--method: .*"eagle4".*eagle3/);
		expect(userError(() => parseMethodList('eagle3,')).message).toMatch(/^--method/);
	});

	it('refuses none, saying that every row is already compared with no speculation', () => {
		expect(userError(() => parseMethodList('eagle3,none')).message).toBe(
			'--method: none is not swept: every row is compared with a run without speculation (the baseline line)',
		);
	});
});

describe('expandGrid', () => {
	it('lists qps, then method, then k, indexed in order', () => {
		const points = expandGrid({ks: [1, 2], qps: [4, 16], methods: ['eagle3', 'ngram']});
		expect(points.map(p => [p.index, p.qps, p.method, p.k])).toEqual([
			[0, 4, 'eagle3', 1],
			[1, 4, 'eagle3', 2],
			[2, 4, 'ngram', 1],
			[3, 4, 'ngram', 2],
			[4, 16, 'eagle3', 1],
			[5, 16, 'eagle3', 2],
			[6, 16, 'ngram', 1],
			[7, 16, 'ngram', 2],
		]);
	});

	it('leaves unswept axes to the preset', () => {
		expect(expandGrid({ks: [3, 5], qps: [], methods: []})).toEqual([
			{index: 0, k: 3, qps: undefined, method: undefined},
			{index: 1, k: 5, qps: undefined, method: undefined},
		]);
		expect(() => expandGrid({ks: [], qps: [], methods: []})).toThrow(RangeError);
	});
});
