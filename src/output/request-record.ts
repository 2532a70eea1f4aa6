import type {SimRequest} from '../engine/request.js';

/**
 * One line of `requests.jsonl`: a finished request with its timing and its spec-decode summary in
 * the shape of vLLM's per-request metrics (`metrics.speculative_decoding`, PR #48915).
 */
export function requestRecord(request: SimRequest, engine: number, numSpecTokens: number): string {
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
