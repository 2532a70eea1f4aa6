import * as z from 'zod';
import {formatPythonRepr} from '../util/py-format.js';
import {type ParamError, vllmValidationError} from '../util/vllm-validation-error.js';

/**
 * One error of pydantic's request validation, the fields vLLM's validation handler prints
 * (`exc.errors()` as FastAPI gives them: `type`, `loc`, `msg`, `input`; no `url`).
 */
export type PydanticError = {readonly type: string; readonly loc: string; readonly msg: string; readonly input: unknown};

/** 2^63: pydantic-core turns a float into an int only strictly inside the i64 range. */
const I64_LIMIT = 2 ** 63;

/**
 * Pydantic's lax-mode validation of an `int | None` field (pydantic-core's `int` validator on a
 * JSON-decoded value): null stays null; a bool is 0 or 1; a float is refused when it has a
 * fractional part (`int_from_float`) or lies outside the i64 range (`int_parsing_size`); a
 * string is trimmed and parsed (`"5"` and `"5.0"` are 5), else `int_parsing`; anything else is
 * `int_type`. JSON numbers reach JavaScript as doubles, so an integer literal of 2^63 or more
 * is taken as the float Python would have read from `1e19`-style text (see docs/serve.md).
 */
export function pydanticLaxInt(value: unknown, loc: string): number | null | PydanticError {
	if (value === undefined || value === null) return null;
	if (typeof value === 'boolean') return value ? 1 : 0;
	if (typeof value === 'number') {
		if (!Number.isInteger(value))
			return {type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part', input: value};
		if (Math.abs(value) >= I64_LIMIT)
			return {type: 'int_parsing_size', loc, msg: 'Unable to parse input string as an integer, exceeded maximum size', input: value};
		return value;
	}
	if (typeof value === 'string') {
		const text = value.trim();
		if (text.length > 4300)
			return {type: 'int_parsing_size', loc, msg: 'Unable to parse input string as an integer, exceeded maximum size', input: value};
		const match = /^([+-]?\d+)(?:\.0*)?$/.exec(text);
		if (match !== null) return Number(match[1]);
		return {type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: value};
	}
	return {type: 'int_type', loc, msg: 'Input should be a valid integer', input: value};
}

/**
 * Rust's `f64` grammar as pydantic-core's `str_as_float` parses a trimmed string: an optional
 * sign, then digits with an optional point and exponent, or `inf`, `infinity`, `nan` in any case.
 */
const RUST_FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

/** A float string's value as Rust parses it (`inf`, `nan` included), or undefined. */
function parseRustFloat(text: string): number | undefined {
	if (!RUST_FLOAT.test(text)) return undefined;
	const lower = text.toLowerCase().replace(/^\+/, '');
	if (lower.endsWith('nan')) return Number.NaN;
	if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
	return Number(text);
}

/**
 * Pydantic's lax-mode validation of a `float | None` field (pydantic-core's `float` validator on a
 * JSON-decoded value): null stays null; a bool is 0.0 or 1.0; a number passes (a JSON literal too
 * large for a double arrives as infinity, as Python's `json` reads `1e400`); a string is trimmed
 * and parsed as Rust parses a float (`"0.5"`, `"1e-3"`, `"inf"`, `"nan"`; underscores only between
 * digits), else `float_parsing`; anything else is `float_type`. Infinite and NaN values are valid
 * floats to pydantic: SamplingParams' own checks refuse them afterwards.
 */
export function pydanticLaxFloat(value: unknown, loc: string): number | null | PydanticError {
	if (value === undefined || value === null) return null;
	if (typeof value === 'boolean') return value ? 1 : 0;
	if (typeof value === 'number') return value;
	if (typeof value === 'string') {
		const text = value.trim();
		// pydantic-core's `strip_underscores`: `1_000.5` parses when every underscore sits between digits.
		const underscores = text.split('_').length - 1;
		const grouped = underscores > 0 && (text.match(/(?<=\d)_(?=\d)/g)?.length ?? 0) === underscores;
		const parsed = parseRustFloat(text) ?? (grouped ? parseRustFloat(text.replaceAll('_', '')) : undefined);
		if (parsed !== undefined) return parsed;
		return {type: 'float_parsing', loc, msg: 'Input should be a valid number, unable to parse string as a number', input: value};
	}
	return {type: 'float_type', loc, msg: 'Input should be a valid number', input: value};
}

/** Python's `repr()` of a str: single quotes unless the text has one and no double quote. */
function pyStrRepr(text: string): string {
	const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
	let out = quote;
	for (const ch of text) {
		const code = ch.codePointAt(0)!;
		if (ch === '\\' || ch === quote) out += `\\${ch}`;
		else if (ch === '\n') out += '\\n';
		else if (ch === '\r') out += '\\r';
		else if (ch === '\t') out += '\\t';
		else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
		else out += ch;
	}
	return out + quote;
}

/**
 * vLLM's `_summarize_error_input`: a string cut at 200 characters, a container described by its
 * size, anything else `str()`.
 */
function summarizeInput(value: unknown): string {
	if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}...[truncated]` : value;
	if (Array.isArray(value)) return `<list of ${value.length} items>`;
	if (typeof value === 'object' && value !== null) return `<dict of ${Object.keys(value).length} items>`;
	if (typeof value === 'boolean') return value ? 'True' : 'False';
	if (value === null || value === undefined) return 'None';
	if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < I64_LIMIT ? String(value) : formatPythonRepr(value);
	return String(value);
}

/**
 * The 400 vLLM's `validation_exception_handler` answers for pydantic's request errors
 * (`vllm/entrypoints/serve/exception_handling/handlers/validation.py`): the message
 * `N validation error(s):` then one line per error, `str()` of its dict with `loc` joined with
 * dots and `input` summarized; `param` the first error's `loc`; type `Bad Request`.
 */
export function pydanticValidationError(unordered: readonly PydanticError[]): {message: string; param: string; type: 'Bad Request'} {
	const rank = (e: PydanticError): number => {
		const i = PYDANTIC_FIELD_ORDER.indexOf(e.loc.slice('body.'.length));
		return i === -1 ? PYDANTIC_FIELD_ORDER.length : i;
	};
	const errors = [...unordered].sort((a, b) => rank(a) - rank(b));
	const label = errors.length === 1 ? 'error' : 'errors';
	let message = `${errors.length} validation ${label}:`;
	for (const e of errors.slice(0, 10)) {
		let line = `{'type': ${pyStrRepr(e.type)}, 'loc': ${pyStrRepr(e.loc)}, 'msg': ${pyStrRepr(e.msg)}, 'input': ${pyStrRepr(summarizeInput(e.input))}}`;
		if (line.length > 1000) line = `${line.slice(0, 1000)}...[truncated]`;
		message += `\n  ${line}`;
	}
	if (errors.length > 10) message += `\n  ...and ${errors.length - 10} more ${label}`;
	return {message, param: errors[0]!.loc, type: 'Bad Request'};
}

/** A pydantic refusal carried through zod as a custom issue (`params.pydantic`), which the server renders as vLLM's validation handler does. */
function pydanticField<T>(name: string, validate: (value: unknown, loc: string) => T | null | PydanticError) {
	return z
		.unknown()
		.transform((value, ctx): T | null => {
			const result = validate(value, `body.${name}`);
			if (typeof result === 'object' && result !== null) {
				ctx.addIssue({code: 'custom', message: (result as PydanticError).msg, params: {pydantic: result}});
				return z.NEVER;
			}
			return result;
		})
		.optional();
}

/**
 * An `int | None` request field validated as pydantic does; with `nullable: false` an `int` field
 * with a default (vLLM's completion `n`, `min_tokens`), where an explicit null is `int_type`.
 */
function pydanticInt(name: string, nullable = true) {
	return pydanticField<number>(name, (value, loc) =>
		value === null && !nullable ? {type: 'int_type', loc, msg: 'Input should be a valid integer', input: null} : pydanticLaxInt(value, loc),
	);
}

/** A `float | None` request field validated as pydantic does. */
const pydanticFloat = (name: string) => pydanticField<number>(name, pydanticLaxFloat);

/**
 * The order in which vLLM's request models declare the fields specsim validates the pydantic way
 * (the same relative order in `CompletionRequest` and `ChatCompletionRequest`): pydantic reports
 * a body's errors in that order, and the 400's `param` is the first one's.
 */
const PYDANTIC_FIELD_ORDER = [
	'frequency_penalty',
	'max_tokens',
	'max_completion_tokens',
	'n',
	'presence_penalty',
	'seed',
	'temperature',
	'top_p',
	'top_k',
	'min_p',
	'repetition_penalty',
	'min_tokens',
];

/**
 * Request bodies of vLLM's OpenAI-compatible endpoints (`vllm/entrypoints/openai/completion/protocol.py`,
 * `chat_completion/protocol.py`), the fields `specsim serve` acts on or checks. Unknown fields are
 * accepted and ignored, as vLLM accepts them (it only logs a warning). The numeric sampling fields
 * are typed as vLLM's request models type them and validated the pydantic way (their type errors
 * are vLLM's validation 400s); their ranges are SamplingParams' checks, {@link verifySamplingParams},
 * run once the prompt is measured. `n` and `min_tokens` are a completion's `int` (null refused) and
 * `min_tokens` chat's too; chat's `n` is `int | None`.
 */
const samplingFields = {
	model: z.string().nullish(),
	stream: z.boolean().nullish(),
	/** vLLM's `StreamOptions`: a final usage chunk, and usage on every chunk. */
	stream_options: z.looseObject({include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish()}).nullish(),
	n: pydanticInt('n', false),
	/** Pydantic's lax int (`1.5`, `"x"`, `1e30` are vLLM's validation 400s; `"5"` and `true` pass as 5 and 1). */
	max_tokens: pydanticInt('max_tokens'),
	temperature: pydanticFloat('temperature'),
	top_p: pydanticFloat('top_p'),
	seed: pydanticInt('seed'),
	stop: z.union([z.string(), z.array(z.string()).max(64)]).nullish(),
	ignore_eos: z.boolean().nullish(),
	min_tokens: pydanticInt('min_tokens', false),
	user: z.string().nullish(),
	/** Not simulated (they would change which tokens are sampled, not how many); validated as vLLM does. */
	presence_penalty: pydanticFloat('presence_penalty'),
	frequency_penalty: pydanticFloat('frequency_penalty'),
	repetition_penalty: pydanticFloat('repetition_penalty'),
	top_k: pydanticInt('top_k'),
	min_p: pydanticFloat('min_p'),
};

const tokenIds = z.array(z.number().int().min(0)).min(1);

/** vLLM extensions every generation request takes (SamplingParams fields). */
const extensionFields = {
	/** Keep the stop string that ended the text (vLLM's `include_stop_str_in_output`). */
	include_stop_str_in_output: z.boolean().nullish(),
	/** Accepted as vLLM does; specsim's text has no special tokens, so neither changes it. */
	skip_special_tokens: z.boolean().nullish(),
	spaces_between_special_tokens: z.boolean().nullish(),
	/** Checked by {@link checkLogprobFields} with vLLM's messages (its validator runs on the raw value). */
	prompt_logprobs: z.unknown().optional(),
};

export const completionRequestSchema = z.looseObject({
	...samplingFields,
	...extensionFields,
	prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds, z.array(tokenIds).min(1)]),
	echo: z.boolean().nullish(),
	/** Top-N logprobs per token (an int; checked by {@link checkLogprobFields}). */
	logprobs: z.unknown().optional(),
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
	...extensionFields,
	messages: z.array(message).min(1),
	/** `int | None` in `ChatCompletionRequest` (a completion's is `int`). */
	n: pydanticInt('n'),
	max_completion_tokens: pydanticInt('max_completion_tokens'),
	logprobs: z.boolean().nullish(),
	/** Checked by {@link checkLogprobFields}. */
	top_logprobs: z.unknown().optional(),
	/** vLLM extension: prefix the answer with the last message when it has the answer's role. */
	echo: z.boolean().nullish(),
	/** vLLM extension: end the rendered prompt with the assistant's header (default true). */
	add_generation_prompt: z.boolean().nullish(),
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
export function renderChat(messages: readonly ChatMessage[], addGenerationPrompt = true): string {
	let text = '';
	for (const m of messages) text += `<|im_start|>${m.role}\n${messageText(m)}<|im_end|>\n`;
	return addGenerationPrompt ? `${text}<|im_start|>assistant\n` : text;
}

/**
 * What chat's `echo` puts before the answer (vLLM's serving_chat): the answer's role is the
 * assistant's with `add_generation_prompt` (the default), else the last message's; the last
 * message is echoed only when it has that role, so `echo` continues a prefilled assistant turn.
 */
export function chatEcho(messages: readonly ChatMessage[], addGenerationPrompt: boolean): {role: string; text: string} {
	const last = messages[messages.length - 1]!;
	const role = addGenerationPrompt ? 'assistant' : last.role;
	return {role, text: last.role === role ? messageText(last) : ''};
}

/** vLLM's `CompletionRequest.max_tokens` default (OpenAI's): an omitted or null field. */
const COMPLETION_DEFAULT_MAX_TOKENS = 16;

/**
 * A completion's `max_tokens` as vLLM's request model holds it: 16 when the field is omitted
 * (`max_tokens: int | None = 16`) or sent as null (the newest model's `normalize_null_max_tokens`
 * validator puts the default in its place). Chat has no such default: its null is no limit but
 * `max_model_len`. Applied here rather than in the schema so that the request's draw key, and so
 * its text, stays what it was.
 */
export function completionMaxTokens(body: CompletionRequest): number {
	return body.max_tokens ?? COMPLETION_DEFAULT_MAX_TOKENS;
}

/**
 * A completion's `echo: true` with `max_tokens: 0` (prompt scoring): vLLM's
 * `echo_without_generation`, run by the engine as a request of `max_tokens=1` whose token the
 * response leaves out (only the prompt and its logprobs are returned).
 */
export function echoWithoutGeneration(body: CompletionRequest): boolean {
	return body.echo === true && body.max_tokens === 0;
}

/** The logprob counts a request asks for (null: none), after vLLM's request validators. */
export type LogprobCounts = {
	/** Top-N per generated token (`logprobs` of completions, `top_logprobs` of chat with `logprobs: true`). */
	readonly sample: number | null;
	/** Top-N per prompt token (`prompt_logprobs`, or with `echo` the sample count as vLLM takes it). */
	readonly prompt: number | null;
};

/** One int field as vLLM's `check_logprobs` and pydantic read it. */
function intField(body: Record<string, unknown>, name: string): number | null | ParamError {
	const value = body[name];
	if (value === undefined || value === null) return null;
	if (typeof value !== 'number') return vllmValidationError(`\`${name}\` must be an integer.`, name, value);
	return value;
}

const isError = (x: unknown): x is ParamError => typeof x === 'object' && x !== null && 'message' in x;

/** The refusal of a logprob count with a fractional part, if `value` has one. */
function fractional(name: string, value: number | null): ParamError | undefined {
	return value !== null && !Number.isInteger(value)
		? {message: `${name}: Input should be a valid integer, got a number with a fractional part`, param: name}
		: undefined;
}

/**
 * vLLM's `check_logprobs` validators of the completion and chat requests, then the counts the
 * engine is asked for (`to_sampling_params`): completions take `logprobs` and, with `echo`, use it
 * for the prompt when `prompt_logprobs` is not given; chat takes `top_logprobs` (default 0) when
 * `logprobs` is true and, with `echo`, for the prompt.
 */
export function checkLogprobFields(kind: 'completion' | 'chat', body: Record<string, unknown>): LogprobCounts | ParamError {
	const sampleField = kind === 'completion' ? 'logprobs' : 'top_logprobs';
	const prompt = intField(body, 'prompt_logprobs');
	if (isError(prompt)) return prompt;
	const sample = intField(body, sampleField);
	if (isError(sample)) return sample;
	if (prompt !== null) {
		if (body['stream'] === true && (prompt > 0 || prompt === -1))
			return vllmValidationError('`prompt_logprobs` are not available when `stream=True`.', 'prompt_logprobs');
		if (prompt < 0 && prompt !== -1) return vllmValidationError('`prompt_logprobs` must be a positive value or -1.', 'prompt_logprobs', prompt);
	}
	if (sample !== null) {
		if (sample < 0 && sample !== -1) return vllmValidationError(`\`${sampleField}\` must be a positive value or -1.`, sampleField, sample);
		if (kind === 'chat' && (sample === -1 || sample > 0) && body['logprobs'] !== true)
			return vllmValidationError('when using `top_logprobs`, `logprobs` must be set to true.', 'top_logprobs');
	}
	const notInteger = fractional('prompt_logprobs', prompt) ?? fractional(sampleField, sample);
	if (notInteger !== undefined) return notInteger;
	const echo = body['echo'] === true;
	if (kind === 'completion') return {sample, prompt: prompt ?? (echo ? sample : null)};
	const chatSample = body['logprobs'] === true ? (sample ?? 0) : null;
	return {sample: chatSample, prompt: prompt ?? (echo ? (sample ?? 0) : null)};
}

/**
 * SamplingParams' `_validate_logprobs`: `-1` means the whole vocabulary, and neither count may
 * exceed `--max-logprobs` (`-1`: the vocabulary size). 0 asks for the chosen token only and is
 * never refused.
 */
export function checkMaxLogprobs(counts: LogprobCounts, maxLogprobs: number, vocabularySize: number): ParamError | undefined {
	// Neither count asks for alternatives (nearly every request): nothing to check.
	if ((counts.sample === null || counts.sample === 0) && (counts.prompt === null || counts.prompt === 0)) return undefined;
	const max = maxLogprobs === -1 ? vocabularySize : maxLogprobs;
	for (const [what, param, n] of [
		['sample', 'logprobs', counts.sample],
		['prompt', 'prompt_logprobs', counts.prompt],
	] as const) {
		if (n === null || n === 0) continue;
		const requested = n === -1 ? vocabularySize : n;
		if (requested > max)
			return vllmValidationError(`Requested ${what} logprobs of ${requested}, which is greater than max allowed: ${max}`, param, requested);
	}
	return undefined;
}

/** vLLM's `VLLM_MAX_N_SEQUENCES` default: the most choices one request may ask for. */
export const MAX_N_SEQUENCES = 16384;

/** Below this temperature vLLM samples greedily (`_SAMPLING_EPS`). */
const SAMPLING_EPS = 1e-5;

/** What SamplingParams checks, after the request model's defaults (`_DEFAULT_SAMPLING_PARAMS`). */
export type SamplingValues = {
	readonly n?: number | null | undefined;
	readonly presence_penalty?: number | null | undefined;
	readonly frequency_penalty?: number | null | undefined;
	readonly repetition_penalty?: number | null | undefined;
	readonly temperature?: number | null | undefined;
	readonly top_p?: number | null | undefined;
	readonly top_k?: number | null | undefined;
	readonly min_p?: number | null | undefined;
	readonly min_tokens?: number | null | undefined;
	readonly stop?: string | readonly string[] | null | undefined;
};

/** A 400 of SamplingParams: `param` null where vLLM's error names no parameter. */
export type SamplingError = {readonly message: string; readonly param: string | null};

/** `str()` of a Python float (the fields pydantic typed `float`): `3.0`, `0.5`, `inf`, `nan`. */
const pyFloat = formatPythonRepr;

/** A VLLMValidationError without parameter: its message alone, `param` null. */
const bare = (message: string): SamplingError => ({message, param: null});

/** A VLLMValidationError naming a float parameter and its value. */
const named = (message: string, param: string, value: number): SamplingError => vllmValidationError(message, param, pyFloat(value));

/**
 * SamplingParams' `__post_init__` checks (`_verify_args`, then `_verify_greedy_sampling`) in
 * vLLM's order, for the engine's `max_tokens`: the first refusal, with vLLM's message and the
 * `param` its error names (null for most: vLLM raises them without one). Numbers print as
 * Python's `str()` does (a float field's `3` is `3.0`). See docs/serve.md ("Errors").
 */
export function verifySamplingParams(body: SamplingValues, maxTokens: number): SamplingError | undefined {
	const n = body.n ?? 1;
	const presence = body.presence_penalty ?? 0;
	const frequency = body.frequency_penalty ?? 0;
	const repetition = body.repetition_penalty ?? 1;
	const temperature = body.temperature ?? 1;
	const topP = body.top_p ?? 1;
	const topK = body.top_k ?? 0;
	const minP = body.min_p ?? 0;
	const minTokens = body.min_tokens ?? 0;
	if (n < 1) return bare(`n must be at least 1, got ${n}.`);
	if (n > MAX_N_SEQUENCES)
		return bare(`n must be at most ${MAX_N_SEQUENCES}, got ${n}. To increase this limit, set the VLLM_MAX_N_SEQUENCES environment variable.`);
	if (!(presence >= -2 && presence <= 2)) return bare(`presence_penalty must be in [-2, 2], got ${pyFloat(presence)}.`);
	if (!(frequency >= -2 && frequency <= 2)) return bare(`frequency_penalty must be in [-2, 2], got ${pyFloat(frequency)}.`);
	if (!Number.isFinite(repetition)) return bare(`repetition_penalty must be a finite number, got ${pyFloat(repetition)}.`);
	if (repetition <= 0) return bare(`repetition_penalty must be greater than zero, got ${pyFloat(repetition)}.`);
	if (!Number.isFinite(temperature)) return named(`temperature must be a finite number, got ${pyFloat(temperature)}.`, 'temperature', temperature);
	if (temperature < 0) return named(`temperature must be non-negative, got ${pyFloat(temperature)}.`, 'temperature', temperature);
	if (temperature > 2) return named(`temperature must be in [0, 2], got ${pyFloat(temperature)}.`, 'temperature', temperature);
	if (!(topP > 0 && topP <= 1)) return named(`top_p must be in (0, 1], got ${pyFloat(topP)}.`, 'top_p', topP);
	if (topK < -1) return bare(`top_k must be 0 (disable), or at least 1, got ${topK}.`);
	if (!(minP >= 0 && minP <= 1)) return bare(`min_p must be in [0, 1], got ${pyFloat(minP)}.`);
	if (maxTokens < 1) return vllmValidationError(`max_tokens must be at least 1, got ${maxTokens}.`, 'max_tokens', maxTokens);
	if (minTokens < 0) return bare(`min_tokens must be greater than or equal to 0, got ${minTokens}.`);
	if (minTokens > maxTokens) return bare(`min_tokens must be less than or equal to max_tokens=${maxTokens}, got ${minTokens}.`);
	const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
	if (stop.some(s => s === '')) return bare('stop cannot contain an empty string.');
	if (temperature < SAMPLING_EPS && n > 1) return bare(`n must be 1 when using greedy sampling, got ${n}.`);
	return undefined;
}
