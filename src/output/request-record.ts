import type {SimRequest} from '../engine/request.js';
import type {LineBuffer} from './line-buffer.js';

/**
 * One line of `requests.jsonl` and its newline: a finished request with its timing and its
 * spec-decode summary in the shape of vLLM's per-request metrics (`metrics.speculative_decoding`,
 * PR #48915).
 *
 * Written field by field into `out` rather than through `JSON.stringify` of an object: `generate`
 * writes one per finished request, and building and walking the nested object cost more than
 * simulating the request. The bytes equal `JSON.stringify` of the same record (same key order,
 * numbers as JSON prints them; `test/cli/serialisers.test.ts` checks it on random records).
 */
export function writeRequestRecord(out: LineBuffer, request: SimRequest, engine: number, numSpecTokens: number): void {
	const steps = request.numSpecSteps;
	const drafted = request.numDraftTokens;
	const accepted = request.numAcceptedDraftTokens;
	out
		.text('{"id":')
		.number(request.id)
		.text(',"engine":')
		.number(engine)
		.text(',"arrival_time":')
		.number(request.arrivalAt)
		.text(',"first_token_time":')
		.number(request.firstTokenAt)
		.text(',"finish_time":')
		.number(request.finishedAt)
		.text(',"prompt_tokens":')
		.number(request.promptTokens)
		.text(',"output_tokens":')
		.number(request.numOutputTokens)
		.text(',"finish_reason":')
		.text(JSON.stringify(request.finishReason ?? 'stop'))
		.text(',"num_preemptions":')
		.number(request.numPreemptions)
		.text(',"speculative_decoding":{"num_spec_tokens":')
		.number(numSpecTokens)
		.text(',"num_spec_steps":')
		.number(steps)
		.text(',"num_draft_tokens":')
		.number(drafted)
		.text(',"num_accepted_draft_tokens":')
		.number(accepted)
		.text(',"acceptance_histogram":[');
	const histogram = request.acceptanceHistogram;
	for (let i = 0; i <= numSpecTokens; i++) {
		if (i > 0) out.byte(44);
		out.number(histogram[i] ?? 0);
	}
	out
		.text('],"mean_acceptance_length":')
		.number(steps > 0 ? 1 + accepted / steps : 1)
		.text(',"draft_acceptance_rate":')
		.number(drafted > 0 ? accepted / drafted : 0)
		.text('}}\n');
}
