import type {Context} from 'hono';
import {streamSSE} from 'hono/streaming';
import type {Generation, GenerationParams, LiveGeneration, ServeEngine} from './serve-engine.js';

/** One output sequence of a request: its choice index, its prompt's length, and what it asks the engine. */
export type ChoiceSpec = {
	readonly index: number;
	readonly promptTokens: number;
	readonly params: GenerationParams;
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
export class TextCursor {
	readonly #holdBack: number;
	#text = '';
	#tokens = 0;
	#sent = 0;

	constructor(stop: readonly string[]) {
		this.#holdBack = Math.max(0, ...stop.map(s => s.length - 1));
	}

	/** Text released by the tokens `generation` has received so far. */
	advance(generation: LiveGeneration): string {
		const words = generation.plan.words;
		while (this.#tokens < generation.numTokens) this.#text += words[this.#tokens++]!;
		const end = this.#text.length - this.#holdBack;
		if (end <= this.#sent) return '';
		const delta = this.#text.slice(this.#sent, end);
		this.#sent = end;
		return delta;
	}

	/** The rest of the final text. */
	finish(result: Generation): string {
		const delta = result.text.slice(this.#sent);
		this.#sent = result.text.length;
		return delta;
	}
}

/** Per choice while streaming: its generation, text cursor and tokens sent. */
type StreamedChoice = {spec: ChoiceSpec; cursor: TextCursor; generation?: LiveGeneration; tokens: number};

/** The shapes one endpoint streams (vLLM's `serving_completion.py` or `serving_chat.py`). */
export type ChunkFormat = {
	/** Chunks sent before the first content chunk (chat: one per choice with the role), or none. */
	first?(continuousUsage: ((choice: number) => object) | undefined): string[];
	/** A chunk for choice `index`: `delta` text, `finish` its finish and stop reasons when it ends. */
	chunk(index: number, delta: string, finish: {reason: string; stop: string | null} | undefined, usage: object | undefined): string;
	/** The final usage chunk (no choices). */
	usage(usage: object, metrics: object | undefined): string;
};

/**
 * Stream choices as Server-Sent Events the way vLLM's OpenAI server does: one chunk per engine
 * step per choice, carrying every token that step produced (1 to k+1 under speculative
 * decoding); the step that finishes a choice carries its last text and `finish_reason`; then,
 * with `include_usage`, a chunk with the usage summed over choices (and per-request metrics);
 * then `data: [DONE]`. A client that disconnects aborts every choice in the engine.
 */
export function streamChoices(
	c: Context,
	engine: ServeEngine,
	choices: readonly ChoiceSpec[],
	promptTokensTotal: number,
	format: ChunkFormat,
	usage: UsageOptions,
	metrics: (results: readonly Generation[]) => object | undefined,
): Response {
	const signal = c.req.raw.signal;
	const response = streamSSE(c, async stream => {
		let open = true;
		const send = (data: string): void => {
			if (open) void stream.write(`data: ${data}\n\n`);
		};
		const streamed: StreamedChoice[] = choices.map(spec => ({spec, cursor: new TextCursor(spec.params.stop), tokens: 0}));
		const continuousUsage =
			usage.includeUsage && usage.continuous ? (i: number) => usageInfo(streamed[i]!.spec.promptTokens, streamed[i]!.tokens) : undefined;
		let started = false;
		const start = (): void => {
			if (started) return;
			started = true;
			for (const data of format.first?.(continuousUsage) ?? []) send(data);
		};
		const listener = {
			onTokens(generation: LiveGeneration, numTokens: number): void {
				const choice = streamed.find(s => s.generation === generation)!;
				// Role chunks first, with usage before any token (vLLM sends them on the first output).
				start();
				choice.tokens += numTokens;
				// The step that finishes the request sends its tokens with the finish chunk.
				if (generation.request.status === 'finished') return;
				send(format.chunk(choice.spec.index, choice.cursor.advance(generation), undefined, continuousUsage?.(choice.spec.index)));
			},
			onFinish(generation: LiveGeneration, result: Generation): void {
				const choice = streamed.find(s => s.generation === generation)!;
				start();
				send(
					format.chunk(
						choice.spec.index,
						choice.cursor.finish(result),
						{reason: result.finishReason, stop: result.stopReason},
						continuousUsage?.(choice.spec.index),
					),
				);
			},
		};
		for (const choice of streamed) choice.generation = engine.start(choice.spec.params, listener);
		const onAbort = (): void => {
			open = false;
			for (const choice of streamed) engine.abort(choice.generation!);
		};
		signal.addEventListener('abort', onAbort, {once: true});
		stream.onAbort(onAbort);
		if (signal.aborted) onAbort();
		const results = await Promise.all(streamed.map(choice => choice.generation!.done));
		signal.removeEventListener('abort', onAbort);
		if (usage.includeUsage) {
			const completionTokens = results.reduce((sum, r) => sum + r.completionTokens, 0);
			send(format.usage(usageInfo(promptTokensTotal, completionTokens), metrics(results)));
		}
		send('[DONE]');
	});
	// Starlette's StreamingResponse adds the charset to a text media type.
	response.headers.set('content-type', 'text/event-stream; charset=utf-8');
	return response;
}
