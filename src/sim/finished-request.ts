import type {SimRequest} from '../engine/request.js';
import type {FinishedRequestStats} from '../metrics/stats/finished-request.js';

/** What {@link fillFinishedRequestStats} reads of a finished request. */
export type FinishedRequestFields = Pick<
	SimRequest,
	| 'arrivalAt'
	| 'scheduledAt'
	| 'firstTokenAt'
	| 'lastTokenAt'
	| 'finishedAt'
	| 'finishReason'
	| 'promptTokens'
	| 'numOutputTokens'
	| 'maxTokensParam'
	| 'numCachedTokens'
>;

/**
 * Fill `target` with what vLLM's `IterationStats.update_from_finished_request` computes for a
 * finished request (`vllm/v1/metrics/stats.py`): e2e from arrival; queued from arrival (the
 * engine's QUEUED event: specsim queues on arrival) to the first scheduling step's start; prefill
 * to the first token; decode from the first to the last token; inference from the first
 * scheduling to the last token; mean time per output token over tokens after the first.
 *
 * `max_tokens` is the request's SamplingParams value (vLLM's `max_tokens_param`): the client's,
 * as `specsim serve` resolves it, else what vLLM's OpenAI server sends when the client sets none,
 * `max_model_len - prompt_len` (specsim's workload draws the output length, not a limit).
 */
export function fillFinishedRequestStats(target: FinishedRequestStats, request: FinishedRequestFields, maxModelLen: number): FinishedRequestStats {
	const scheduled = !Number.isNaN(request.scheduledAt);
	const produced = !Number.isNaN(request.firstTokenAt);
	const decode = produced ? request.lastTokenAt - request.firstTokenAt : 0;
	target.finishReason = request.finishReason ?? 'stop';
	target.e2eLatency = request.finishedAt - request.arrivalAt;
	target.numPromptTokens = request.promptTokens;
	target.numGenerationTokens = request.numOutputTokens;
	target.maxTokensParam = request.maxTokensParam >= 0 ? request.maxTokensParam : Math.max(0, maxModelLen - request.promptTokens);
	target.n = 1;
	target.progress = produced ? 2 : scheduled ? 1 : 0;
	target.queuedTime = scheduled ? request.scheduledAt - request.arrivalAt : 0;
	target.prefillTime = produced ? request.firstTokenAt - request.scheduledAt : 0;
	target.decodeTime = decode;
	target.inferenceTime = produced ? request.lastTokenAt - request.scheduledAt : 0;
	target.meanTimePerOutputToken = request.numOutputTokens - 1 > 0 ? decode / (request.numOutputTokens - 1) : 0;
	target.numCachedTokens = Math.max(request.numCachedTokens, 0);
	return target;
}
