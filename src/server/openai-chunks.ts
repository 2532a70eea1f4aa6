import type {ChunkFormat, StreamHeader} from './openai-stream.js';
import {pydanticJson} from './py-json.js';

/**
 * The chunks of `/v1/completions` with `stream: true`, field for field as vLLM's
 * `completion_stream_generator` serialises them: `CompletionStreamResponse` with
 * `exclude_unset=True` (the choice's `prompt_token_ids` and `token_ids` are passed explicitly, so
 * they appear as null; `usage` only with continuous usage stats), and the final usage chunk with
 * `exclude_none=True` (no choices, `metrics` only when there are per-request metrics).
 */
export function completionChunks(h: StreamHeader): ChunkFormat {
	return {
		chunk(index, delta, finish, usage) {
			const choice = {
				index,
				text: delta,
				logprobs: null,
				finish_reason: finish?.reason ?? null,
				stop_reason: finish?.stop ?? null,
				prompt_token_ids: null,
				token_ids: null,
			};
			return JSON.stringify({id: h.id, object: 'text_completion', created: h.created, model: h.model, choices: [choice], ...(usage ? {usage} : {})});
		},
		usage(usage, metrics) {
			// pydantic writes the metrics' floats with their decimal point.
			return pydanticJson({
				id: h.id,
				object: 'text_completion',
				created: h.created,
				model: h.model,
				choices: [],
				usage,
				...(metrics ? {metrics} : {}),
			});
		},
	};
}

/**
 * The chunks of `/v1/chat/completions` with `stream: true`, as vLLM's
 * `chat_completion_stream_generator` serialises `ChatCompletionStreamResponse` with
 * `exclude_unset=True`: first one chunk per choice with the role and empty content (and the
 * explicitly unset `prompt_token_ids`, `prompt_text`), then content deltas (`token_ids` null), the
 * finishing delta with `finish_reason` and `stop_reason`, and the usage chunk with
 * `exclude_none=True`. Continuous usage carries `completion_tokens_details: null` as vLLM passes it.
 */
export function chatChunks(h: StreamHeader, numChoices: number): ChunkFormat {
	const chunk = (choice: object, usage: object | undefined, extra: object = {}): string =>
		JSON.stringify({
			id: h.id,
			object: 'chat.completion.chunk',
			created: h.created,
			model: h.model,
			choices: [choice],
			...(usage ? {usage: {...usage, completion_tokens_details: null}} : {}),
			...extra,
		});
	return {
		first(continuousUsage) {
			const chunks: string[] = [];
			for (let i = 0; i < numChoices; i++) {
				const role = {index: i, delta: {role: 'assistant', content: ''}, logprobs: null, finish_reason: null};
				chunks.push(chunk(role, continuousUsage?.(i), {prompt_token_ids: null, prompt_text: null}));
			}
			return chunks;
		},
		chunk(index, delta, finish, usage) {
			const choice =
				finish === undefined
					? {index, delta: {content: delta}, logprobs: null, finish_reason: null, token_ids: null}
					: {index, delta: {content: delta}, logprobs: null, finish_reason: finish.reason, stop_reason: finish.stop, token_ids: null};
			return chunk(choice, usage);
		},
		usage(usage, metrics) {
			// pydantic writes the metrics' floats with their decimal point.
			return pydanticJson({
				id: h.id,
				object: 'chat.completion.chunk',
				created: h.created,
				model: h.model,
				choices: [],
				usage,
				...(metrics ? {metrics} : {}),
			});
		},
	};
}
