/**
 * Characters a terminal may act on instead of printing: C0 controls (ESC starts colour and
 * cursor sequences, BEL rings), DEL, C1 controls (0x9b is a one-byte CSI on some terminals),
 * the Unicode line separators and the bidirectional overrides that reorder what follows.
 * Tab and newline are kept only where {@link escapeControl} is told to keep newlines.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Text from the user's input made safe to print on a terminal: every control character becomes
 * a visible `\uXXXX` escape, so a crafted file cannot colour, move the cursor of or retitle the
 * terminal an error message is printed on. `keepNewlines` keeps `\n` (for messages of several lines).
 */
export function escapeControl(text: string, keepNewlines = false): string {
	return text.replace(keepNewlines ? UNSAFE_BUT_NEWLINE : UNSAFE, hex);
}

/** At most this many characters of an input value are quoted in a message. */
const MAX_QUOTED = 60;

/**
 * A short, printable rendering of a value read from the user's input, for "got ..." in an
 * error message: strings quoted and escaped, numbers as written, arrays and objects shown two
 * levels deep at most and cut at {@link MAX_QUOTED} characters. Unlike `JSON.stringify` it
 * never recurses into a deeply nested value (which would overflow the stack) nor copies a huge
 * one, and a missing value reads "nothing".
 */
export function describeValue(value: unknown): string {
	if (value === undefined) return 'nothing';
	const text = render(value, 2);
	return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
}

function render(value: unknown, depth: number): string {
	if (typeof value === 'string') return quote(value);
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'a non-finite number';
	if (value === null || typeof value === 'boolean') return String(value);
	if (Array.isArray(value)) {
		if (depth === 0) return value.length === 0 ? '[]' : '[…]';
		const items: string[] = [];
		let length = 0;
		for (const item of value) {
			if (length > MAX_QUOTED) {
				items.push('…');
				break;
			}
			const text = render(item, depth - 1);
			items.push(text);
			length += text.length + 1;
		}
		return `[${items.join(',')}]`;
	}
	if (typeof value === 'object') {
		if (depth === 0) return '{…}';
		const items: string[] = [];
		let length = 0;
		for (const [key, item] of Object.entries(value)) {
			if (length > MAX_QUOTED) {
				items.push('…');
				break;
			}
			const text = `${quote(key)}:${render(item, depth - 1)}`;
			items.push(text);
			length += text.length + 1;
		}
		return `{${items.join(',')}}`;
	}
	return typeof value;
}

function quote(text: string): string {
	const cut = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
	return `"${escapeControl(cut.replace(/[\\"]/g, c => `\\${c}`))}"`;
}
