import type {RequestSpec} from './request.js';
import {type ParamError, vllmValidationError} from '../util/vllm-validation-error.js';

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
 * Why vLLM's API server answers a request with HTTP 400 before it reaches the engine: the
 * `error.message` word for word (`str()` of its `VLLMValidationError`) and the field at fault.
 */
export type ContextLengthError = ParamError<'max_tokens' | 'input_tokens'>;

/**
 * vLLM's length checks before a request reaches the engine, as its newest renderer makes them
 * (`TokenizeParams` in `vllm/renderers/params.py`, built by the request's `build_tok_params` with
 * `max_output_tokens = max_tokens or 0`; docs/serve.md):
 * - a `max_tokens` above `max_model_len` is refused;
 * - a prompt longer than `max_model_len - max_tokens` is refused (`parameter=input_tokens`);
 * - a prompt of exactly `max_model_len` without `max_tokens` passes the renderer, and then the
 *   default `max_tokens` (what is left: 0) fails `SamplingParams`' "at least 1".
 * vLLM never shortens a prompt: such a request gets HTTP 400 from the API server and never reaches
 * the engine. One rule for `serve` and for the synthetic clients of `run` / `generate`, so they
 * cannot drift. Returns undefined when it fits.
 */
export function checkContextLength(promptTokens: number, maxTokens: number | null | undefined, maxModelLen: number): ContextLengthError | undefined {
	const maxOutput = maxTokens || 0;
	if (maxOutput > maxModelLen)
		return vllmValidationError(
			`max_tokens=${maxOutput} cannot be greater than max_model_len=${maxModelLen}. Please request fewer output tokens.`,
			'max_tokens',
			maxOutput,
		);
	if (promptTokens > maxModelLen - maxOutput)
		return vllmValidationError(
			`You passed ${promptTokens} input tokens and requested ${maxOutput} output tokens. However, the model's context length is only ${maxModelLen} tokens, resulting in a maximum input length of ${maxModelLen - maxOutput} tokens. Please reduce the length of the input prompt.`,
			'input_tokens',
			promptTokens,
		);
	if (maxOutput === 0 && promptTokens >= maxModelLen)
		return vllmValidationError(`max_tokens must be at least 1, got ${maxModelLen - promptTokens}.`, 'max_tokens', maxModelLen - promptTokens);
	return undefined;
}

/**
 * A request as the engine admits it: the prompt leaves room for one output token within
 * max_model_len. `run`, `generate` and `serve` never hand the engine a prompt that does not fit
 * (their API server refuses it first, {@link checkContextLength}), so this only guards direct uses
 * of the engine. The output length (its end of sequence) is kept: a request that would run past
 * max_model_len is cut there by the scheduler and finishes with `length`, as vLLM's `check_stop`
 * caps it (FINISHED_LENGTH_CAPPED), not with `stop`.
 */
export function clampToModelLen(spec: RequestSpec, maxModelLen: number): RequestSpec {
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
