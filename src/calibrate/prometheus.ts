/**
 * Read Prometheus text expositions (format 0.0.4, what vLLM's `/metrics` serves, and OpenMetrics
 * 1.0.0) line by line and split them into scrapes, keeping the spec-decode counters.
 *
 * Scrape boundaries: each source starts a new scrape; inside a source a new scrape starts after
 * `# EOF` or when a series (sample name and labels) already seen in the current scrape appears
 * again, so `curl .../metrics >> scrapes.txt` twice gives two scrapes. Samples with timestamps
 * (OpenMetrics files of many scrapes) are grouped by timestamp instead.
 */
import type {Origin} from './types.js';

/** One sample line: `name{labels} value [timestamp]`. */
export type PromTextSample = {
	readonly name: string;
	readonly labels: Readonly<Record<string, string>>;
	readonly value: number;
	readonly timestamp?: number;
};

/** What one line of an exposition is. */
export type PromLine =
	| {readonly kind: 'comment'}
	| {readonly kind: 'eof'}
	| {readonly kind: 'sample'; readonly sample: PromTextSample}
	| {readonly kind: 'invalid'; readonly reason: string}
	| {readonly kind: 'other'};

/** The spec-decode counter families we read, by exposed sample name (the bare family name is accepted too). */
export const SPEC_COUNTERS = {
	drafts: 'vllm:spec_decode_num_drafts',
	draftTokens: 'vllm:spec_decode_num_draft_tokens',
	acceptedTokens: 'vllm:spec_decode_num_accepted_tokens',
	acceptedPerPos: 'vllm:spec_decode_num_accepted_tokens_per_pos',
	draftTokensPerPos: 'vllm:spec_decode_num_draft_tokens_per_pos',
	/** v0 only. */
	emittedTokens: 'vllm:spec_decode_num_emitted_tokens',
} as const;

/** Which of {@link SPEC_COUNTERS} a sample name is. */
export type SpecCounter = keyof typeof SPEC_COUNTERS;

const COUNTER_BY_SAMPLE = new Map<string, SpecCounter>();
for (const [key, family] of Object.entries(SPEC_COUNTERS) as Array<[SpecCounter, string]>) {
	COUNTER_BY_SAMPLE.set(`${family}_total`, key);
	COUNTER_BY_SAMPLE.set(family, key);
}

/** The spec-decode counter a sample belongs to, if any. */
export function specCounterOf(sampleName: string): SpecCounter | undefined {
	return COUNTER_BY_SAMPLE.get(sampleName);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const VALUE = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|Inf|inf|NaN|nan)$/;

/**
 * Classify one line. A line is a sample only if all of it parses (name, labels, a number and an
 * optional timestamp, optionally an OpenMetrics exemplar), so ordinary log lines are `other`.
 * A line naming a spec-decode counter that does not parse is `invalid`.
 */
export function parsePromLine(line: string): PromLine {
	const text = line.trim();
	if (text === '') return {kind: 'other'};
	if (text.startsWith('#')) return text === '# EOF' ? {kind: 'eof'} : /^#\s+(HELP|TYPE|UNIT)\s/.test(text) ? {kind: 'comment'} : {kind: 'other'};
	const name = NAME.exec(text)?.[0];
	if (name === undefined) return {kind: 'other'};
	const parsed = parseSampleRest(text.slice(name.length));
	if (typeof parsed === 'string') {
		return name.startsWith('vllm:spec_decode') ? {kind: 'invalid', reason: parsed} : {kind: 'other'};
	}
	return {kind: 'sample', sample: {name, ...parsed}};
}

function parseSampleRest(rest: string): {labels: Record<string, string>; value: number; timestamp?: number} | string {
	let i = 0;
	const labels: Record<string, string> = {};
	if (rest[0] === '{') {
		i = 1;
		for (;;) {
			while (rest[i] === ' ' || rest[i] === ',') i++;
			if (rest[i] === '}') {
				i++;
				break;
			}
			const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(rest.slice(i))?.[0];
			if (labelName === undefined) return 'bad label name';
			i += labelName.length;
			while (rest[i] === ' ') i++;
			if (rest[i] !== '=' || rest[i + 1] !== '"') return `label ${labelName}: expected ="`;
			i += 2;
			let value = '';
			while (i < rest.length && rest[i] !== '"') {
				if (rest[i] === '\\') {
					const next = rest[i + 1];
					value += next === 'n' ? '\n' : (next ?? '');
					i += 2;
				} else {
					value += rest[i];
					i++;
				}
			}
			if (rest[i] !== '"') return `label ${labelName}: unterminated value`;
			i++;
			labels[labelName] = value;
		}
	}
	const body = rest.slice(i);
	if (!/^\s/.test(body)) return 'expected a space before the value';
	// OpenMetrics exemplars follow ` # `.
	const [sampleText] = body.split(' # ');
	const fields = sampleText!.trim().split(/\s+/);
	if (fields.length < 1 || fields.length > 2 || !VALUE.test(fields[0]!)) return `bad value "${fields[0] ?? ''}"`;
	const value = parseNumber(fields[0]!);
	if (fields.length === 2) {
		if (!VALUE.test(fields[1]!)) return `bad timestamp "${fields[1]}"`;
		return {labels, value, timestamp: parseNumber(fields[1]!)};
	}
	return {labels, value};
}

function parseNumber(text: string): number {
	const lower = text.toLowerCase().replace(/^\+/, '');
	if (lower === 'inf') return Number.POSITIVE_INFINITY;
	if (lower === '-inf') return Number.NEGATIVE_INFINITY;
	if (lower === 'nan') return Number.NaN;
	return Number(text);
}

/** One scrape: the spec-decode samples it holds, keyed by sample name and labels. */
export type Scrape = {
	readonly origin: Origin;
	readonly timestamp?: number;
	readonly samples: Map<string, {readonly counter: SpecCounter; readonly labels: Readonly<Record<string, string>>; readonly value: number}>;
};

/** Stable key of a label set (names sorted). */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
	return Object.keys(labels)
		.sort()
		.map(name => `${name}=${JSON.stringify(labels[name])}`)
		.join(',');
}

/** Splits the Prometheus lines of each source into {@link Scrape}s (see the module comment). */
export class ScrapeSplitter {
	readonly #done: Scrape[] = [];
	#source = '';
	#current: {scrape: Scrape; seen: Set<string>} | undefined;
	readonly #timestamped = new Map<number, Scrape>();
	#headerStart: number | undefined;
	/** Number of Prometheus lines (samples and comments) seen. */
	numLines = 0;

	/** Start a new source; closes the previous one. */
	beginSource(source: string): void {
		this.endSource();
		this.#source = source;
		this.#headerStart = undefined;
	}

	/** Feed one classified line. */
	add(line: PromLine, lineNumber: number): void {
		if (line.kind === 'other' || line.kind === 'invalid') return;
		this.numLines += 1;
		if (line.kind === 'eof') {
			this.#closeCurrent();
			return;
		}
		if (line.kind !== 'sample') {
			// A scrape's origin is the first line of its header block, not its first sample.
			if (this.#headerStart === undefined) this.#headerStart = lineNumber;
			return;
		}
		const start = this.#headerStart ?? lineNumber;
		this.#headerStart = undefined;
		const {sample} = line;
		const key = `${sample.name}{${labelsKey(sample.labels)}}`;
		let scrape: Scrape;
		if (sample.timestamp !== undefined) {
			let existing = this.#timestamped.get(sample.timestamp);
			if (existing === undefined) {
				existing = {origin: {source: this.#source, line: start}, timestamp: sample.timestamp, samples: new Map()};
				this.#timestamped.set(sample.timestamp, existing);
			}
			scrape = existing;
		} else {
			if (this.#current?.seen.has(key)) this.#closeCurrent();
			if (this.#current === undefined) {
				this.#current = {scrape: {origin: {source: this.#source, line: start}, samples: new Map()}, seen: new Set()};
			}
			this.#current.seen.add(key);
			scrape = this.#current.scrape;
		}
		const counter = specCounterOf(sample.name);
		if (counter !== undefined) scrape.samples.set(`${counter}{${labelsKey(sample.labels)}}`, {counter, labels: sample.labels, value: sample.value});
	}

	/** Close the current source's scrapes. */
	endSource(): void {
		this.#closeCurrent();
		const stamped = [...this.#timestamped.values()].sort((a, b) => a.timestamp! - b.timestamp!);
		for (const scrape of stamped) if (scrape.samples.size > 0) this.#done.push(scrape);
		this.#timestamped.clear();
	}

	/** Every scrape with at least one spec-decode sample, in input order. */
	scrapes(): Scrape[] {
		this.endSource();
		return [...this.#done];
	}

	#closeCurrent(): void {
		if (this.#current !== undefined && this.#current.scrape.samples.size > 0) this.#done.push(this.#current.scrape);
		this.#current = undefined;
	}
}
