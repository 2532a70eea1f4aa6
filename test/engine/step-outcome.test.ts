import {describe, expect, it} from 'vitest';
import {RunBuffer} from '../../src/engine/step-outcome.js';

/** The runs a RunBuffer holds, as [value, count] pairs. */
function runs(buffer: RunBuffer): Array<[number, number]> {
	const out: Array<[number, number]> = [];
	for (let i = 0; i < buffer.length; i++) out.push([buffer.values[i]!, buffer.counts[i]!]);
	return out;
}

describe('RunBuffer', () => {
	it('keeps runs of equal consecutive values, splitting where === differs (NaN never merges)', () => {
		const buffer = new RunBuffer(1);
		for (const value of [0.5, 0.5, 0.25, 0.5, Number.NaN, Number.NaN, 0.5]) buffer.push(value);
		expect(runs(buffer)).toEqual([
			[0.5, 2],
			[0.25, 1],
			[0.5, 1],
			[Number.NaN, 1],
			[Number.NaN, 1],
			[0.5, 1],
		]);
	});

	it('pushRun(value, n) holds what n pushes of value hold, merging with the last run and growing the buffer', () => {
		const sequence: Array<[number, number]> = [
			[0.5, 3],
			[0.5, 2],
			[0.25, 1],
			[Number.NaN, 2],
			[0.75, 4],
			[0.75, 1],
			[0.1, 5],
			[0.2, 1],
		];
		const pushed = new RunBuffer(1);
		const byRun = new RunBuffer(1);
		for (const [value, n] of sequence) {
			for (let i = 0; i < n; i++) pushed.push(value);
			byRun.pushRun(value, n);
		}
		expect(runs(byRun)).toEqual(runs(pushed));
		expect(runs(byRun)).toEqual([
			[0.5, 5],
			[0.25, 1],
			[Number.NaN, 1],
			[Number.NaN, 1],
			[0.75, 5],
			[0.1, 5],
			[0.2, 1],
		]);
	});
});
