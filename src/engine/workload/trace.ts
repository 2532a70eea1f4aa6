import type {Rng} from '../../rng/rng.js';
import {MAX_DURATION_S, MAX_REQUEST_TOKENS} from '../../util/limits.js';
import type {WorkloadClassSpec} from './classes.js';
import type {RequestSource, RequestSpec} from './request-source.js';
import {createTemperatureSampler} from './temperature.js';
import {withGetters} from '../../util/with-getters.js';

/**
 * A malformed trace line. The message is one line, `file:line: what`, e.g.
 * `trace.jsonl:7: output_tokens must be a positive integer, got -3`.
 */
export class TraceError extends Error {
	readonly fileName: string;
	/** 1-based line number. */
	readonly line: number;
	/** The offending JSON field, when one is to blame. */
	readonly field: string | undefined;

	constructor(fileName: string, line: number, field: string | undefined, detail: string) {
		super(`${fileName}:${line}: ${detail}`);
		this.name = 'TraceError';
		this.fileName = fileName;
		this.line = line;
		this.field = field;
	}
}

export type TraceOptions = {
	/** Classes that a line's `class` is matched against by name. Lines without `class` get class 0. */
	classes?: readonly WorkloadClassSpec[];
	/**
	 * Stream for temperatures of lines without a `temperature` field whose class has a random
	 * temperature spec (forked per class as `temperature/<name>`). Not needed otherwise.
	 */
	rng?: Rng;
};

/**
 * Replay a JSONL request trace. One JSON object per line:
 *
 * | field | type | meaning |
 * |---|---|---|
 * | `arrival_time` | number from 0 to `MAX_DURATION_S` (30 days), non-decreasing | arrival, virtual seconds |
 * | `prompt_tokens` | integer from 1 to `MAX_REQUEST_TOKENS` | prompt length |
 * | `output_tokens` | integer from 1 to `MAX_REQUEST_TOKENS` | tokens to generate (`maxTokens`) |
 * | `class` | string, optional | workload class name, matched against `options.classes` |
 * | `temperature` | number >= 0, optional | overrides the class's temperature |
 * | `prefix_group` | string or integer, optional | requests of one group share their first `prefix_tokens` prompt tokens (prefix caching) |
 * | `prefix_tokens` | integer >= 0, optional | length of that shared prefix, at most `prompt_tokens` (needs `prefix_group`) |
 * | `conversation` | string or integer, optional | turns of one conversation share one token stream: a turn's prompt starts with the previous turn's prompt and output |
 * | `turn` | integer from 1 to `MAX_REQUEST_TOKENS`, optional | the line's turn in its conversation (needs `conversation`); absent: the conversation's lines are counted from 1 |
 *
 * Blank lines are skipped (but counted); unknown fields are ignored. Lines are parsed lazily, so
 * an error surfaces when iteration reaches its line.
 *
 * @example
 * // {"arrival_time": 0.25, "prompt_tokens": 812, "output_tokens": 128, "class": "chat"}
 * for (const r of parseTraceLines(text.split('\n'), 'trace.jsonl', {classes})) engine.add(r);
 * @throws TraceError naming the file, line and field.
 */
export function* parseTraceLines(lines: Iterable<string>, fileName: string, options: TraceOptions = {}): Generator<RequestSpec, void, undefined> {
	const classes = options.classes ?? [];
	const indexByName = new Map(classes.map((c, i) => [c.name, i]));
	const temperatureSamplers: (() => number)[] = [];
	const temperatureOf = (classIndex: number, line: number): number => {
		const spec = classes[classIndex]?.temperature ?? 0;
		if (typeof spec === 'number') return spec;
		let sampler = temperatureSamplers[classIndex];
		if (sampler === undefined) {
			if (options.rng === undefined) {
				throw new TraceError(
					fileName,
					line,
					'temperature',
					`temperature is missing and class "${classes[classIndex]?.name}" has a random temperature, but no rng was given`,
				);
			}
			sampler = createTemperatureSampler(
				spec,
				options.rng.fork('temperature').fork(classes[classIndex]?.name ?? ''),
				`classes[${classIndex}].temperature`,
			);
			temperatureSamplers[classIndex] = sampler;
		}
		return sampler();
	};

	// Group and conversation names become small integers in order of first appearance.
	const groupIds = new Map<string | number, number>();
	const conversationIds = new Map<string | number, number>();
	/** Lines seen per conversation id (the turn of a line without `turn`). */
	const turnsSeen: number[] = [];
	let lineNumber = 0;
	let lastArrival = 0;
	let id = 0;
	for (const raw of lines) {
		lineNumber++;
		const text = raw.trim();
		if (text === '') continue;
		const fail: (field: string | undefined, detail: string) => never = (field, detail) => {
			throw new TraceError(fileName, lineNumber, field, detail);
		};
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch (error) {
			fail(undefined, `invalid JSON (${error instanceof Error ? error.message : String(error)})`);
		}
		if (typeof value !== 'object' || value === null || Array.isArray(value)) {
			fail(undefined, `expected a JSON object, got ${describe(value)}`);
		}
		const record = value as Record<string, unknown>;

		const arrival = record['arrival_time'];
		if (typeof arrival !== 'number' || !(arrival >= 0 && arrival < Number.POSITIVE_INFINITY)) {
			fail('arrival_time', `arrival_time must be a finite number >= 0, got ${describe(arrival)}`);
		}
		if (arrival > MAX_DURATION_S) {
			fail(
				'arrival_time',
				`arrival_time must be at most ${MAX_DURATION_S} virtual seconds (${MAX_DURATION_S / 86_400} days), got ${describe(arrival)}`,
			);
		}
		const arrivalAt = arrival;
		if (arrivalAt < lastArrival) {
			fail('arrival_time', `arrival_time must be non-decreasing, got ${arrivalAt} after ${lastArrival}`);
		}
		const promptTokens = positiveInteger(record, 'prompt_tokens', fail);
		const maxTokens = positiveInteger(record, 'output_tokens', fail);

		let classIndex = 0;
		const className = record['class'];
		if (className !== undefined) {
			if (typeof className !== 'string') fail('class', `class must be a string, got ${describe(className)}`);
			const found = indexByName.get(className);
			if (found === undefined) {
				const known = classes.length > 0 ? classes.map(c => c.name).join(', ') : 'none configured';
				fail('class', `class ${JSON.stringify(className)} is not a workload class (known: ${known})`);
			}
			classIndex = found;
		}

		let temperature: number;
		const t = record['temperature'];
		if (t === undefined) {
			temperature = temperatureOf(classIndex, lineNumber);
		} else if (typeof t === 'number' && t >= 0 && t < Number.POSITIVE_INFINITY) {
			temperature = t;
		} else {
			temperature = fail('temperature', `temperature must be a finite number >= 0, got ${describe(t)}`);
		}

		const sharing: {sharedPrefixTokens?: number; prefixGroup?: number; stream?: number; conversation?: number; turn?: number} = {};
		const group = record['prefix_group'];
		const prefixTokens = record['prefix_tokens'];
		if (group !== undefined) {
			if (typeof group !== 'string' && !Number.isInteger(group))
				fail('prefix_group', `prefix_group must be a string or an integer, got ${describe(group)}`);
			sharing.prefixGroup = internId(groupIds, group as string | number);
			if (prefixTokens === undefined) fail('prefix_tokens', 'prefix_tokens is missing: a prefix_group needs the length of its shared prefix');
		}
		if (prefixTokens !== undefined) {
			if (group === undefined) fail('prefix_tokens', 'prefix_tokens needs a prefix_group');
			if (typeof prefixTokens !== 'number' || !Number.isInteger(prefixTokens) || prefixTokens < 0 || prefixTokens > promptTokens) {
				fail('prefix_tokens', `prefix_tokens must be an integer in [0, prompt_tokens = ${promptTokens}], got ${describe(prefixTokens)}`);
			}
			sharing.sharedPrefixTokens = prefixTokens;
		}
		const conversation = record['conversation'];
		if (conversation !== undefined) {
			if (typeof conversation !== 'string' && !Number.isInteger(conversation))
				fail('conversation', `conversation must be a string or an integer, got ${describe(conversation)}`);
			const id = internId(conversationIds, conversation as string | number);
			sharing.stream = id;
			sharing.conversation = id;
			turnsSeen[id] = (turnsSeen[id] ?? 0) + 1;
			sharing.turn = turnsSeen[id];
		}
		const turn = record['turn'];
		if (turn !== undefined) {
			if (conversation === undefined) fail('turn', 'turn needs a conversation');
			if (typeof turn !== 'number' || !Number.isInteger(turn) || turn < 1) fail('turn', `turn must be a positive integer, got ${describe(turn)}`);
			if (turn > MAX_REQUEST_TOKENS) fail('turn', `turn must be at most ${MAX_REQUEST_TOKENS}, got ${describe(turn)}`);
			sharing.turn = turn;
		}

		lastArrival = arrivalAt;
		yield {id: id++, arrivalAt, promptTokens, maxTokens, classIndex, temperature, ...sharing};
	}
}

/**
 * A trace as a {@link RequestSource} (one line of look-ahead, so O(1) memory). `requestFinished`
 * is ignored: a trace is an open loop.
 *
 * @throws TraceError from `peekArrivalAt`/`next` when the look-ahead line is malformed.
 */
export function createTraceSource(lines: Iterable<string>, fileName: string, options: TraceOptions = {}): RequestSource {
	const iterator = parseTraceLines(lines, fileName, options);
	let ahead: RequestSpec | undefined;
	let done = false;
	let emitted = 0;
	const fill = (): void => {
		if (ahead !== undefined || done) return;
		const step = iterator.next();
		if (step.done === true) done = true;
		else ahead = step.value;
	};
	const source = {
		peekArrivalAt() {
			fill();
			return ahead?.arrivalAt ?? Number.POSITIVE_INFINITY;
		},
		next() {
			fill();
			const request = ahead;
			ahead = undefined;
			if (request !== undefined) emitted++;
			return request;
		},
		requestFinished() {},
	} satisfies Omit<RequestSource, 'emitted'>;
	return withGetters(source, {emitted: () => emitted});
}

function internId(ids: Map<string | number, number>, key: string | number): number {
	let id = ids.get(key);
	if (id === undefined) {
		id = ids.size;
		ids.set(key, id);
	}
	return id;
}

function positiveInteger(record: Record<string, unknown>, field: string, fail: (field: string, detail: string) => never): number {
	const v = record[field];
	if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
		return fail(field, `${field} must be a positive integer, got ${describe(v)}`);
	}
	if (v > MAX_REQUEST_TOKENS) return fail(field, `${field} must be at most ${MAX_REQUEST_TOKENS} tokens, got ${describe(v)}`);
	return v;
}

/** A short rendering of a JSON value for error messages: `-3`, `"abc"`, `null`, `an array`, `nothing`. */
function describe(value: unknown): string {
	if (value === undefined) return 'nothing (field missing)';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object' && value !== null) return 'an object';
	const text = JSON.stringify(value);
	return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
