import type {ServerResponse} from 'node:http';
import {RESPONSE_ALREADY_SENT} from '@hono/node-server/utils/response';
import type {Context} from 'hono';
import type {Arrival} from './admission.js';
import type {Generation, GenerationListener, GenerationParams, LiveGeneration, ServeEngine} from './serve-engine.js';
import {STREAMING_GENERATION_ERROR} from './generation-error.js';
import {SseWriter} from './sse-writer.js';

/** One output sequence of a request: its choice index, its prompt's length, and what it asks the engine. */
export type ChoiceSpec = {
	readonly index: number;
	readonly promptTokens: number;
	readonly params: GenerationParams;
	/** `include_stop_str_in_output`: vLLM's detokenizer then holds no text back. */
	readonly includeStopStr?: boolean;
};

/** How a stream reports usage (vLLM's `should_include_usage`). */
export type UsageOptions = {
	/** A final chunk with `usage` and no choices (`stream_options.include_usage`, or `--enable-force-include-usage`). */
	readonly includeUsage: boolean;
	/** `usage` on every chunk (`stream_options.continuous_usage_stats`, only with `includeUsage`). */
	readonly continuous: boolean;
};

/** What every chunk of one response repeats. */
export type StreamHeader = {readonly id: string; readonly created: number; readonly model: string};

/** vLLM's `UsageInfo` as a chunk carries it (`prompt_tokens`, `total_tokens`, `completion_tokens`). */
export function usageInfo(promptTokens: number, completionTokens: number) {
	return {prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens};
}

/**
 * The text a stream may release for one choice, as vLLM's incremental detokenizer hands it out
 * (`get_next_output_text`): everything generated so far except the last `holdBack` characters
 * (the longest stop string minus one, so a stop string is never streamed before it is known),
 * and all of it once the sequence finishes (cut before the stop string that ended it).
 */
/**
 * A finished choice's text as the client receives it: cut before the stop string that ended it,
 * or after it with `include_stop_str_in_output`.
 */
export function finalText(result: Generation, includeStopStr: boolean): string {
	return includeStopStr && result.stopReason !== null ? result.text + result.stopReason : result.text;
}

export class TextCursor {
	readonly #holdBack: number;
	readonly #includeStopStr: boolean;
	/**
	 * The text generated and not yet released (at most the held-back tail between steps): only
	 * it is kept, so a step costs the length of its own words. Keeping the whole text and slicing
	 * it made every step flatten (copy) everything generated so far, a cost growing with the
	 * stream's length, and young-generation garbage at every step of every stream.
	 */
	#unsent = '';
	#tokens = 0;
	/** Characters (UTF-16 code units) released so far. */
	#sent = 0;

	/**
	 * With `include_stop_str_in_output` vLLM holds nothing back and cuts the final text after the
	 * stop string that ended it, not before.
	 */
	constructor(stop: readonly string[], includeStopStr = false) {
		this.#includeStopStr = includeStopStr;
		this.#holdBack = includeStopStr ? 0 : Math.max(0, ...stop.map(s => s.length - 1));
	}

	/** Text released by the tokens `generation` has received so far. */
	advance(generation: LiveGeneration): string {
		const plan = generation.plan;
		let unsent = this.#unsent;
		while (this.#tokens < generation.numTokens) unsent += plan.word(this.#tokens++);
		const release = unsent.length - this.#holdBack;
		if (release <= 0) {
			this.#unsent = unsent;
			return '';
		}
		this.#unsent = this.#holdBack === 0 ? '' : unsent.slice(release);
		this.#sent += release;
		return this.#holdBack === 0 ? unsent : unsent.slice(0, release);
	}

	/**
	 * The rest of the final text. Without a stop string that text is every word generated, so the
	 * rest is the held-back tail and the words not yet taken: no need for the whole text (see
	 * Generation's text).
	 */
	finish(result: Generation): string {
		if (result.stopReason === null) {
			const plan = result.live.plan;
			let rest = this.#unsent;
			while (this.#tokens < result.completionTokens) rest += plan.word(this.#tokens++);
			this.#sent += rest.length;
			this.#unsent = '';
			return rest;
		}
		const text = finalText(result, this.#includeStopStr);
		const delta = text.slice(this.#sent);
		this.#sent = text.length;
		this.#unsent = '';
		return delta;
	}
}

/** Per choice while streaming: its generation, text cursor, tokens sent and, once finished, its result. */
type StreamedChoice = {spec: ChoiceSpec; cursor: TextCursor; generation?: LiveGeneration; tokens: number; result?: Generation};

/** The shapes one endpoint streams (vLLM's `serving_completion.py` or `serving_chat.py`). */
export type ChunkFormat = {
	/** Chunks sent before the first content chunk (chat: one per choice with the role), or none. */
	first?(continuousUsage: ((choice: number) => object) | undefined): string[];
	/**
	 * A chunk for choice `index`: `delta` text, `finish` its finish and stop reasons when it ends;
	 * `generation` is the choice's (its tokens so far give the chunk's logprobs).
	 */
	chunk(
		index: number,
		delta: string,
		finish: {reason: string; stop: string | null} | undefined,
		usage: object | undefined,
		generation?: LiveGeneration,
	): string;
	/**
	 * The whole SSE event (`data: CHUNK\n\n`) of choice `index`'s running chunk (`delta` text, not
	 * finishing, no usage), its UTF-8 length in {@link lastChunkBytes}, when the format builds it
	 * from pieces made once; undefined (nothing done) when it cannot (logprobs, echo): then
	 * {@link chunk} makes it.
	 */
	runningEvent?(index: number, delta: string, generation: LiveGeneration): string | undefined;
	/** The final usage chunk (no choices). */
	usage(usage: object, metrics: object | undefined): string;
	/**
	 * The UTF-8 length of what the last {@link chunk} returned when it knew it from its pieces,
	 * else undefined (the writer then measures the string, which copies it flat: see SseWriter.send).
	 */
	readonly lastChunkBytes?: number | undefined;
};

/**
 * One streamed response: the listener of its choices' generations, turning each engine step's
 * tokens into chunks on its {@link SseWriter} as the step completes (no promise or closure per
 * chunk), and ending the stream when the last choice finishes.
 */
class ChoiceStream implements GenerationListener {
	readonly #sse: SseWriter;
	readonly #choices: StreamedChoice[];
	readonly #promptTokensTotal: number;
	readonly #format: ChunkFormat;
	readonly #includeUsage: boolean;
	readonly #metrics: (results: readonly Generation[]) => object | undefined;
	readonly #continuousUsage: ((choice: number) => object) | undefined;
	readonly #onError: (() => void) | undefined;
	#started = false;
	#unfinished: number;
	/** A choice ended with `error`: the stream is over, what the other choices still report is dropped. */
	#failed = false;
	#engine: ServeEngine | undefined;

	constructor(
		sse: SseWriter,
		choices: readonly ChoiceSpec[],
		promptTokensTotal: number,
		format: ChunkFormat,
		usage: UsageOptions,
		metrics: (results: readonly Generation[]) => object | undefined,
		onError: (() => void) | undefined,
	) {
		this.#sse = sse;
		this.#onError = onError;
		this.#choices = choices.map(spec => ({spec, cursor: new TextCursor(spec.params.stop, spec.includeStopStr === true), tokens: 0}));
		this.#promptTokensTotal = promptTokensTotal;
		this.#format = format;
		this.#includeUsage = usage.includeUsage;
		this.#metrics = metrics;
		this.#unfinished = choices.length;
		const streamed = this.#choices;
		this.#continuousUsage =
			usage.includeUsage && usage.continuous ? (i: number) => usageInfo(streamed[i]!.spec.promptTokens, streamed[i]!.tokens) : undefined;
	}

	/** Put every choice into the engine together, in one step (if that fails, abort any that started and rethrow). */
	start(engine: ServeEngine, arrival: Arrival | undefined): void {
		this.#engine = engine;
		try {
			const generations = engine.startAll(
				this.#choices.map(choice => choice.spec.params),
				this,
				arrival,
			);
			for (let i = 0; i < generations.length; i++) this.#choices[i]!.generation = generations[i]!;
		} catch (error) {
			this.abort(engine);
			throw error;
		}
	}

	/** The client left: abort every choice in the engine (nothing more is written). */
	abort(engine: ServeEngine): void {
		for (const choice of this.#choices) if (choice.generation !== undefined) engine.abort(choice.generation);
	}

	onTokens(generation: LiveGeneration, numTokens: number): void {
		if (this.#failed) return;
		const choice = this.#choiceOf(generation);
		// Role chunks first, with usage before any token (vLLM sends them on the first output).
		this.#start();
		choice.tokens += numTokens;
		// The step that finishes the request sends its tokens with the finish chunk.
		if (generation.request.status === 'finished') return;
		const index = choice.spec.index;
		const format = this.#format;
		const delta = choice.cursor.advance(generation);
		const continuousUsage = this.#continuousUsage;
		if (continuousUsage === undefined && format.runningEvent !== undefined) {
			const event = format.runningEvent(index, delta, generation);
			if (event !== undefined) {
				this.#sse.sendEvent(event, format.lastChunkBytes!);
				return;
			}
		}
		this.#sse.send(format.chunk(index, delta, undefined, continuousUsage?.(index), generation), format.lastChunkBytes);
	}

	onFinish(generation: LiveGeneration, result: Generation): void {
		if (this.#failed) return;
		const choice = this.#choiceOf(generation);
		this.#start();
		if (result.finishReason === 'error') {
			this.#fail();
			return;
		}
		const index = choice.spec.index;
		this.#sse.send(
			this.#format.chunk(
				index,
				choice.cursor.finish(result),
				{reason: result.finishReason, stop: result.stopReason},
				this.#continuousUsage?.(index),
				generation,
			),
		);
		choice.result = result;
		if (--this.#unfinished === 0) this.#end();
	}

	#choiceOf(generation: LiveGeneration): StreamedChoice {
		const choices = this.#choices;
		for (let i = 0; i < choices.length; i++) if (choices[i]!.generation === generation) return choices[i]!;
		throw new Error('a generation this stream did not start');
	}

	#start(): void {
		if (this.#started) return;
		this.#started = true;
		for (const data of this.#format.first?.(this.#continuousUsage) ?? []) this.#sse.send(data);
	}

	/**
	 * A choice ended with `error`: vLLM's `GenerationError` ends the stream with its error event
	 * and `[DONE]` (no finish chunk, no usage chunk); the other choices are aborted in the engine.
	 */
	#fail(): void {
		this.#failed = true;
		this.#sse.send(STREAMING_GENERATION_ERROR);
		this.#sse.send('[DONE]');
		this.#sse.end();
		this.#onError?.();
		const engine = this.#engine!;
		// Not from inside the engine's step report that delivered the error.
		queueMicrotask(() => this.abort(engine));
	}

	/** Every choice finished: the usage chunk (with `include_usage`), `[DONE]`, the end of the response. */
	#end(): void {
		if (this.#includeUsage) {
			const results = this.#choices.map(choice => choice.result!);
			const completionTokens = results.reduce((sum, r) => sum + r.completionTokens, 0);
			this.#sse.send(this.#format.usage(usageInfo(this.#promptTokensTotal, completionTokens), this.#metrics(results)));
		}
		this.#sse.send('[DONE]');
		this.#sse.end();
	}
}

/**
 * Stream choices as Server-Sent Events the way vLLM's OpenAI server does: one chunk per engine
 * step per choice, carrying every token that step produced (1 to k+1 under speculative
 * decoding); the step that finishes a choice carries its last text and `finish_reason`; then,
 * with `include_usage`, a chunk with the usage summed over choices (and per-request metrics);
 * then `data: [DONE]`. A client that disconnects aborts every choice in the engine. A choice the
 * engine finishes with `error` ends the stream as vLLM's `GenerationError` does: the error event
 * (after the chat role chunks), no usage chunk, `[DONE]`; the other choices are aborted and
 * `onError` is told once.
 *
 * The response is written to Node's `ServerResponse` (`c.env.outgoing` under
 * `@hono/node-server`) by an {@link SseWriter}; routing, validation and errors before the stream
 * starts stay Hono's, and Hono is told the response is already sent.
 */
export function streamChoices(
	c: Context,
	engine: ServeEngine,
	choices: readonly ChoiceSpec[],
	promptTokensTotal: number,
	format: ChunkFormat,
	usage: UsageOptions,
	metrics: (results: readonly Generation[]) => object | undefined,
	onError?: () => void,
): Response {
	const res = (c.env as {outgoing?: ServerResponse} | undefined)?.outgoing;
	if (res === undefined) throw new Error('streaming responses need the Node HTTP server (@hono/node-server)');
	const sse = new SseWriter(res);
	const stream = new ChoiceStream(sse, choices, promptTokensTotal, format, usage, metrics, onError);
	// Before the head: an engine that refuses the request is still an error response from Hono.
	stream.start(engine, c.get('arrival'));
	sse.begin(() => stream.abort(engine));
	if (sse.clientGone) stream.abort(engine);
	return RESPONSE_ALREADY_SENT;
}
