import type {RequestSpec} from './request.js';

/** Scheduler limits, with vLLM's names. */
export type SchedulerConfig = {
	/** `max_num_seqs`: most requests in a batch. */
	readonly maxNumSeqs: number;
	/** `max_num_batched_tokens`: token budget of one step. */
	readonly maxNumBatchedTokens: number;
	/** `max_model_len`: prompt plus output tokens of one request. */
	readonly maxModelLen: number;
	/** KV-cache capacity in blocks of `blockSize` tokens. */
	readonly numKvBlocks: number;
	/** @default 16 */
	readonly blockSize?: number;
	/** Chunked prefill (vLLM v1 default on): a prompt larger than the budget is split across steps. @default true */
	readonly chunkedPrefill?: boolean;
	/** `long_prefill_token_threshold`: cap on one request's prefill tokens per step (0 = none). @default 0 */
	readonly longPrefillTokenThreshold?: number;
	/**
	 * Clamp accepted tokens at the request's remaining output tokens. vLLM does not (it counts
	 * accepted tokens before stop truncation, issue #56101); on for "what the user got" accounting.
	 * @default false
	 */
	readonly clampAcceptedAtMaxTokens?: boolean;
	/** vLLM's `--enable-prefix-caching` (on by default in vLLM v1): reuse cached full KV blocks at admission. @default true */
	readonly enablePrefixCaching?: boolean;
};

/**
 * A request as the engine admits it: the prompt leaves room for one output token within
 * max_model_len. The output length (its end of sequence) is kept: a request that would run past
 * max_model_len is cut there by the scheduler and finishes with `length`, as vLLM's `check_stop`
 * caps it (FINISHED_LENGTH_CAPPED), not with `stop`.
 */
export function clampToModelLen(spec: RequestSpec, maxModelLen: number): RequestSpec {
	// Like vLLM's API server, a prompt must leave room for at least one output token.
	const promptTokens = Math.min(spec.promptTokens, maxModelLen - 1);
	return promptTokens === spec.promptTokens ? spec : {...spec, promptTokens};
}

/** @throws RangeError naming the field for a limit that is not a positive integer. */
export function validateConfig(config: Required<SchedulerConfig>): void {
	for (const key of ['maxNumSeqs', 'maxNumBatchedTokens', 'maxModelLen', 'numKvBlocks', 'blockSize'] as const) {
		const value = config[key];
		if (!Number.isInteger(value) || value < 1) throw new RangeError(`scheduler.${key} must be a positive integer, got ${value}`);
	}
	if (!Number.isInteger(config.longPrefillTokenThreshold) || config.longPrefillTokenThreshold < 0) {
		throw new RangeError(`scheduler.longPrefillTokenThreshold must be a non-negative integer, got ${config.longPrefillTokenThreshold}`);
	}
	if (config.maxModelLen < 2) throw new RangeError(`scheduler.maxModelLen must be at least 2, got ${config.maxModelLen}`);
	// vLLM's check: without chunked prefill a whole prompt must fit one step's budget.
	if (!config.chunkedPrefill && config.maxNumBatchedTokens < config.maxModelLen) {
		throw new RangeError(
			`scheduler.maxNumBatchedTokens (${config.maxNumBatchedTokens}) must be at least maxModelLen (${config.maxModelLen}) when chunkedPrefill is off`,
		);
	}
}
