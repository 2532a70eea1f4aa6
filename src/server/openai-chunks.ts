import {type ChoiceLogprobs, chatLogprobs, completionLogprobs, type LogprobEntry} from './logprobs.js';
import type {ChunkFormat, StreamHeader} from './openai-stream.js';
import {pydanticJson} from './py-json.js';
import type {LiveGeneration} from './serve-engine.js';
import {wordTokenIds} from './text-model.js';

/** What a stream adds to its chunks beyond text: per-choice logprobs and the echoed prompt. */
export type StreamExtras = {
	/** The logprob source of choice `index`; undefined when the request asks for none. */
	readonly logprobs?: (index: number) => ChoiceLogprobs | undefined;
	/** Chat: the top-N of each token's `top_logprobs`. */
	readonly topLogprobs?: number;
	/** Completions with `echo`: the prompt text of choice `index`, sent before its first text. */
	readonly echoText?: (index: number) => string;
	/** Completions with `echo` and logprobs: the prompt's entries, before the first token's. */
	readonly echoLogprobs?: (index: number) => readonly LogprobEntry[];
	/** Completions with `echo` and `max_tokens: 0`: the prompt (and its logprobs) alone, no generated text. */
	readonly echoOnly?: boolean;
	/** Chat with `echo`: the last message's text, sent after the role chunks (empty: none). */
	readonly echoMessage?: string;
	/** `--enable-prompt-tokens-details`: the usage chunk carries `prompt_tokens_details.cached_tokens`. */
	readonly promptTokensDetails?: boolean;
	/** Chat: the answer's role (the assistant's unless `add_generation_prompt` is false). */
	readonly role?: string;
};

/** vLLM's `num_cached_tokens` of a request: prompt tokens its first scheduling found in the prefix cache (0 if never scheduled). */
export function cachedTokens(generation: LiveGeneration): number {
	return Math.max(0, generation.request.numCachedTokens);
}

/**
 * The final usage chunk's usage: with `--enable-prompt-tokens-details` vLLM adds the cached tokens
 * of the first output it received (`num_cached_tokens` at the first iteration); the chunk is
 * written with `exclude_none`, so only `cached_tokens` appears.
 */
function finalUsage(usage: object, extras: StreamExtras, first: LiveGeneration | undefined): object {
	if (extras.promptTokensDetails !== true || first === undefined) return usage;
	return {...usage, prompt_tokens_details: {cached_tokens: cachedTokens(first)}};
}

/** Per choice: output tokens already given logprobs, Python length of the text already sent, echo done. */
type ChoiceState = {tokens: number; textLength: number; echoed: boolean};

/** Choice `index`'s state, created on its first chunk. */
function stateOf(states: Map<number, ChoiceState>, index: number): ChoiceState {
	let state = states.get(index);
	if (state === undefined) {
		state = {tokens: 0, textLength: 0, echoed: false};
		states.set(index, state);
	}
	return state;
}

/** Python's `len`: code points. */
const pyLen = (s: string): number => {
	let n = 0;
	for (const _ of s) n += 1;
	return n;
};

/** The chunk's new tokens as logprob entries: from what was covered up to what `generation` has now. */
function newEntries(source: ChoiceLogprobs, state: ChoiceState, generation: LiveGeneration): LogprobEntry[] {
	const words = generation.plan.words;
	const to = Math.min(generation.numTokens, words.length);
	const from = state.tokens;
	state.tokens = Math.max(from, to);
	if (to <= from) return [];
	const ids = new Array<number>(to);
	const slice = wordTokenIds(words, from, to);
	for (let j = from; j < to; j++) ids[j] = slice[j - from]!;
	return source.output(words, ids, from, to);
}

/**
 * What every chunk of a response starts with, up to its first choice's index:
 * `{"id":…,"object":…,"created":…,"model":…,"choices":[{"index":`, as `JSON.stringify` writes it.
 */
function chunkHead(h: StreamHeader, object: string): string {
	return `{"id":${JSON.stringify(h.id)},"object":${JSON.stringify(object)},"created":${JSON.stringify(h.created)},"model":${JSON.stringify(h.model)},"choices":[{"index":`;
}

/** A choice's `"finish_reason":…,"stop_reason":…` as `JSON.stringify` writes them. */
const finishJson = (finish: {reason: string; stop: string | null} | undefined): string =>
	finish === undefined ? 'null,"stop_reason":null' : `${JSON.stringify(finish.reason)},"stop_reason":${JSON.stringify(finish.stop)}`;

/** What follows the text of a completion chunk that neither finishes its choice nor carries usage. */
const RUNNING_COMPLETION_TAIL = `,"logprobs":null,"finish_reason":${finishJson(undefined)},"prompt_token_ids":null,"token_ids":null}]}`;
/** The same, ending its SSE event (see SseWriter.sendEvent). */
const RUNNING_COMPLETION_EVENT_TAIL = `${RUNNING_COMPLETION_TAIL}\n\n`;

/** A chunk's `,"usage":{…}` (none without usage), as `JSON.stringify` writes it. */
const usageJson = (usage: object | undefined): string => (usage ? `,"usage":${JSON.stringify(usage)}` : '');

/**
 * The chunks of `/v1/completions` with `stream: true`, field for field as vLLM's
 * `completion_stream_generator` serialises them: `CompletionStreamResponse` with
 * `exclude_unset=True` (the choice's `prompt_token_ids` and `token_ids` are passed explicitly, so
 * they appear as null; `usage` only with continuous usage stats), and the final usage chunk with
 * `exclude_none=True` (no choices, `metrics` only when there are per-request metrics). With
 * `logprobs`, each chunk carries the `CompletionLogProbs` of that step's tokens, text offsets
 * continuing from the text already sent; with `echo`, a choice's first chunk starts with the
 * prompt (and its logprobs).
 */
export function completionChunks(h: StreamHeader, extras: StreamExtras = {}): ChunkFormat {
	const states = new Map<number, ChoiceState>();
	let first: LiveGeneration | undefined;
	const head = chunkHead(h, 'text_completion');
	/** Per choice, everything before its text: `HEAD INDEX,"text":` (made on its first chunk), and its UTF-8 length. */
	const textHeads: string[] = [];
	const textHeadBytes: number[] = [];
	/** The same with `data: ` before it: the start of a running chunk's SSE event. */
	const eventHeads: string[] = [];
	const textHeadOf = (index: number): string => {
		let textHead = textHeads[index];
		if (textHead === undefined) {
			textHead = textHeads[index] = `${head}${index},"text":`;
			textHeadBytes[index] = Buffer.byteLength(textHead);
			eventHeads[index] = `data: ${textHead}`;
		}
		return textHead;
	};
	const format: ChunkFormat & {lastChunkBytes: number | undefined} = {
		lastChunkBytes: undefined,
		runningEvent(index, delta, generation) {
			first ??= generation;
			format.lastChunkBytes = undefined;
			if (extras.logprobs?.(index) !== undefined || extras.echoText !== undefined) return undefined;
			textHeadOf(index);
			const text = JSON.stringify(delta);
			// `data: `, the chunk, the blank line (8 bytes).
			format.lastChunkBytes = textHeadBytes[index]! + Buffer.byteLength(text) + RUNNING_COMPLETION_TAIL.length + 8;
			return eventHeads[index]! + text + RUNNING_COMPLETION_EVENT_TAIL;
		},
		chunk(index, delta, finish, usage, generation) {
			first ??= generation;
			format.lastChunkBytes = undefined;
			const source = extras.logprobs?.(index);
			// A chunk without echo or logprobs keeps no state (the common chunk: no lookup). The
			// running chunk is three pieces: what comes before its text, made once per choice, the
			// text, and the constant rest (a template of all its fields made a string node for
			// each); its UTF-8 length is theirs, so the writer need not copy it flat to measure it.
			if (source === undefined && extras.echoText === undefined) {
				const textHead = textHeadOf(index);
				const text = JSON.stringify(delta);
				if (finish === undefined && usage === undefined) {
					format.lastChunkBytes = textHeadBytes[index]! + Buffer.byteLength(text) + RUNNING_COMPLETION_TAIL.length;
					return textHead + text + RUNNING_COMPLETION_TAIL;
				}
				return `${textHead}${text},"logprobs":null,"finish_reason":${finishJson(finish)},"prompt_token_ids":null,"token_ids":null}]${usageJson(usage)}}`;
			}
			const state = stateOf(states, index);
			const echoOnly = extras.echoOnly === true;
			let text = echoOnly ? '' : delta;
			let echoEntries: readonly LogprobEntry[] = [];
			if (extras.echoText !== undefined && !state.echoed) {
				state.echoed = true;
				text = extras.echoText(index) + text;
				echoEntries = extras.echoLogprobs?.(index) ?? [];
			}
			const logprobs =
				source === undefined || generation === undefined
					? null
					: completionLogprobs(echoOnly ? echoEntries : [...echoEntries, ...newEntries(source, state, generation)], state.textLength);
			// Text offsets are only read by logprobs: without them, no per-chunk count of code points.
			if (source !== undefined) state.textLength += pyLen(text);
			// Chunks without floats: the constant head written once, one JSON build for the text
			// (what JSON.stringify of the object below gives, byte for byte).
			if (logprobs === null)
				return `${head}${index},"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${finishJson(finish)},"prompt_token_ids":null,"token_ids":null}]${usageJson(usage)}}`;
			const choice = {
				index,
				text,
				logprobs,
				finish_reason: finish?.reason ?? null,
				stop_reason: finish?.stop ?? null,
				prompt_token_ids: null,
				token_ids: null,
			};
			// Logprobs need pydantic's floats.
			return pydanticJson({id: h.id, object: 'text_completion', created: h.created, model: h.model, choices: [choice], ...(usage ? {usage} : {})});
		},
		usage(usage, metrics) {
			// pydantic writes the metrics' floats with their decimal point.
			return pydanticJson({
				id: h.id,
				object: 'text_completion',
				created: h.created,
				model: h.model,
				choices: [],
				usage: finalUsage(usage, extras, first),
				...(metrics ? {metrics} : {}),
			});
		},
	};
	return format;
}

/**
 * The chunks of `/v1/chat/completions` with `stream: true`, as vLLM's
 * `chat_completion_stream_generator` serialises `ChatCompletionStreamResponse` with
 * `exclude_unset=True`: first one chunk per choice with the role and empty content (and the
 * explicitly unset `prompt_token_ids`, `prompt_text`), with `echo` one chunk per choice carrying
 * the last message, then content deltas (`token_ids` null), the finishing delta with
 * `finish_reason` and `stop_reason`, and the usage chunk with `exclude_none=True`. Continuous usage
 * carries `completion_tokens_details: null` as vLLM passes it. With `logprobs`, every content
 * chunk carries `{content: [...]}` for that step's tokens.
 */
export function chatChunks(h: StreamHeader, numChoices: number, extras: StreamExtras = {}): ChunkFormat {
	const states = new Map<number, ChoiceState>();
	let first: LiveGeneration | undefined;
	const head = chunkHead(h, 'chat.completion.chunk');
	const chunk = (choice: object, usage: object | undefined, extra: object = {}, floats = false): string => {
		const body = {
			id: h.id,
			object: 'chat.completion.chunk',
			created: h.created,
			model: h.model,
			choices: [choice],
			...(usage ? {usage: {...usage, completion_tokens_details: null}} : {}),
			...extra,
		};
		return floats ? pydanticJson(body) : JSON.stringify(body);
	};
	return {
		first(continuousUsage) {
			const chunks: string[] = [];
			for (let i = 0; i < numChoices; i++) {
				const role = {index: i, delta: {role: extras.role ?? 'assistant', content: ''}, logprobs: null, finish_reason: null};
				chunks.push(chunk(role, continuousUsage?.(i), {prompt_token_ids: null, prompt_text: null}));
			}
			if (extras.echoMessage)
				for (let i = 0; i < numChoices; i++)
					chunks.push(chunk({index: i, delta: {content: extras.echoMessage}, logprobs: null, finish_reason: null}, continuousUsage?.(i)));
			return chunks;
		},
		chunk(index, delta, finish, usage, generation) {
			first ??= generation;
			const source = extras.logprobs?.(index);
			const logprobs =
				source === undefined || generation === undefined
					? null
					: chatLogprobs(newEntries(source, stateOf(states, index), generation), extras.topLogprobs ?? 0);
			const content = delta;
			// Without logprobs: the constant head written once, one JSON build for the text (what
			// `chunk` below gives, byte for byte).
			if (logprobs === null) {
				const finishPart = finish === undefined ? 'null' : `${JSON.stringify(finish.reason)},"stop_reason":${JSON.stringify(finish.stop)}`;
				const usagePart = usage ? `,"usage":${JSON.stringify({...usage, completion_tokens_details: null})}` : '';
				return `${head}${index},"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":${finishPart},"token_ids":null}]${usagePart}}`;
			}
			const choice =
				finish === undefined
					? {index, delta: {content}, logprobs, finish_reason: null, token_ids: null}
					: {index, delta: {content}, logprobs, finish_reason: finish.reason, stop_reason: finish.stop, token_ids: null};
			return chunk(choice, usage, {}, true);
		},
		usage(usage, metrics) {
			return pydanticJson({
				id: h.id,
				object: 'chat.completion.chunk',
				created: h.created,
				model: h.model,
				choices: [],
				usage: finalUsage(usage, extras, first),
				...(metrics ? {metrics} : {}),
			});
		},
	};
}
