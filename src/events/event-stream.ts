/**
 * The line-delimited JSON event stream that `generate` writes and `replay` reads.
 *
 * ```jsonl
 * {"type":"meta","start_t":0,"seed":0,"config":{...}}
 * {"type":"step","t":0.0123,"engine":0,"num_spec_tokens":3,"drafts":[[3,2],[3,0]]}
 * {"type":"log","t":10,"engine":0,"line":"SpecDecoding metrics: ..."}
 * ```
 *
 * - `meta`: first line, free-form; `start_t` (virtual seconds, default 0) is when every
 *   engine's logger starts its interval timer.
 * - `step`: one verification step of one engine at virtual time `t` (step end): one
 *   `[numDraftTokens, numAcceptedTokens]` pair per request that had at least one scheduled draft
 *   token, in request order.
 * - `log`: the `SpecDecoding metrics:` message produced at `t`, without logger prefix.
 *
 * Records are in time order; `num_spec_tokens` is at most {@link MAX_NUM_SPEC_TOKENS} and fixed per
 * engine; `engine` is below the meta record's `config.engines.count` (at most {@link MAX_ENGINES}).
 */
import {MAX_NUM_SPEC_TOKENS} from '../speculative/limits.js';
import {describeValue} from '../util/escape.js';
import {MAX_ENGINES} from '../util/limits.js';
import {findJsonSyntaxError} from './json-syntax.js';

export type MetaEvent = {readonly type: 'meta'; readonly start_t?: number; readonly [key: string]: unknown};
export type StepEvent = {
	readonly type: 'step';
	readonly t: number;
	readonly engine: number;
	readonly num_spec_tokens: number;
	readonly drafts: ReadonlyArray<readonly [numDraftTokens: number, numAcceptedTokens: number]>;
};
export type LogEvent = {readonly type: 'log'; readonly t: number; readonly engine: number; readonly line: string};
export type SimEvent = MetaEvent | StepEvent | LogEvent;

/** A malformed event line; `message` is one line naming the line number and the problem. */
export class EventStreamError extends Error {
	readonly lineNumber: number;
	constructor(lineNumber: number, problem: string) {
		super(`line ${lineNumber}: ${problem}`);
		this.name = 'EventStreamError';
		this.lineNumber = lineNumber;
	}
}

/** The `k` rule, shared by every record that names one. */
const K_RANGE = `an integer from 1 to ${MAX_NUM_SPEC_TOKENS}`;

/**
 * Parse and validate one line (1-based `lineNumber`) on its own. The first line must be `meta`.
 * Step records are checked here (`0 <= accepted <= drafted <= num_spec_tokens <= 64`) so the
 * accounting never sees an invalid draft. Rules that span lines (time order, one `k` per engine,
 * the meta record's engine count and token budget) are {@link EventStreamReader}'s.
 */
export function parseEventLine(text: string, lineNumber: number): SimEvent {
	const value = parseJson(text, lineNumber);
	if (!isRecord(value)) throw new EventStreamError(lineNumber, `expected a JSON object, got ${describeValue(value)}`);
	const type = value['type'];
	if (lineNumber === 1 && type !== 'meta')
		throw new EventStreamError(lineNumber, `the first record must have "type":"meta", got ${describeValue(type)}`);
	switch (type) {
		case 'meta': {
			if (lineNumber !== 1) throw new EventStreamError(lineNumber, 'a "meta" record may only be the first line');
			const startT = value['start_t'];
			if (startT !== undefined && !isFiniteNumber(startT))
				throw new EventStreamError(lineNumber, `"start_t" must be a finite number, got ${describeValue(startT)}`);
			return value as MetaEvent;
		}
		case 'step': {
			const t = requireTime(value, lineNumber);
			const engine = requireEngine(value, lineNumber);
			const k = value['num_spec_tokens'];
			if (!isPositiveInteger(k) || k > MAX_NUM_SPEC_TOKENS)
				throw new EventStreamError(lineNumber, `"num_spec_tokens" must be ${K_RANGE}, got ${describeValue(k)}`);
			const drafts = value['drafts'];
			if (!Array.isArray(drafts))
				throw new EventStreamError(
					lineNumber,
					`"drafts" must be an array of [numDraftTokens, numAcceptedTokens] pairs, got ${describeValue(drafts)}`,
				);
			for (let i = 0; i < drafts.length; i++) {
				const pair: unknown = drafts[i];
				if (!Array.isArray(pair) || pair.length !== 2 || !Number.isInteger(pair[0]) || !Number.isInteger(pair[1])) {
					throw new EventStreamError(
						lineNumber,
						`"drafts[${i}]" must be a pair of integers [numDraftTokens, numAcceptedTokens], got ${describeValue(pair)}`,
					);
				}
				const [d, a] = pair as [number, number];
				if (d < 0 || a < 0) throw new EventStreamError(lineNumber, `"drafts[${i}]" has a negative count: ${describeValue(pair)}`);
				if (a > d) throw new EventStreamError(lineNumber, `"drafts[${i}]": accepted ${a} > drafted ${d}`);
				if (d > k) throw new EventStreamError(lineNumber, `"drafts[${i}]": drafted ${d} > num_spec_tokens ${k}`);
			}
			return {type, t, engine, num_spec_tokens: k, drafts: drafts as Array<[number, number]>};
		}
		case 'log': {
			const t = requireTime(value, lineNumber);
			const engine = requireEngine(value, lineNumber);
			const line = value['line'];
			if (typeof line !== 'string') throw new EventStreamError(lineNumber, `"line" must be a string, got ${describeValue(line)}`);
			return {type, t, engine, line};
		}
		default:
			throw new EventStreamError(lineNumber, `unknown record type ${describeValue(type)} (expected "meta", "step" or "log")`);
	}
}

/** What the meta record's `config` says about the stream (absent fields: the documented maxima). */
type StreamLimits = {readonly engines: number; readonly tokenBudget: number | undefined; readonly maxNumSeqs: number | undefined};

/**
 * Reads a stream line by line with the rules that span lines: records in time order, one `k` per
 * engine (a k change would need per-position series the engine never had), engine ids below the
 * meta record's `config.engines.count` (at most {@link MAX_ENGINES}), `k` below the meta record's
 * token budget and at most `maxNumSeqs` drafts per step. State is O(engines).
 */
export class EventStreamReader {
	#lineNumber = 0;
	#limits: StreamLimits | undefined;
	#lastT = Number.NEGATIVE_INFINITY;
	#lastTLine = 0;
	/** Per engine: its k and the line it was first seen on. */
	#k = new Map<number, {k: number; line: number}>();

	/** Parse the next non-blank line; `lineNumber` is its 1-based line in the file (blank lines skipped). */
	read(text: string, lineNumber: number): SimEvent {
		const first = this.#limits === undefined;
		const event = parseEventLine(text, first ? 1 : Math.max(lineNumber, 2));
		this.#lineNumber = lineNumber;
		if (event.type === 'meta') {
			this.#limits = metaLimits(event, lineNumber);
			return event;
		}
		const limits = this.#limits!;
		if (event.engine >= limits.engines) {
			throw new EventStreamError(
				lineNumber,
				`"engine" ${event.engine} is beyond the meta record's engine count ${limits.engines} (engines 0 to ${limits.engines - 1})`,
			);
		}
		if (event.t < this.#lastT)
			throw new EventStreamError(
				lineNumber,
				`"t" ${event.t} is before ${this.#lastT}, the time of line ${this.#lastTLine} (records must be in time order)`,
			);
		if (event.t > this.#lastT) {
			this.#lastT = event.t;
			this.#lastTLine = lineNumber;
		}
		if (event.type === 'step') this.#checkStep(event, limits);
		return event;
	}

	#checkStep(event: StepEvent, limits: StreamLimits): void {
		const k = event.num_spec_tokens;
		if (limits.tokenBudget !== undefined && k >= limits.tokenBudget) {
			throw new EventStreamError(
				this.#lineNumber,
				`"num_spec_tokens" ${k} must be below the token budget config.scheduler.maxNumBatchedTokens=${limits.tokenBudget} of the meta record (a draft of k tokens needs k + 1 tokens in one step)`,
			);
		}
		if (limits.maxNumSeqs !== undefined && event.drafts.length > limits.maxNumSeqs) {
			throw new EventStreamError(
				this.#lineNumber,
				`"drafts" has ${event.drafts.length} pairs, more than config.scheduler.maxNumSeqs=${limits.maxNumSeqs} of the meta record (one per running request)`,
			);
		}
		if (event.drafts.length === 0) return; // a step without drafts carries no k that matters
		const seen = this.#k.get(event.engine);
		if (seen === undefined) this.#k.set(event.engine, {k, line: this.#lineNumber});
		else if (seen.k !== k) {
			throw new EventStreamError(
				this.#lineNumber,
				`"num_spec_tokens" ${k} differs from ${seen.k}, which engine ${event.engine} used on line ${seen.line} (k cannot change within one engine)`,
			);
		}
	}
}

/** The limits a meta record's `config` sets; a present but invalid field is an error at the meta line. */
function metaLimits(meta: MetaEvent, lineNumber: number): StreamLimits {
	const config = isRecord(meta['config']) ? meta['config'] : {};
	const field = (object: string, key: string, max: number): number | undefined => {
		const holder = config[object];
		if (holder === undefined) return undefined;
		const value = isRecord(holder) ? holder[key] : undefined;
		if (value === undefined && isRecord(holder)) return undefined;
		if (!isPositiveInteger(value) || value > max)
			throw new EventStreamError(lineNumber, `"config.${object}.${key}" must be an integer from 1 to ${max}, got ${describeValue(value)}`);
		return value;
	};
	return {
		engines: field('engines', 'count', MAX_ENGINES) ?? MAX_ENGINES,
		tokenBudget: field('scheduler', 'maxNumBatchedTokens', Number.MAX_SAFE_INTEGER),
		maxNumSeqs: field('scheduler', 'maxNumSeqs', Number.MAX_SAFE_INTEGER),
	};
}

/**
 * `JSON.parse`, with a syntax error described in the user's terms (the column and what was
 * expected) instead of V8's wording, which quotes the raw input and so any control characters in it.
 */
function parseJson(text: string, lineNumber: number): unknown {
	try {
		return JSON.parse(text);
	} catch {
		throw new EventStreamError(lineNumber, describeJsonSyntaxError(text));
	}
}

function describeJsonSyntaxError(text: string): string {
	const error = findJsonSyntaxError(text);
	return error === undefined ? 'invalid JSON' : `invalid JSON at column ${error.column}: ${error.problem}`;
}

/** Serialise a log record (step records are written straight into bytes by `src/output/step-record.ts`). */
export function stringifyLog(t: number, engine: number, line: string): string {
	return JSON.stringify({type: 'log', t, engine, line});
}

function requireTime(value: Record<string, unknown>, lineNumber: number): number {
	const t = value['t'];
	if (!isFiniteNumber(t) || t < 0)
		throw new EventStreamError(lineNumber, `"t" must be a non-negative number of virtual seconds, got ${describeValue(t)}`);
	return t;
}

function requireEngine(value: Record<string, unknown>, lineNumber: number): number {
	const engine = value['engine'];
	if (!Number.isInteger(engine) || (engine as number) < 0)
		throw new EventStreamError(lineNumber, `"engine" must be a non-negative integer, got ${describeValue(engine)}`);
	return engine as number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPositiveInteger = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
