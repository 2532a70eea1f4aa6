import {formatLogTimestamp} from '../metrics/log/log-prefix.js';

/**
 * What vLLM's OpenAI server answers when the engine finishes a request with finish reason
 * `error` (`_raise_if_error` raises `GenerationError("Internal server error")`): a non-streamed
 * request gets HTTP 500 with this message, type `InternalServerError` and code 500; a stream,
 * whose 200 is already sent, gets the same error object as one `data:` event, then `[DONE]`.
 */
export const GENERATION_ERROR_MESSAGE = 'Internal server error';

/**
 * The error event a stream carries: vLLM writes it with `json.dumps(ErrorResponse.model_dump())`,
 * Python's default separators (`", "` and `": "`), unlike the compact JSON of its JSON responses.
 */
export const STREAMING_GENERATION_ERROR = `{"error": {"message": "${GENERATION_ERROR_MESSAGE}", "type": "InternalServerError", "param": null, "code": 500}}`;

/**
 * `[file:line]` of `logger.error("Request %s failed with an internal error during generation", ...)`
 * in `_raise_if_error`, as a real vLLM server log shows it (docs/serve.md, Faults).
 */
export const GENERATION_ERROR_CALL_SITE = 'serving.py:175';

/**
 * The ERROR line vLLM's API server prints when it answers a request that finished with `error`,
 * once per HTTP request (its id is the response's `id`, `chatcmpl-…` or `cmpl-…`).
 */
export function generationErrorLogLine(requestId: string, epochMs: number): string {
	return `ERROR ${formatLogTimestamp(epochMs)} [${GENERATION_ERROR_CALL_SITE}] Request ${requestId} failed with an internal error during generation`;
}
