import type {SpecDecodingStats} from '../stats/spec-decoding-stats.js';
import {formatSpecDecodingMessage, type LogFormat} from './formats.js';
import {SpecDecodingWindow} from './window.js';

/** Options of {@link SpecDecodingLogging}. */
export type SpecDecodingLoggingOptions = {
	/** `num_speculative_tokens` at start; the window grows if larger stats arrive. */
	readonly numSpecTokens: number;
	/** @default 'classic' */
	readonly format?: LogFormat;
	/** Virtual seconds at which the logger was created (vLLM sets `last_log_time` at construction). @default 0 */
	readonly startS?: number;
};

/**
 * vLLM's `SpecDecodingLogging`: aggregates the steps observed between log calls and turns them
 * into one `SpecDecoding metrics: ...` message.
 *
 * Rules ported from vLLM (since PR #17913):
 * - `log(nowS)` returns `undefined` when nothing was observed since the last printed line, and
 *   then does not reset the throughput timer (`last_log_time` moves only on a printed line), so
 *   after idle time the throughputs are diluted exactly as vLLM's are;
 * - a printed line resets the window.
 */
export class SpecDecodingLogging {
	readonly format: LogFormat;
	#window: SpecDecodingWindow;
	#lastLogS: number;
	#scratch: {accepted: Float64Array; drafted: Float64Array};

	constructor(options: SpecDecodingLoggingOptions) {
		this.format = options.format ?? 'classic';
		this.#window = new SpecDecodingWindow(options.numSpecTokens);
		this.#lastLogS = options.startS ?? 0;
		this.#scratch = makeScratch(options.numSpecTokens);
	}

	/** The running sums since the last printed line (read-only use: UI, summaries). */
	get window(): Readonly<SpecDecodingWindow> {
		return this.#window;
	}

	/** Virtual time of the last printed line (or of construction). */
	get lastLogS(): number {
		return this.#lastLogS;
	}

	/** vLLM's `observe(spec_decoding_stats)`: O(k), no allocation unless k grows. */
	observe(stats: SpecDecodingStats): void {
		this.#window.observe(stats);
	}

	/** vLLM's `log()`: the message for the interval ending at `nowS`, or `undefined` if nothing was drafted. */
	log(nowS: number): string | undefined {
		const window = this.#window;
		if (window.numObservations === 0) return undefined;
		if (this.#scratch.accepted.length < window.numSpecTokens) this.#scratch = makeScratch(window.numSpecTokens);
		const message = formatSpecDecodingMessage(this.format, window, nowS - this.#lastLogS, this.#scratch);
		window.reset();
		this.#lastLogS = nowS;
		return message;
	}

	/** Forget everything and restart the timer at `nowS`, as a restarted engine would. */
	restart(nowS: number, numSpecTokens = this.#window.numSpecTokens): void {
		this.#window.reset(numSpecTokens);
		this.#lastLogS = nowS;
	}
}

function makeScratch(k: number): {accepted: Float64Array; drafted: Float64Array} {
	return {accepted: new Float64Array(k), drafted: new Float64Array(k)};
}
