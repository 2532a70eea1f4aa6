/**
 * `str(FinishReason)` for every member of the newest vLLM's enum (`vllm/v1/engine/__init__.py`
 * `FINISH_REASON_STRINGS`), in enum order: vLLM pre-creates a `vllm:request_success` series for each.
 */
export const FINISH_REASONS: readonly string[] = Object.freeze(['stop', 'length', 'abort', 'error', 'repetition']);

/**
 * What vLLM's `FinishedRequestStats` (`vllm/v1/metrics/stats.py`) carries for one finished
 * request, in seconds and tokens. The simulation fills one reused instance per finished request
 * (no allocation); the Prometheus edge and the loggers read it.
 *
 * Phases follow vLLM's engine-core events: queued = first SCHEDULED - QUEUED; prefill = first
 * token - first SCHEDULED; decode = last token - first token; inference = last token - first
 * SCHEDULED (preemptions included in each); mean time per output token = decode / (tokens - 1),
 * 0 with a single token.
 */
export type FinishedRequestStats = {
	/** `str(FinishReason)`: `stop`, `length`, `abort`, `error` or `repetition`. */
	finishReason: string;
	e2eLatency: number;
	numPromptTokens: number;
	numGenerationTokens: number;
	/** `SamplingParams.max_tokens`; 0 when the request set none (vLLM then observes nothing). */
	maxTokensParam: number;
	/** `SamplingParams.n`. */
	n: number;
	/**
	 * How far the request got (the newest vLLM's `timing`): 0 rejected before being scheduled (no
	 * phase is observed), 1 scheduled but no token (only the queue time), 2 produced a token.
	 */
	progress: 0 | 1 | 2;
	queuedTime: number;
	prefillTime: number;
	inferenceTime: number;
	decodeTime: number;
	meanTimePerOutputToken: number;
	/** Prompt tokens served from a cache (local prefix cache or KV transfer). */
	numCachedTokens: number;
};

/** A zeroed instance to fill. */
export function newFinishedRequestStats(): FinishedRequestStats {
	return {
		finishReason: 'stop',
		e2eLatency: 0,
		numPromptTokens: 0,
		numGenerationTokens: 0,
		maxTokensParam: 0,
		n: 1,
		progress: 2,
		queuedTime: 0,
		prefillTime: 0,
		inferenceTime: 0,
		decodeTime: 0,
		meanTimePerOutputToken: 0,
		numCachedTokens: 0,
	};
}
