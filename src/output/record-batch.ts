import {LineBuffer} from './line-buffer.js';
import {type RequestRecordFields, writeRequestRecord} from './request-record.js';
import type {ScrapeFrames, ScrapeLines} from './scrape-lines.js';
import {writeStepRecord} from './step-record.js';

/**
 * The records `generate` writes, as numbers in a flat `Float64Array` (a batch), so that the
 * simulation thread hands them to the serialising thread without building an object per record:
 * a record is an opcode followed by its values, text (a log line, a finish reason) an index into
 * the batch's string table. Doubles hold every value exactly (times, counts up to 2^53, NaN, -0),
 * so the bytes rendered from a batch equal those written from the records directly. A step's draft
 * pairs, the bulk of a batch (about 25 pairs a step at 20 QPS), stay 32-bit integers as the engine
 * keeps them: two to a double's eight bytes, read through an `Int32Array` view of the same buffer,
 * so the simulation thread copies half the bytes and converts none.
 */
const OP_STEP = 1;
const OP_REQUEST = 2;
const OP_EVENT_TEXT = 3;
const OP_LOG_TEXT = 4;
const OP_REQUEST_TEXT = 5;
/** `metrics.om` (see {@link ScrapeFrames}): a series' text, a scrape's timestamp, a series' values. */
const OP_SERIES = 6;
const OP_SCRAPE = 7;
const OP_VALUES = 8;

/** Values of a request record before its acceptance histogram. */
const REQUEST_HEAD = 16;

/**
 * What a batch carries to the serialising thread: its numbers (transferred) and its strings;
 * `final` asks for every `metrics.om` byte still held back (the last batch).
 */
export type BatchMessage = {readonly buffer: ArrayBuffer; readonly length: number; readonly strings: readonly string[]; readonly final?: boolean};

/** The three streamed text files of a dataset, rendered from one batch. */
export type RenderedBatch = {readonly events: Buffer; readonly requests: Buffer; readonly log: Buffer};

/**
 * Appends records to a batch; {@link take} hands the batch over and starts the next in a buffer
 * the caller gives back (buffers travel to the worker and return, none is allocated per batch).
 * It also carries `metrics.om`'s scrapes as {@link ScrapeFrames}, for the worker to render.
 */
export class RecordBatchWriter implements ScrapeFrames {
	#values: Float64Array;
	/** The same bytes as {@link #values}, as 32-bit integers (a step's draft pairs). */
	#ints: Int32Array;
	#length = 0;
	#strings: string[] = [];
	readonly #stringIndex = new Map<string, number>();
	/** The latest finish reason and its index in this batch's string table (requests mostly repeat it; a map lookup each cost more). */
	#reason: string | undefined;
	#reasonIndex = -1;

	constructor(buffer: ArrayBuffer = new ArrayBuffer(1 << 20)) {
		this.#values = new Float64Array(buffer);
		this.#ints = new Int32Array(buffer);
	}

	/** Values written since the last {@link take}. */
	get length(): number {
		return this.#length;
	}

	#reserve(count: number): Float64Array {
		const needed = this.#length + count;
		if (needed > this.#values.length) {
			const grown = new ArrayBuffer(Math.max(needed, 2 * this.#values.length) * Float64Array.BYTES_PER_ELEMENT);
			// Copied as bytes: draft pairs are integers in a double's place, whatever double their bits spell.
			new Uint8Array(grown).set(new Uint8Array(this.#values.buffer, 0, this.#length * Float64Array.BYTES_PER_ELEMENT));
			this.#values = new Float64Array(grown);
			this.#ints = new Int32Array(grown);
		}
		return this.#values;
	}

	#string(text: string): number {
		let index = this.#stringIndex.get(text);
		if (index === undefined) {
			index = this.#strings.length;
			this.#strings.push(text);
			this.#stringIndex.set(text, index);
		}
		return index;
	}

	/**
	 * A `step` record of `events.jsonl` (see {@link writeStepRecord}); the pairs are copied as
	 * 32-bit integers, a pair in the place of one value.
	 */
	step(t: number, engine: number, numSpecTokens: number, draftPairs: Int32Array, numPairs: number): void {
		const values = this.#reserve(5 + numPairs);
		let at = this.#length;
		values[at++] = OP_STEP;
		values[at++] = t;
		values[at++] = engine;
		values[at++] = numSpecTokens;
		values[at++] = numPairs;
		const ints = this.#ints;
		const from = 2 * at;
		const end = 2 * numPairs;
		for (let i = 0; i < end; i++) ints[from + i] = draftPairs[i]!;
		this.#length = at + numPairs;
	}

	/** A line of `requests.jsonl` (see {@link writeRequestRecord}). */
	request(request: RequestRecordFields, engine: number, numSpecTokens: number): void {
		const values = this.#reserve(REQUEST_HEAD + 1 + numSpecTokens);
		let at = this.#length;
		values[at++] = OP_REQUEST;
		values[at++] = engine;
		values[at++] = numSpecTokens;
		values[at++] = request.id;
		values[at++] = request.arrivalAt;
		values[at++] = request.firstTokenAt;
		values[at++] = request.finishedAt;
		values[at++] = request.promptTokens;
		values[at++] = request.numOutputTokens;
		const reason = request.finishReason;
		if (reason !== this.#reason && reason !== undefined) {
			this.#reason = reason;
			this.#reasonIndex = this.#string(reason);
		}
		values[at++] = reason === undefined ? -1 : this.#reasonIndex;
		values[at++] = request.numPreemptions;
		values[at++] = request.conversation;
		values[at++] = request.turn;
		values[at++] = request.numSpecSteps;
		values[at++] = request.numDraftTokens;
		values[at++] = request.numAcceptedDraftTokens;
		const histogram = request.acceptanceHistogram;
		for (let i = 0; i <= numSpecTokens; i++) values[at++] = histogram[i] ?? 0;
		this.#length = at;
	}

	/** A line of `events.jsonl` already serialised (with its newline). */
	eventText(line: string): void {
		const values = this.#reserve(2);
		values[this.#length++] = OP_EVENT_TEXT;
		values[this.#length++] = this.#string(line);
	}

	/** A line of `requests.jsonl` already serialised (with its newline): a refused request's. */
	requestText(line: string): void {
		const values = this.#reserve(2);
		values[this.#length++] = OP_REQUEST_TEXT;
		values[this.#length++] = this.#string(line);
	}

	/** A line of `vllm.log` (with its newline). */
	logText(line: string): void {
		const values = this.#reserve(2);
		values[this.#length++] = OP_LOG_TEXT;
		values[this.#length++] = this.#string(line);
	}

	series(spoolId: number, prefixes: readonly string[], created: string | undefined): void {
		const values = this.#reserve(4 + prefixes.length);
		let at = this.#length;
		values[at++] = OP_SERIES;
		values[at++] = spoolId;
		values[at++] = prefixes.length;
		values[at++] = created === undefined ? -1 : this.#string(created);
		for (const prefix of prefixes) values[at++] = this.#string(prefix);
		this.#length = at;
	}

	scrape(timestampS: number): void {
		const values = this.#reserve(2);
		values[this.#length++] = OP_SCRAPE;
		values[this.#length++] = timestampS;
	}

	values(spoolId: number, source: ArrayLike<number>, count: number): void {
		const values = this.#reserve(3 + count);
		let at = this.#length;
		values[at++] = OP_VALUES;
		values[at++] = spoolId;
		values[at++] = count;
		for (let i = 0; i < count; i++) values[at++] = source[i]!;
		this.#length = at;
	}

	/**
	 * The batch so far, to post with `buffer` in the transfer list; the next batch is written into
	 * `next` (a buffer a rendered batch came back with, or a new one). `final`: see {@link BatchMessage}.
	 */
	take(next: ArrayBuffer, final = false): BatchMessage {
		const message: BatchMessage = {
			buffer: this.#values.buffer as ArrayBuffer,
			length: this.#length,
			strings: this.#strings,
			...(final ? {final} : {}),
		};
		this.#values = new Float64Array(next);
		this.#ints = new Int32Array(next);
		this.#length = 0;
		this.#strings = [];
		this.#stringIndex.clear();
		this.#reason = undefined;
		return message;
	}
}

/** A request record's fields read back from a batch (one object, refilled for every record). */
type MutableRequestFields = {-readonly [K in keyof RequestRecordFields]: RequestRecordFields[K]} & {acceptanceHistogram: number[]};

/** Where {@link renderBatchInto} appends a batch's lines: one buffer per streamed file. */
export type BatchOutput = {readonly events: LineBuffer; readonly requests: LineBuffer; readonly log: LineBuffer};

/**
 * Serialise a batch into the bytes of `events.jsonl`, `requests.jsonl` and `vllm.log`, by the same
 * writers `generate` used on the records themselves (so the bytes are the same); its `metrics.om`
 * frames go to `scrapes`, which holds their bytes until taken.
 */
export function renderBatch(
	message: BatchMessage,
	out: BatchOutput = {events: new LineBuffer(), requests: new LineBuffer(), log: new LineBuffer()},
	scrapes?: ScrapeLines,
): RenderedBatch {
	renderBatchInto(message, out, scrapes);
	return {events: out.events.take(), requests: out.requests.take(), log: out.log.take()};
}

/**
 * {@link renderBatch} appending to `out` without taking the bytes: the serialising thread writes
 * them from the buffers and reuses the buffers for the next batch (no allocation per batch).
 */
export function renderBatchInto(message: BatchMessage, out: BatchOutput, scrapes?: ScrapeLines): void {
	const values = new Float64Array(message.buffer, 0, message.length);
	const ints = new Int32Array(message.buffer, 0, 2 * message.length);
	const {strings} = message;
	const request: MutableRequestFields = {
		id: 0,
		arrivalAt: 0,
		firstTokenAt: 0,
		finishedAt: 0,
		promptTokens: 0,
		numOutputTokens: 0,
		finishReason: undefined,
		numPreemptions: 0,
		conversation: -1,
		turn: 0,
		numSpecSteps: 0,
		numDraftTokens: 0,
		numAcceptedDraftTokens: 0,
		acceptanceHistogram: [],
	};
	const histogram = request.acceptanceHistogram;
	for (let at = 0; at < values.length; ) {
		const op = values[at]!;
		if (op === OP_STEP) {
			const numPairs = values[at + 4]!;
			writeStepRecord(out.events, values[at + 1]!, values[at + 2]!, values[at + 3]!, ints.subarray(2 * (at + 5), 2 * (at + 5 + numPairs)), numPairs);
			at += 5 + numPairs;
		} else if (op === OP_REQUEST) {
			const engine = values[at + 1]!;
			const numSpecTokens = values[at + 2]!;
			request.id = values[at + 3]!;
			request.arrivalAt = values[at + 4]!;
			request.firstTokenAt = values[at + 5]!;
			request.finishedAt = values[at + 6]!;
			request.promptTokens = values[at + 7]!;
			request.numOutputTokens = values[at + 8]!;
			const reason = values[at + 9]!;
			request.finishReason = reason < 0 ? undefined : (strings[reason] as RequestRecordFields['finishReason']);
			request.numPreemptions = values[at + 10]!;
			request.conversation = values[at + 11]!;
			request.turn = values[at + 12]!;
			request.numSpecSteps = values[at + 13]!;
			request.numDraftTokens = values[at + 14]!;
			request.numAcceptedDraftTokens = values[at + 15]!;
			// Positions 0..k, missing ones already written as 0 (as the record writer reads them).
			histogram.length = numSpecTokens + 1;
			for (let i = 0; i <= numSpecTokens; i++) histogram[i] = values[at + REQUEST_HEAD + i]!;
			writeRequestRecord(out.requests, request, engine, numSpecTokens);
			at += REQUEST_HEAD + 1 + numSpecTokens;
		} else if (op === OP_EVENT_TEXT) {
			out.events.text(strings[values[at + 1]!]!);
			at += 2;
		} else if (op === OP_REQUEST_TEXT) {
			out.requests.text(strings[values[at + 1]!]!);
			at += 2;
		} else if (op === OP_LOG_TEXT) {
			out.log.text(strings[values[at + 1]!]!);
			at += 2;
		} else if (op === OP_VALUES && scrapes !== undefined) {
			const count = values[at + 2]!;
			scrapes.values(values[at + 1]!, values.subarray(at + 3, at + 3 + count), count);
			at += 3 + count;
		} else if (op === OP_SCRAPE && scrapes !== undefined) {
			scrapes.scrape(values[at + 1]!);
			at += 2;
		} else if (op === OP_SERIES && scrapes !== undefined) {
			const count = values[at + 2]!;
			const created = values[at + 3]!;
			const prefixes: string[] = [];
			for (let i = 0; i < count; i++) prefixes.push(strings[values[at + 4 + i]!]!);
			scrapes.series(values[at + 1]!, prefixes, created < 0 ? undefined : strings[created]!);
			at += 4 + count;
		} else {
			throw new RangeError(`record batch: unknown opcode ${op} at ${at}`);
		}
	}
}
