import type {SleepOperation} from '../engine/faults.js';
import type {StepWork} from '../engine/step-work.js';
import type {PromStepView} from '../metrics/prom/attach.js';
import type {ServerRequestFields, RefusedRequestFields} from '../metrics/prom/simulated-server.js';
import {SpecDecodingStats} from '../metrics/stats/spec-decoding-stats.js';
import type {FinishedRequestFields} from '../sim/finished-request.js';
import {LineBuffer} from './line-buffer.js';
import {type RequestRecordFields, writeRequestRecord} from './request-record.js';
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
const OP_REQUEST = 2;
const OP_EVENT_TEXT = 3;
const OP_LOG_TEXT = 4;
const OP_REQUEST_TEXT = 5;
/**
 * The Prometheus side of `generate` (see {@link PromRecords}): a step's stats with its `step`
 * record, a refused request, a sleep state or operation, a sampled KV block eviction, a scrape of
 * the registry, the clock at the end.
 */
const OP_PROM_STEP = 9;
const OP_REFUSED = 10;
const OP_SLEEP_STATE = 11;
const OP_SLEEP_OPERATION = 12;
const OP_EVICTION = 13;
const OP_PROM_SCRAPE = 14;
const OP_CLOCK = 15;

/** Values of a request record before its acceptance histogram. */
const REQUEST_HEAD = 21;
/** Values of a {@link OP_PROM_STEP} record before its MFU work, TTFT values, inter-token latency runs and draft pairs. */
const PROM_STEP_HEAD = 20;
/** Sleep-mode operations by index in {@link OP_SLEEP_OPERATION} records. */
const SLEEP_OPERATIONS: readonly SleepOperation[] = ['sleep', 'wake'];

/** A finished request's fields beyond its record's that the Prometheus families read (NaN or -1 when not given). */
type PromRequestFields = Pick<FinishedRequestFields, 'scheduledAt' | 'lastTokenAt' | 'maxTokensParam' | 'numCachedTokens'> &
	Pick<ServerRequestFields, 'classIndex'>;

/**
 * A step as {@link RecordBatchWriter.promStep} reads it (the engine's `StepOutcome`): the
 * Prometheus fields, and for the `step` record its end time and draft pairs.
 */
export type PromStepRecord = PromStepView & {readonly t: number; readonly draftPairs: Int32Array; readonly numDraftPairs: number};

/**
 * Where a batch's Prometheus records go on the serialising thread (`prom-records.ts`): the engine's
 * and the simulated server's feeds, in record order. A scrape is only noted: {@link renderBatchInto}
 * returns after it, and the caller takes it (asynchronously) before reading on.
 */
export interface PromRecords {
	step(view: PromStepView, work: StepWork | undefined): void;
	finished(engine: number, request: FinishedRequestFields & ServerRequestFields): void;
	refused(spec: RefusedRequestFields, responseBytes: number): void;
	sleepState(engine: number, level: number): void;
	sleepOperation(operation: SleepOperation, t: number, phase: 'begin' | 'end', durationS: number): void;
	eviction(engine: number, lifetimeS: number, idleS: number, gaps: ArrayLike<number>, numGaps: number): void;
	scrape(t: number, timestampS: number): void;
	clock(t: number): void;
}

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
 */
export class RecordBatchWriter {
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
	 * A line of `requests.jsonl` (see {@link writeRequestRecord}), and with the engine's request
	 * the fields its Prometheus observations read besides (see {@link PromRecords.finished}).
	 */
	request(request: RequestRecordFields & Partial<PromRequestFields>, engine: number, numSpecTokens: number): void {
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
		values[at++] = request.scheduledAt ?? Number.NaN;
		values[at++] = request.lastTokenAt ?? Number.NaN;
		values[at++] = request.maxTokensParam ?? -1;
		values[at++] = request.numCachedTokens ?? -1;
		values[at++] = request.classIndex ?? 0;
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

	/**
	 * A step's Prometheus stats ({@link PromRecords.step}; `work`: its MFU work, when enabled and the
	 * step scheduled tokens) and, when it drafted, its `SpecDecodingStats` and its `step` record of
	 * `events.jsonl` (the draft pairs).
	 */
	promStep(out: PromStepRecord, work: StepWork | undefined): void {
		const ttft = out.ttft;
		const itl = out.interTokenLatency;
		const numPairs = out.specStats === undefined ? 0 : out.numDraftPairs;
		const k = out.specStats === undefined ? -1 : out.specStats.numSpecTokens;
		const values = this.#reserve(PROM_STEP_HEAD + 3 + ttft.length + 2 * itl.length + (k < 0 ? 0 : 3 + 2 * (k + 1)) + numPairs);
		let at = this.#length;
		values[at++] = OP_PROM_STEP;
		values[at++] = out.t;
		values[at++] = out.engine;
		values[at++] = k;
		values[at++] = numPairs;
		values[at++] = out.numRunning;
		values[at++] = out.numWaitingCapacity;
		values[at++] = out.numWaitingDeferred;
		values[at++] = out.kvUsage;
		values[at++] = out.sleepLevel;
		values[at++] = out.promptTokens;
		values[at++] = out.promptTokensCached;
		values[at++] = out.generationTokens;
		values[at++] = out.prefixCache.queries;
		values[at++] = out.prefixCache.hits;
		values[at++] = out.numPreemptions;
		values[at++] = out.numScheduledTokens;
		values[at++] = work === undefined ? 0 : 1;
		values[at++] = ttft.length;
		values[at++] = itl.length;
		if (work !== undefined) {
			values[at++] = work.flops;
			values[at++] = work.readBytes;
			values[at++] = work.writeBytes;
		}
		for (let i = 0; i < ttft.length; i++) values[at++] = ttft.values[i]!;
		for (let i = 0; i < itl.length; i++) {
			values[at++] = itl.values[i]!;
			values[at++] = itl.counts[i]!;
		}
		const stats = out.specStats;
		if (stats !== undefined) {
			// The step's SpecDecodingStats as they are (the pairs below hold the same, but summing them again costs the worker more).
			values[at++] = stats.numDrafts;
			values[at++] = stats.numDraftTokens;
			values[at++] = stats.numAcceptedTokens;
			const accepted = stats.acceptedHistogram;
			const drafted = stats.draftedHistogram;
			for (let j = 0; j < accepted.length; j++) values[at++] = accepted[j]!;
			for (let j = 0; j < drafted.length; j++) values[at++] = drafted[j]!;
		}
		const ints = this.#ints;
		const from = 2 * at;
		const end = 2 * numPairs;
		const pairs = out.draftPairs;
		for (let i = 0; i < end; i++) ints[from + i] = pairs[i]!;
		this.#length = at + numPairs;
	}

	/** A request the API server refused with HTTP 400 (its `requests.jsonl` line goes apart, {@link requestText}). */
	refused(spec: RefusedRequestFields, responseBytes: number): void {
		const values = this.#reserve(5);
		let at = this.#length;
		values[at++] = OP_REFUSED;
		values[at++] = spec.classIndex;
		values[at++] = spec.arrivalAt;
		values[at++] = spec.promptTokens;
		values[at++] = responseBytes;
		this.#length = at;
	}

	sleepState(engine: number, level: number): void {
		const values = this.#reserve(3);
		let at = this.#length;
		values[at++] = OP_SLEEP_STATE;
		values[at++] = engine;
		values[at++] = level;
		this.#length = at;
	}

	sleepOperation(operation: SleepOperation, t: number, phase: 'begin' | 'end', durationS: number): void {
		const values = this.#reserve(5);
		let at = this.#length;
		values[at++] = OP_SLEEP_OPERATION;
		values[at++] = SLEEP_OPERATIONS.indexOf(operation);
		values[at++] = t;
		values[at++] = phase === 'begin' ? 0 : 1;
		values[at++] = durationS;
		this.#length = at;
	}

	eviction(engine: number, lifetimeS: number, idleS: number, gaps: ArrayLike<number>, numGaps: number): void {
		const values = this.#reserve(5 + numGaps);
		let at = this.#length;
		values[at++] = OP_EVICTION;
		values[at++] = engine;
		values[at++] = lifetimeS;
		values[at++] = idleS;
		values[at++] = numGaps;
		for (let i = 0; i < numGaps; i++) values[at++] = gaps[i]!;
		this.#length = at;
	}

	/** A scrape of the registry at virtual time `t`, stamped `timestampS`, after every record before it. */
	promScrape(t: number, timestampS: number): void {
		const values = this.#reserve(3);
		let at = this.#length;
		values[at++] = OP_PROM_SCRAPE;
		values[at++] = t;
		values[at++] = timestampS;
		this.#length = at;
	}

	/** The simulation's clock (the process collector reads it): at the end, for the final exposition. */
	clock(t: number): void {
		const values = this.#reserve(2);
		values[this.#length++] = OP_CLOCK;
		values[this.#length++] = t;
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
type MutableRequestFields = {-readonly [K in keyof RequestRecordFields]: RequestRecordFields[K]} & {acceptanceHistogram: number[]} & {
	-readonly [K in keyof PromRequestFields]: PromRequestFields[K];
};

/** A step's Prometheus fields read back from a batch (one object, refilled for every step record). */
type MutableStepView = {-readonly [K in keyof PromStepView]: PromStepView[K]} & {
	prefixCache: {queries: number; hits: number};
	ttft: {length: number; values: Float64Array};
	interTokenLatency: {length: number; values: Float64Array; counts: Float64Array};
};

/** Where {@link renderBatchInto} appends a batch's lines: one buffer per streamed file. */
export type BatchOutput = {readonly events: LineBuffer; readonly requests: LineBuffer; readonly log: LineBuffer};

/**
 * Serialise a batch into the bytes of `events.jsonl`, `requests.jsonl` and `vllm.log`, by the same
 * writers `generate` used on the records themselves (so the bytes are the same).
 */
export function renderBatch(
	message: BatchMessage,
	out: BatchOutput = {events: new LineBuffer(), requests: new LineBuffer(), log: new LineBuffer()},
): RenderedBatch {
	renderBatchInto(message, out);
	return {events: out.events.take(), requests: out.requests.take(), log: out.log.take()};
}

/**
 * {@link renderBatch} appending to `out` without taking the bytes: the serialising thread writes
 * them from the buffers and reuses the buffers for the next batch (no allocation per batch). The
 * Prometheus records go to `prom` (skipped without one). Reads from value `from` up to the end of
 * the batch or just past a scrape of the registry, and returns where it stopped: the caller takes
 * the scrape ({@link PromRecords.scrape}) and reads on from there.
 */
export function renderBatchInto(message: BatchMessage, out: BatchOutput, prom?: PromRecords, from = 0): number {
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
		scheduledAt: 0,
		lastTokenAt: 0,
		maxTokensParam: -1,
		numCachedTokens: -1,
		classIndex: 0,
	};
	const histogram = request.acceptanceHistogram;
	for (let at = from; at < values.length; ) {
		const op = values[at]!;
		if (op === OP_PROM_STEP) {
			at = readPromStep(values, ints, at, out.events, prom);
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
			request.scheduledAt = values[at + 16]!;
			request.lastTokenAt = values[at + 17]!;
			request.maxTokensParam = values[at + 18]!;
			request.numCachedTokens = values[at + 19]!;
			request.classIndex = values[at + 20]!;
			// Positions 0..k, missing ones already written as 0 (as the record writer reads them).
			histogram.length = numSpecTokens + 1;
			for (let i = 0; i <= numSpecTokens; i++) histogram[i] = values[at + REQUEST_HEAD + i]!;
			writeRequestRecord(out.requests, request, engine, numSpecTokens);
			prom?.finished(engine, request);
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
		} else if (op === OP_REFUSED) {
			if (prom !== undefined) {
				refusedSpec.classIndex = values[at + 1]!;
				refusedSpec.arrivalAt = values[at + 2]!;
				refusedSpec.promptTokens = values[at + 3]!;
				prom.refused(refusedSpec, values[at + 4]!);
			}
			at += 5;
		} else if (op === OP_SLEEP_STATE) {
			prom?.sleepState(values[at + 1]!, values[at + 2]!);
			at += 3;
		} else if (op === OP_SLEEP_OPERATION) {
			prom?.sleepOperation(SLEEP_OPERATIONS[values[at + 1]!]!, values[at + 2]!, values[at + 3] === 0 ? 'begin' : 'end', values[at + 4]!);
			at += 5;
		} else if (op === OP_EVICTION) {
			const numGaps = values[at + 4]!;
			prom?.eviction(values[at + 1]!, values[at + 2]!, values[at + 3]!, values.subarray(at + 5, at + 5 + numGaps), numGaps);
			at += 5 + numGaps;
		} else if (op === OP_PROM_SCRAPE) {
			const t = values[at + 1]!;
			const timestampS = values[at + 2]!;
			at += 3;
			if (prom !== undefined) {
				prom.scrape(t, timestampS);
				return at;
			}
		} else if (op === OP_CLOCK) {
			prom?.clock(values[at + 1]!);
			at += 2;
		} else {
			throw new RangeError(`record batch: unknown opcode ${op} at ${at}`);
		}
	}
	return values.length;
}

/**
 * One {@link OP_PROM_STEP} record at `at`: its `step` line (when it drafted) into `events`, its
 * stats to `prom`; returns where the next record starts. Apart from {@link renderBatchInto}'s
 * loop, which stays small enough for V8 to optimise as a whole.
 */
function readPromStep(values: Float64Array, ints: Int32Array, at: number, events: LineBuffer, prom: PromRecords | undefined): number {
	const numPairs = values[at + 4]!;
	const hasWork = values[at + 17] === 1;
	const numTtft = values[at + 18]!;
	const numItl = values[at + 19]!;
	let next = at + PROM_STEP_HEAD + (hasWork ? 3 : 0);
	const k = values[at + 3]!;
	const statsAt = next + numTtft + 2 * numItl;
	const pairsAt = statsAt + (k < 0 ? 0 : 3 + 2 * (k + 1));
	const pairs = ints.subarray(2 * pairsAt, 2 * (pairsAt + numPairs));
	if (k >= 0) writeStepRecord(events, values[at + 1]!, values[at + 2]!, k, pairs, numPairs);
	if (prom !== undefined) {
		const view = stepView;
		view.engine = values[at + 2]!;
		view.specStats = k >= 0 ? specStatsAt(values, statsAt, k) : undefined;
		view.numRunning = values[at + 5]!;
		view.numWaitingCapacity = values[at + 6]!;
		view.numWaitingDeferred = values[at + 7]!;
		view.kvUsage = values[at + 8]!;
		view.sleepLevel = values[at + 9]!;
		view.promptTokens = values[at + 10]!;
		view.promptTokensCached = values[at + 11]!;
		view.generationTokens = values[at + 12]!;
		view.prefixCache.queries = values[at + 13]!;
		view.prefixCache.hits = values[at + 14]!;
		view.numPreemptions = values[at + 15]!;
		view.numScheduledTokens = values[at + 16]!;
		if (hasWork) {
			stepWork.flops = values[at + PROM_STEP_HEAD]!;
			stepWork.readBytes = values[at + PROM_STEP_HEAD + 1]!;
			stepWork.writeBytes = values[at + PROM_STEP_HEAD + 2]!;
		}
		const ttft = view.ttft;
		if (ttft.values.length < numTtft) ttft.values = new Float64Array(2 * numTtft);
		for (let i = 0; i < numTtft; i++) ttft.values[i] = values[next++]!;
		ttft.length = numTtft;
		const itl = view.interTokenLatency;
		if (itl.values.length < numItl) {
			itl.values = new Float64Array(2 * numItl);
			itl.counts = new Float64Array(2 * numItl);
		}
		for (let i = 0; i < numItl; i++) {
			itl.values[i] = values[next++]!;
			itl.counts[i] = values[next++]!;
		}
		itl.length = numItl;
		prom.step(view, hasWork ? stepWork : undefined);
	}
	return pairsAt + numPairs;
}

/** Reused by {@link renderBatchInto} (one thread reads one batch at a time). */
const stepView: MutableStepView = {
	engine: 0,
	specStats: undefined,
	numRunning: 0,
	numWaitingCapacity: 0,
	numWaitingDeferred: 0,
	kvUsage: 0,
	sleepLevel: 0,
	promptTokens: 0,
	promptTokensCached: 0,
	generationTokens: 0,
	prefixCache: {queries: 0, hits: 0},
	numPreemptions: 0,
	numScheduledTokens: 0,
	ttft: {length: 0, values: new Float64Array(16)},
	interTokenLatency: {length: 0, values: new Float64Array(16), counts: new Float64Array(16)},
};
const stepWork: StepWork = {flops: 0, readBytes: 0, writeBytes: 0};
const refusedSpec: {-readonly [K in keyof RefusedRequestFields]: RefusedRequestFields[K]} = {classIndex: 0, arrivalAt: 0, promptTokens: 0};
/** One `SpecDecodingStats` per k, refilled for every step that drafted. */
const specStats: SpecDecodingStats[] = [];

/** The step's `SpecDecodingStats` as {@link RecordBatchWriter.promStep} wrote them at `at`. */
function specStatsAt(values: Float64Array, at: number, k: number): SpecDecodingStats {
	let stats = specStats[k];
	if (stats === undefined) {
		stats = new SpecDecodingStats(k);
		specStats[k] = stats;
	}
	stats.numDrafts = values[at]!;
	stats.numDraftTokens = values[at + 1]!;
	stats.numAcceptedTokens = values[at + 2]!;
	const accepted = stats.acceptedHistogram;
	const drafted = stats.draftedHistogram;
	for (let j = 0; j <= k; j++) {
		accepted[j] = values[at + 3 + j]!;
		drafted[j] = values[at + 4 + k + j]!;
	}
	return stats;
}
