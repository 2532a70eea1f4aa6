import {z} from 'zod';

/**
 * Request bodies of vLLM's OpenAI-compatible endpoints (`vllm/entrypoints/openai/protocol.py`),
 * the fields `specsim serve` acts on. Unknown fields are accepted and ignored, as vLLM accepts them
 * (it only logs a warning). Ranges are SamplingParams' checks: `n >= 1`, `max_tokens >= 1`,
 * `min_tokens >= 0` and at most `max_tokens`, `temperature >= 0`.
 */
const samplingFields = {
	model: z.string().nullish(),
	stream: z.boolean().nullish(),
	/** vLLM's `StreamOptions`: a final usage chunk, and usage on every chunk. */
	stream_options: z.looseObject({include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish()}).nullish(),
	n: z.number().int().min(1).max(128).nullish(),
	max_tokens: z.number().int().min(1).nullish(),
	temperature: z.number().min(0).nullish(),
	top_p: z.number().gt(0).max(1).nullish(),
	seed: z.number().int().nullish(),
	stop: z.union([z.string(), z.array(z.string()).max(64)]).nullish(),
	ignore_eos: z.boolean().nullish(),
	min_tokens: z.number().int().min(0).nullish(),
	user: z.string().nullish(),
};

const tokenIds = z.array(z.number().int().min(0)).min(1);

export const completionRequestSchema = z.looseObject({
	...samplingFields,
	prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds, z.array(tokenIds).min(1)]),
	echo: z.boolean().nullish(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

const contentPart = z.looseObject({type: z.string(), text: z.string().optional()});
const message = z.looseObject({
	role: z.string(),
	content: z.union([z.string(), z.array(contentPart)]).nullish(),
	name: z.string().nullish(),
});

export const chatRequestSchema = z.looseObject({
	...samplingFields,
	messages: z.array(message).min(1),
	max_completion_tokens: z.number().int().min(1).nullish(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessage = z.infer<typeof message>;

export const tokenizeRequestSchema = z.union([
	z.looseObject({model: z.string().nullish(), prompt: z.string()}),
	z.looseObject({model: z.string().nullish(), messages: z.array(message).min(1)}),
]);

export const detokenizeRequestSchema = z.looseObject({model: z.string().nullish(), tokens: z.array(z.number().int().min(0))});

/** The text of a chat message's content: a string, or its text parts joined (vLLM joins them with newlines). */
export function messageText(m: ChatMessage): string {
	if (m.content === undefined || m.content === null) return '';
	if (typeof m.content === 'string') return m.content;
	return m.content
		.filter(p => p.type === 'text' && p.text !== undefined)
		.map(p => p.text)
		.join('\n');
}

/**
 * The prompt a chat request becomes, in ChatML (`<|im_start|>role\ncontent<|im_end|>\n` per
 * message, then the assistant's header), the template of Qwen-family models. vLLM renders the served
 * model's own chat template; specsim has none, so this is the documented stand-in.
 */
export function renderChat(messages: readonly ChatMessage[]): string {
	let text = '';
	for (const m of messages) text += `<|im_start|>${m.role}\n${messageText(m)}<|im_end|>\n`;
	return `${text}<|im_start|>assistant\n`;
}
