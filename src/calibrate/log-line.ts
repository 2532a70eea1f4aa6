/**
 * Recognise a vLLM spec-decode log line in any layout vLLM has printed and read its printed
 * fields as text (numbers stay strings here: the reconstruction checks candidate counts against
 * the exact printed digits).
 *
 * A line may carry anything before the message: `VLLM_LOGGING_PREFIX`, the `(APIServer pid=N) `
 * decoration, `INFO`/`DEBUG` (ANSI-coloured or not), `MM-DD HH:MM:SS`, `[metrics.py:N]` or
 * `[v1/spec_decode/metrics.py:N]`, a container or journal prefix. We look for the message marker
 * (`Speculative metrics: ` or `SpecDecoding metrics: `) after removing ANSI escape sequences, and
 * match the rest of the line against the exact templates.
 */
import type {VllmLogFormat} from './types.js';

/** The printed fields of one line, as text. Lists are the `, `-joined entries. */
export type PrintedLine = {
	readonly format: VllmLogFormat;
	/** The message, from the marker to the end of the line. */
	readonly message: string;
	/** `Draft acceptance rate` (v0, V1-a: a fraction; V1-b to classic: percent) or `Avg Draft acceptance rate` (throughput/coverage, percent). */
	readonly rate?: string;
	/** `Mean acceptance length` (V1-c to coverage). */
	readonly meanLength?: string;
	readonly accepted: string;
	readonly drafted: string;
	/** Per-position acceptance rate entries (V1-c to coverage); `-----` in coverage where nothing was drafted. */
	readonly perPos?: readonly string[];
	/** coverage: `Mean verification depth: {depth}/{k}`. */
	readonly depth?: string;
	/** coverage: the `k` after the slash; v0: `Number of speculative tokens`. */
	readonly k?: string;
	/** coverage: per-position verification coverage entries. */
	readonly coverage?: readonly string[];
	/** throughput/coverage throughputs (tokens/s). */
	readonly acceptedThroughput?: string;
	readonly draftedThroughput?: string;
	/** v0. */
	readonly systemEfficiency?: string;
	readonly emitted?: string;
};

/** What {@link parseLogLine} found on a line. */
export type LogLineResult =
	| {readonly kind: 'none'}
	| {readonly kind: 'diffusion'}
	| {readonly kind: 'unparseable'; readonly reason: string}
	| {readonly kind: 'ok'; readonly printed: PrintedLine};

// CSI sequences (colours, cursor) and OSC sequences, plus a stray ESC.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC and BEL are what these sequences are made of.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b/g;
const MARKER = /(Speculative metrics|SpecDecoding metrics|DiffusionDecoding metrics): /;

const NUM = '(nan|-?inf|-?\\d+(?:\\.\\d+)?)';
const INT = '(\\d+)';
const ENTRY = '(?:-----|nan|\\d+\\.\\d+)';
const LIST = `(${ENTRY}(?:, ${ENTRY})*)`;

const TEMPLATES: ReadonlyArray<{format: VllmLogFormat; re: RegExp; fields: readonly (keyof PrintedLine)[]}> = [
	{
		format: 'v0',
		re: new RegExp(
			`^Speculative metrics: Draft acceptance rate: ${NUM}, System efficiency: ${NUM}, Number of speculative tokens: ${INT}, ` +
				`Number of accepted tokens: ${INT}, Number of draft tokens: ${INT}, Number of emitted tokens: ${INT}\\.?$`,
		),
		fields: ['rate', 'systemEfficiency', 'k', 'accepted', 'drafted', 'emitted'],
	},
	{
		format: 'v1-a',
		re: new RegExp(`^Speculative metrics: Draft acceptance rate: ${NUM}, Number of accepted tokens: ${INT}, Number of draft tokens: ${INT},?$`),
		fields: ['rate', 'accepted', 'drafted'],
	},
	{
		format: 'v1-b',
		re: new RegExp(`^SpecDecoding metrics: Draft acceptance rate: ${NUM}%, Accepted: ${INT} tokens, Drafted: ${INT} tokens$`),
		fields: ['rate', 'accepted', 'drafted'],
	},
	{
		// V1-c and classic share this template; the reconstruction tells them apart.
		format: 'classic',
		re: new RegExp(
			`^SpecDecoding metrics: Draft acceptance rate: ${NUM}%, Mean acceptance length: ${NUM}, Accepted: ${INT} tokens, ` +
				`Drafted: ${INT} tokens, Per-position acceptance rate: ${LIST}$`,
		),
		fields: ['rate', 'meanLength', 'accepted', 'drafted', 'perPos'],
	},
	{
		format: 'throughput',
		re: new RegExp(
			`^SpecDecoding metrics: Mean acceptance length: ${NUM}, Accepted throughput: ${NUM} tokens/s, Drafted throughput: ${NUM} tokens/s, ` +
				`Accepted: ${INT} tokens, Drafted: ${INT} tokens, Per-position acceptance rate: ${LIST}, Avg Draft acceptance rate: ${NUM}%$`,
		),
		fields: ['meanLength', 'acceptedThroughput', 'draftedThroughput', 'accepted', 'drafted', 'perPos', 'rate'],
	},
	{
		format: 'coverage',
		re: new RegExp(
			`^SpecDecoding metrics: Mean acceptance length: ${NUM}, Mean verification depth: ${NUM}/${INT}, Accepted throughput: ${NUM} tokens/s, ` +
				`Drafted throughput: ${NUM} tokens/s, Accepted: ${INT} tokens, Drafted: ${INT} tokens, Per-position acceptance rate: ${LIST}, ` +
				`Per-position verification coverage: ${LIST}, Avg Draft acceptance rate: ${NUM}%$`,
		),
		fields: ['meanLength', 'depth', 'k', 'acceptedThroughput', 'draftedThroughput', 'accepted', 'drafted', 'perPos', 'coverage', 'rate'],
	},
];

/** Remove ANSI escape sequences (colour codes of a TTY log). */
export function stripAnsi(text: string): string {
	return text.replace(ANSI, '');
}

/**
 * Parse one line of a log. Lines without a spec-decode marker are `none` (ordinary log output);
 * `DiffusionDecoding metrics:` lines are recognised and reported separately; a marker followed by
 * text no template matches is `unparseable`, with a short reason.
 */
export function parseLogLine(line: string): LogLineResult {
	const clean = stripAnsi(line).replace(/\s+$/, '');
	const marker = MARKER.exec(clean);
	if (marker === null) return {kind: 'none'};
	if (marker[1] === 'DiffusionDecoding metrics') return {kind: 'diffusion'};
	const message = clean.slice(marker.index);
	for (const template of TEMPLATES) {
		const match = template.re.exec(message);
		if (match === null) continue;
		const printed: Record<string, unknown> = {format: template.format, message};
		template.fields.forEach((field, i) => {
			const value = match[i + 1]!;
			printed[field] = field === 'perPos' || field === 'coverage' ? value.split(', ') : value;
		});
		return {kind: 'ok', printed: printed as PrintedLine};
	}
	return {kind: 'unparseable', reason: unparseableReason(message)};
}

/** A hint at what is wrong: the first known field that is missing, or a truncated line. */
function unparseableReason(message: string): string {
	const shown = message.length > 90 ? `${message.slice(0, 87)}...` : message;
	const expected = message.startsWith('Speculative metrics: ')
		? ['Draft acceptance rate: ', 'Number of accepted tokens: ', 'Number of draft tokens: ']
		: message.includes('Mean acceptance length') && !message.startsWith('SpecDecoding metrics: Draft')
			? ['Mean acceptance length: ', 'Accepted: ', 'Drafted: ', 'Per-position acceptance rate: ', 'Avg Draft acceptance rate: ']
			: ['Draft acceptance rate: ', 'Accepted: ', 'Drafted: '];
	const missing = expected.find(field => !message.includes(field));
	const why = missing === undefined ? 'no known vLLM layout matches (a field has an unexpected value?)' : `no "${missing.trim()}" field`;
	return `${why}: ${shown}`;
}
