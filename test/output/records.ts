import {fc} from '@fast-check/vitest';
import type {RecordBatchWriter} from '../../src/output/record-batch.js';
import {SpecDecodingStats} from '../../src/metrics/stats/spec-decoding-stats.js';
import type {RequestRecordFields} from '../../src/output/request-record.js';

/** The specification: the record as an object through JSON.stringify (what requests.jsonl always held). */
export function requestRecordByStringify(request: RequestRecordFields, engine: number, numSpecTokens: number): string {
	const histogram = request.acceptanceHistogram.slice(0, numSpecTokens + 1);
	while (histogram.length < numSpecTokens + 1) histogram.push(0);
	return JSON.stringify({
		id: request.id,
		engine,
		arrival_time: request.arrivalAt,
		first_token_time: request.firstTokenAt,
		finish_time: request.finishedAt,
		prompt_tokens: request.promptTokens,
		output_tokens: request.numOutputTokens,
		finish_reason: request.finishReason ?? 'stop',
		num_preemptions: request.numPreemptions,
		...(request.conversation >= 0 ? {conversation: request.conversation, turn: request.turn} : {}),
		speculative_decoding: {
			num_spec_tokens: numSpecTokens,
			num_spec_steps: request.numSpecSteps,
			num_draft_tokens: request.numDraftTokens,
			num_accepted_draft_tokens: request.numAcceptedDraftTokens,
			acceptance_histogram: histogram,
			mean_acceptance_length: request.numSpecSteps > 0 ? 1 + request.numAcceptedDraftTokens / request.numSpecSteps : 1,
			draft_acceptance_rate: request.numDraftTokens > 0 ? request.numAcceptedDraftTokens / request.numDraftTokens : 0,
		},
	});
}

export const count = fc.oneof(fc.nat({max: 20}), fc.nat(), fc.constantFrom(2 ** 40 + 3, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 10, 100, 1e15));
// Times as the engine produces them, plus the values JSON prints specially (NaN: no first token yet).
export const time = fc.oneof(
	fc.double({min: 0, max: 1e6, noNaN: true}),
	fc.double(),
	fc.constantFrom(Number.NaN, -0, 0.1 + 0.2, 1e21, 5e-324, Number.POSITIVE_INFINITY),
);
/** A finished request's record fields, including values no engine produces (the writers must still match JSON). */
export const request: fc.Arbitrary<RequestRecordFields> = fc.record({
	id: count,
	arrivalAt: time,
	firstTokenAt: time,
	finishedAt: time,
	promptTokens: count,
	numOutputTokens: count,
	finishReason: fc.constantFrom('stop', 'length', 'abort', undefined),
	numPreemptions: count,
	conversation: fc.oneof(fc.constant(-1), count),
	turn: count,
	numSpecSteps: count,
	numDraftTokens: count,
	numAcceptedDraftTokens: count,
	acceptanceHistogram: fc.array(count, {maxLength: 12}),
});

/** One record `generate` writes: a step (events.jsonl), a finished request, a serialised event line, a vllm.log line. */
export type Item =
	| {kind: 'step'; t: number; engine: number; k: number; pairs: Array<[number, number]>}
	| {kind: 'request'; request: RequestRecordFields; engine: number; k: number}
	| {kind: 'event'; line: string}
	| {kind: 'log'; line: string};

const pairValue = fc.oneof(fc.nat({max: 8}), fc.nat({max: 300}));
const line = fc.string({unit: 'binary'}).map(text => `${text}\n`);
export const item: fc.Arbitrary<Item> = fc.oneof(
	fc.record({
		kind: fc.constant('step' as const),
		t: fc.oneof(fc.double({min: 0, max: 1e6, noNaN: true}), fc.constantFrom(0, -0, 0.1 + 0.2, 1e21, 5e-324)),
		engine: fc.nat({max: 64}),
		// A step record is written for a step that drafted, so with the k it drafted with (at least 1).
		k: fc.integer({min: 1, max: 64}),
		pairs: fc.array(fc.tuple(pairValue, pairValue), {maxLength: 300}),
	}),
	fc.record({kind: fc.constant('request' as const), request, engine: fc.nat({max: 64}), k: fc.integer({min: 0, max: 8})}),
	fc.record({kind: fc.constant('event' as const), line}),
	fc.record({kind: fc.constant('log' as const), line}),
);

/** The fields of a step that drafted, beside its `step` record's, as the engine leaves them when nothing else happened. */
const quietStep = {
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
	ttft: {length: 0, values: []},
	interTokenLatency: {length: 0, values: [], counts: []},
};

/**
 * Hand `record` to a batch writer as generate does: a step through `promStep` (its `step` record
 * goes with its Prometheus stats), its pairs in a reused buffer with stale values after them.
 */
export function writeItem(writer: RecordBatchWriter, record: Item): void {
	if (record.kind === 'step') {
		const flat = new Int32Array(2 * record.pairs.length + 4).fill(7);
		record.pairs.forEach(([d, a], i) => {
			flat[2 * i] = d;
			flat[2 * i + 1] = a;
		});
		const specStats = new SpecDecodingStats(record.k);
		writer.promStep({...quietStep, t: record.t, engine: record.engine, specStats, draftPairs: flat, numDraftPairs: record.pairs.length}, undefined);
	} else if (record.kind === 'request') writer.request(record.request, record.engine, record.k);
	else if (record.kind === 'event') writer.eventText(record.line);
	else writer.logText(record.line);
}

/** The three files the records make, each line by JSON.stringify (the specification). */
export function expectedFiles(records: readonly Item[]): {events: string; requests: string; log: string} {
	const files = {events: '', requests: '', log: ''};
	for (const record of records) {
		if (record.kind === 'step')
			files.events += `${JSON.stringify({type: 'step', t: record.t, engine: record.engine, num_spec_tokens: record.k, drafts: record.pairs})}\n`;
		else if (record.kind === 'request') files.requests += `${requestRecordByStringify(record.request, record.engine, record.k)}\n`;
		else if (record.kind === 'event') files.events += record.line;
		else files.log += record.line;
	}
	// As UTF-8 would carry them (lone surrogates become U+FFFD).
	return {
		events: Buffer.from(files.events, 'utf8').toString('utf8'),
		requests: files.requests,
		log: Buffer.from(files.log, 'utf8').toString('utf8'),
	};
}
