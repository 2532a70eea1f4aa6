import type {RequestSpec, SimRequest} from '../engine/request.js';
import {asciiBytes, type LineBuffer} from './line-buffer.js';

// The record's fixed text between its values, in order.
const ID = asciiBytes('{"id":');
const ENGINE = asciiBytes(',"engine":');
const ARRIVAL_TIME = asciiBytes(',"arrival_time":');
const FIRST_TOKEN_TIME = asciiBytes(',"first_token_time":');
const FINISH_TIME = asciiBytes(',"finish_time":');
const PROMPT_TOKENS = asciiBytes(',"prompt_tokens":');
const OUTPUT_TOKENS = asciiBytes(',"output_tokens":');
const FINISH_REASON = asciiBytes(',"finish_reason":');
const NUM_PREEMPTIONS = asciiBytes(',"num_preemptions":');
const CONVERSATION = asciiBytes(',"conversation":');
const TURN = asciiBytes(',"turn":');
const SPEC_NUM_SPEC_TOKENS = asciiBytes(',"speculative_decoding":{"num_spec_tokens":');
const NUM_SPEC_STEPS = asciiBytes(',"num_spec_steps":');
const NUM_DRAFT_TOKENS = asciiBytes(',"num_draft_tokens":');
const NUM_ACCEPTED = asciiBytes(',"num_accepted_draft_tokens":');
const HISTOGRAM = asciiBytes(',"acceptance_histogram":[');
const MEAN_ACCEPTANCE_LENGTH = asciiBytes('],"mean_acceptance_length":');
const DRAFT_ACCEPTANCE_RATE = asciiBytes(',"draft_acceptance_rate":');
const END = asciiBytes('}}\n');

/**
 * The `requests.jsonl` line (with its newline) of a request the API server refused with HTTP 400
 * (its prompt does not fit `max_model_len`): the fields of a finished request where they apply
 * (`engine`, `first_token_time` and `finish_reason` null: no engine saw it; `finish_time` when the
 * 400 was sent; `output_tokens` and `num_preemptions` 0; `conversation` and `turn` for a turn),
 * then `http_status` (400) and `error` (the response's message) instead of `speculative_decoding`.
 */
export function refusedRequestRecord(spec: RequestSpec, finishAt: number, message: string): string {
	const turn = spec.conversation === undefined ? {} : {conversation: spec.conversation, turn: spec.turn ?? 0};
	const record = {
		id: spec.id,
		engine: null,
		arrival_time: spec.arrivalAt,
		first_token_time: null,
		finish_time: finishAt,
		prompt_tokens: spec.promptTokens,
		output_tokens: 0,
		finish_reason: null,
		num_preemptions: 0,
		...turn,
		http_status: 400,
		error: message,
	};
	return `${JSON.stringify(record)}\n`;
}

/** What a `requests.jsonl` record reads from a finished request. */
export type RequestRecordFields = Pick<
	SimRequest,
	| 'id'
	| 'arrivalAt'
	| 'firstTokenAt'
	| 'finishedAt'
	| 'promptTokens'
	| 'numOutputTokens'
	| 'finishReason'
	| 'numPreemptions'
	| 'conversation'
	| 'turn'
	| 'numSpecSteps'
	| 'numDraftTokens'
	| 'numAcceptedDraftTokens'
	| 'acceptanceHistogram'
>;

/**
 * One line of `requests.jsonl` and its newline: a finished request with its timing and its
 * spec-decode summary in the shape of vLLM's per-request metrics (`metrics.speculative_decoding`,
 * PR #48915). A turn of a multi-turn conversation also carries `conversation` (its id) and `turn`
 * (from 1), after `num_preemptions`.
 *
 * Written field by field into `out` rather than through `JSON.stringify` of an object: `generate`
 * writes one per finished request, and building and walking the nested object cost more than
 * simulating the request. The bytes equal `JSON.stringify` of the same record (same key order,
 * numbers as JSON prints them; `test/cli/serialisers.test.ts` checks it on random records).
 */
export function writeRequestRecord(out: LineBuffer, request: RequestRecordFields, engine: number, numSpecTokens: number): void {
	const steps = request.numSpecSteps;
	const drafted = request.numDraftTokens;
	const accepted = request.numAcceptedDraftTokens;
	out
		.bytes(ID)
		.number(request.id)
		.bytes(ENGINE)
		.number(engine)
		.bytes(ARRIVAL_TIME)
		.number(request.arrivalAt)
		.bytes(FIRST_TOKEN_TIME)
		.number(request.firstTokenAt)
		.bytes(FINISH_TIME)
		.number(request.finishedAt)
		.bytes(PROMPT_TOKENS)
		.number(request.promptTokens)
		.bytes(OUTPUT_TOKENS)
		.number(request.numOutputTokens)
		.bytes(FINISH_REASON)
		.text(quotedReason(request.finishReason))
		.bytes(NUM_PREEMPTIONS)
		.number(request.numPreemptions);
	if (request.conversation >= 0) out.bytes(CONVERSATION).number(request.conversation).bytes(TURN).number(request.turn);
	out
		.bytes(SPEC_NUM_SPEC_TOKENS)
		.number(numSpecTokens)
		.bytes(NUM_SPEC_STEPS)
		.number(steps)
		.bytes(NUM_DRAFT_TOKENS)
		.number(drafted)
		.bytes(NUM_ACCEPTED)
		.number(accepted)
		.bytes(HISTOGRAM);
	const histogram = request.acceptanceHistogram;
	for (let i = 0; i <= numSpecTokens; i++) {
		if (i > 0) out.byte(44);
		out.number(histogram[i] ?? 0);
	}
	out
		.bytes(MEAN_ACCEPTANCE_LENGTH)
		.number(steps > 0 ? 1 + accepted / steps : 1)
		.bytes(DRAFT_ACCEPTANCE_RATE)
		.number(drafted > 0 ? accepted / drafted : 0)
		.bytes(END);
}

const QUOTED_REASONS = new Map<string, string>();

/** `finish_reason` as a JSON string (a handful of values: each quoted once). */
function quotedReason(reason = 'stop'): string {
	let quoted = QUOTED_REASONS.get(reason);
	if (quoted === undefined) {
		quoted = JSON.stringify(reason);
		QUOTED_REASONS.set(reason, quoted);
	}
	return quoted;
}
