import {fc, test} from '@fast-check/vitest';
import {describe, expect} from 'vitest';
import {asciiBytes, LineBuffer} from '../../src/output/line-buffer.js';
import {writeRequestRecord} from '../../src/output/request-record.js';
import {writeStepRecord} from '../../src/output/step-record.js';
import {request, requestRecordByStringify} from './records.js';

/** What the writers put into a (deliberately tiny, so it must grow) line buffer, as text. */
function written(write: (out: LineBuffer) => void): string {
	const out = new LineBuffer(8);
	out.text('previous line\n');
	out.take();
	write(out);
	return out.take().toString('utf8');
}

describe('hand-built JSON lines equal JSON.stringify', () => {
	test.prop([request, fc.nat({max: 64}), fc.integer({min: 0, max: 8})], {numRuns: 2000, seed: 20261201})(
		'requests.jsonl records, on random requests',
		(r, engine, k) => {
			expect(written(out => writeRequestRecord(out, r, engine, k))).toBe(`${requestRecordByStringify(r, engine, k)}\n`);
		},
	);

	test.prop(
		[
			fc.oneof(fc.double({min: 0, max: 1e6, noNaN: true}), fc.constantFrom(0, -0, 0.1 + 0.2, 1e21, 5e-324)),
			fc.nat({max: 64}),
			fc.nat({max: 64}),
			fc.array(fc.tuple(fc.oneof(fc.nat({max: 8}), fc.nat({max: 300})), fc.oneof(fc.nat({max: 8}), fc.nat({max: 300}))), {maxLength: 300}),
		],
		{numRuns: 1000, seed: 20261201},
	)('events.jsonl step records, on random steps', (t, engine, k, pairs) => {
		const flat = new Int32Array(2 * pairs.length + 6);
		pairs.forEach(([d, a], i) => {
			flat[2 * i] = d;
			flat[2 * i + 1] = a;
		});
		// Stale pairs past numPairs in the engine's reused buffer are not part of the step.
		flat.fill(7, 2 * pairs.length);
		const expected = JSON.stringify({type: 'step', t, engine, num_spec_tokens: k, drafts: pairs});
		expect(written(out => writeStepRecord(out, t, engine, k, flat, pairs.length))).toBe(`${expected}\n`);
	});
});

describe('LineBuffer', () => {
	test.prop(
		[
			fc.array(fc.oneof(fc.string({unit: 'binary'}), fc.double(), fc.nat(), fc.constantFrom(0, 9, 10, 99, 100, 2 ** 53 - 1, -1, -0)), {
				maxLength: 50,
			}),
		],
		{
			numRuns: 500,
			seed: 20261201,
		},
	)('writes text as UTF-8 and numbers as JSON does', items => {
		const expected = items.map(item => (typeof item === 'string' ? item : JSON.stringify(item))).join('');
		const got = written(out => {
			for (const item of items) typeof item === 'string' ? out.text(item) : out.number(item);
		});
		expect(got).toBe(Buffer.from(expected, 'utf8').toString('utf8'));
	});

	const value = fc.oneof(fc.nat({max: 9}), fc.nat({max: 300}), fc.nat(), fc.double(), fc.constantFrom(-1, -0, 2 ** 53 - 1, 2 ** 53, Number.NaN));
	test.prop(
		[
			fc.array(
				fc.oneof(
					fc.record({text: fc.string({unit: 'binary'})}),
					fc.record({ascii: fc.string({unit: fc.integer({min: 0, max: 127}).map(c => String.fromCharCode(c))})}),
					fc.record({number: value}),
					fc.record({pairs: fc.array(fc.tuple(value, value), {maxLength: 40})}),
				),
				{maxLength: 40},
			),
		],
		{numRuns: 500, seed: 20261201},
	)('fixed bytes, ASCII text and pair lists as JSON writes them, across buffer growth', items => {
		let expected = '';
		const got = written(out => {
			for (const item of items) {
				if ('text' in item) {
					out.text(item.text);
					expected += item.text;
				} else if ('ascii' in item) {
					// Half through the fixed-bytes path, half as text known to be ASCII.
					if (item.ascii.length % 2) out.bytes(asciiBytes(item.ascii));
					else out.ascii(item.ascii);
					expected += item.ascii;
				} else if ('number' in item) {
					out.number(item.number);
					expected += JSON.stringify(item.number);
				} else {
					out.intPairs(item.pairs.flat(), item.pairs.length);
					expected += JSON.stringify(item.pairs).slice(1, -1);
				}
			}
		});
		expect(got).toBe(Buffer.from(expected, 'utf8').toString('utf8'));
	});

	test.prop([fc.string({unit: 'binary', minLength: 1}).filter(s => /[^\x20-\x7e\t\n]/.test(s))], {numRuns: 200, seed: 20261201})(
		'asciiBytes refuses text with a character above 127',
		text => {
			const ascii = [...text].every(c => c.charCodeAt(0) < 128);
			if (ascii) expect(asciiBytes(text)).toEqual(Uint8Array.from(text, c => c.charCodeAt(0)));
			else expect(() => asciiBytes(text)).toThrow(RangeError);
		},
	);
});
