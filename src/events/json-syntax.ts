/** Where a line stops being JSON, and why, in the user's terms. */
export type JsonSyntaxError = {readonly column: number; readonly problem: string};

type State = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'commaOrClose' | 'end';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/**
 * The first syntax error of a line that `JSON.parse` refused: its 1-based column and what was
 * expected there. `JSON.parse`'s own message depends on the V8 version and quotes the raw input
 * (control characters included); this scanner is iterative (an explicit stack), so a line nested a
 * million levels deep cannot overflow the call stack either. Returns `undefined` for valid JSON.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
	const stack: Array<'object' | 'array'> = [];
	let state: State = 'value';
	let i = 0;
	const fail = (at: number, problem: string): JsonSyntaxError => ({column: at + 1, problem});
	const afterValue = (): State => (stack.length === 0 ? 'end' : 'commaOrClose');
	/** Skip a string starting at `i` (a `"`); returns an error or undefined with `i` past it. */
	const string = (): JsonSyntaxError | undefined => {
		const start = i;
		i++;
		for (;;) {
			if (i >= text.length) return fail(start, 'unterminated string');
			const c = text.charCodeAt(i);
			if (c === 0x22) {
				i++;
				return undefined;
			}
			if (c === 0x5c) {
				ESCAPE.lastIndex = i;
				if (!ESCAPE.test(text)) return fail(i, 'invalid escape in a string');
				i = ESCAPE.lastIndex;
			} else if (c < 0x20) {
				return fail(i, 'control character in a string (write it as \\u00XX)');
			} else i++;
		}
	};
	for (;;) {
		while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
		if (i >= text.length) return state === 'end' ? undefined : fail(i, 'unexpected end of the line');
		const c = text[i]!;
		switch (state) {
			case 'valueOrClose':
			case 'value':
				if (state === 'valueOrClose' && c === ']') {
					stack.pop();
					i++;
					state = afterValue();
				} else if (c === '{') {
					stack.push('object');
					i++;
					state = 'keyOrClose';
				} else if (c === '[') {
					stack.push('array');
					i++;
					state = 'valueOrClose';
				} else if (c === '"') {
					const error = string();
					if (error !== undefined) return error;
					state = afterValue();
				} else if (c === '-' || (c >= '0' && c <= '9')) {
					NUMBER.lastIndex = i;
					if (!NUMBER.test(text)) return fail(i, 'invalid number');
					i = NUMBER.lastIndex;
					state = afterValue();
				} else {
					const literal = ['true', 'false', 'null'].find(word => text.startsWith(word, i));
					if (literal === undefined) return fail(i, 'expected a value');
					i += literal.length;
					state = afterValue();
				}
				break;
			case 'keyOrClose':
			case 'key': {
				if (state === 'keyOrClose' && c === '}') {
					stack.pop();
					i++;
					state = afterValue();
					break;
				}
				if (c !== '"') return fail(i, 'expected a property name in double quotes');
				const error = string();
				if (error !== undefined) return error;
				state = 'colon';
				break;
			}
			case 'colon':
				if (c !== ':') return fail(i, "expected ':' after a property name");
				i++;
				state = 'value';
				break;
			case 'commaOrClose': {
				const top = stack.at(-1)!;
				const close = top === 'object' ? '}' : ']';
				if (c === ',') {
					i++;
					state = top === 'object' ? 'key' : 'value';
				} else if (c === close) {
					stack.pop();
					i++;
					state = afterValue();
				} else return fail(i, `expected ',' or '${close}'`);
				break;
			}
			case 'end':
				return fail(i, 'unexpected text after the JSON value');
		}
	}
}
