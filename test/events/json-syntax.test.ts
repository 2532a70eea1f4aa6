import {describe, expect, it} from 'vitest';
import {findJsonSyntaxError} from '../../src/events/json-syntax.js';
import {createRng} from '../../src/rng/rng.js';

const valid = [
	'{"type":"step","t":0.019883700947497803,"engine":0,"num_spec_tokens":3,"drafts":[[3,0],[3,3]]}',
	'{"type":"log","t":10,"engine":0,"line":"SpecDecoding metrics: \\u001b \\" \\\\ é"}',
	' [ -1.5e+3 , true , false , null , {} , [] , "" ] ',
	'{"meta":{"a":[{"b":[1,2,{"c":null}]}]},"x":-0}',
];

describe('findJsonSyntaxError', () => {
	it('agrees with JSON.parse on valid lines and on every one-character mutation of them (pinned seed)', () => {
		const rng = createRng(7).fork('json-mutations');
		const alphabet = '{}[]:,"\\-+.0123456789eEtrufalsn \u0001\u001bx';
		let refused = 0;
		for (const line of valid) {
			expect(findJsonSyntaxError(line)).toBeUndefined();
			for (let n = 0; n < 500; n++) {
				const at = Math.floor(rng.next() * line.length);
				const kind = rng.next();
				const c = alphabet[Math.floor(rng.next() * alphabet.length)]!;
				const mutated =
					kind < 0.33 ? line.slice(0, at) : kind < 0.66 ? line.slice(0, at) + c + line.slice(at + 1) : line.slice(0, at) + c + line.slice(at);
				let parses = true;
				try {
					JSON.parse(mutated);
				} catch {
					parses = false;
				}
				const error = findJsonSyntaxError(mutated);
				expect(error === undefined, JSON.stringify(mutated)).toBe(parses);
				if (error !== undefined) {
					refused++;
					expect(error.column).toBeGreaterThanOrEqual(1);
					expect(error.column).toBeLessThanOrEqual(mutated.length + 1);
				}
			}
		}
		expect(refused).toBeGreaterThan(500); // the mutations do break lines
	});

	it.each([
		['{"type":"step" \u001b[31m}', 16, "expected ',' or '}'"],
		['{"t":1,"engine":0,"num_spec_tok', 19, 'unterminated string'],
		['{"t":1,', 8, 'unexpected end of the line'],
		['{"t":NaN}', 6, 'expected a value'],
		['{"t":01}', 7, "expected ',' or '}'"],
		['{t:1}', 2, 'expected a property name in double quotes'],
		['{"t" 1}', 6, "expected ':' after a property name"],
		['[1,2}', 5, "expected ',' or ']'"],
		['{} {}', 4, 'unexpected text after the JSON value'],
		['"a\u0007b"', 3, 'control character in a string (write it as \\u00XX)'],
		['"a\\xb"', 3, 'invalid escape in a string'],
	])('%j: column %i, %s', (text, column, problem) => {
		expect(() => JSON.parse(text)).toThrow();
		expect(findJsonSyntaxError(text)).toEqual({column, problem});
	});

	it('locates an error under a million open brackets without overflowing the stack', () => {
		expect(findJsonSyntaxError(`${'['.repeat(1_000_000)}x`)).toEqual({column: 1_000_001, problem: 'expected a value'});
	});
});
