import type {DurationSpec} from './durations.js';
import type {LengthSpec} from './lengths.js';
import type {TemperatureSpec} from './temperature.js';

/**
 * One kind of traffic in a workload mix. Requests pick a class with probability proportional to
 * `weight`, then draw their prompt and output lengths and temperature from it.
 *
 * The remaining fields describe how speculation fares on this traffic; the engine and proposers
 * read them through {@link classTraits}:
 * - `acceptanceFactor` multiplies the acceptance model's per-position probabilities (the consumer
 *   clamps the product to [0, 1]). Default 1.
 * - `ngramHitRate`: probability, per step, that an n-gram/suffix lookup finds a match, in [0, 1].
 *   Absent: the proposer's own configured rate.
 * - `repetition`: in [0, 1], how much the output repeats the prompt; longer n-gram matches as it
 *   grows. Default 0.
 */
export type WorkloadClassSpec = {
	name: string;
	weight: number;
	prompt: LengthSpec;
	output: LengthSpec;
	acceptanceFactor?: number;
	ngramHitRate?: number;
	repetition?: number;
	/** Default 0 (greedy). */
	temperature?: TemperatureSpec;
	/**
	 * A system prompt of this many tokens that every request of the class starts with, before its
	 * own `prompt` tokens (so a prompt is `sharedPrefixTokens + prompt`): what prefix caching
	 * reuses. Default 0.
	 */
	sharedPrefixTokens?: number;
	/**
	 * Requests of this class are turns of multi-turn conversations that resend their history
	 * (docs/prefix-caching.md). Absent: every request is a conversation of one turn.
	 */
	conversation?: ConversationSpec;
	/**
	 * The class's clients send `max_tokens` equal to the drawn output length, with `ignore_eos`
	 * (`vllm bench serve`'s random dataset, specsim's `--output-len`): every request ends with
	 * finish reason `length`, and vLLM's API server refuses one whose prompt and `max_tokens` do not
	 * fit `max_model_len` with a 400 instead of cutting it. Default false: the output length is the
	 * model's end of sequence, and a client without `max_tokens` is cut at `max_model_len`.
	 */
	ignoreEos?: boolean;
};

/**
 * A multi-turn conversation. Its first turn's prompt is `sharedPrefixTokens + prompt`, as any
 * request of the class; each later turn's prompt is the whole history (the previous turn's prompt
 * and the output it actually produced) plus a new user message of `userTokens`, so it starts with
 * the previous turn's tokens and hits the prefix cache on their full blocks. Every turn's output
 * length is drawn from the class's `output`. The next turn arrives `thinkTime` after the previous
 * one finished (closed loop per conversation).
 */
export type ConversationSpec = {
	/** Turns (user messages) per conversation, integers >= 1. */
	turns: LengthSpec;
	/** Tokens of each user message after the first. */
	userTokens: LengthSpec;
	/** Seconds from a turn's completion to the next turn's arrival. @default 0 */
	thinkTime?: DurationSpec;
};

/** The speculation-related traits of a class with defaults applied. */
export type ClassTraits = {
	acceptanceFactor: number;
	ngramHitRate: number | undefined;
	repetition: number;
};

/** `acceptanceFactor`, `ngramHitRate` and `repetition` of `spec`, with defaults 1, undefined, 0. */
export function classTraits(spec: WorkloadClassSpec): ClassTraits {
	return {
		acceptanceFactor: spec.acceptanceFactor ?? 1,
		ngramHitRate: spec.ngramHitRate,
		repetition: spec.repetition ?? 0,
	};
}

/**
 * Check the class list's own fields (lengths and temperatures are checked when their samplers are
 * built): a non-empty list of uniquely named classes with finite weights >= 0 summing to > 0,
 * `acceptanceFactor >= 0`, and `ngramHitRate`, `repetition` in [0, 1].
 *
 * @throws RangeError naming `classes[i].field` and the bad value.
 */
export function validateWorkloadClasses(classes: readonly WorkloadClassSpec[]): void {
	if (!Array.isArray(classes) || classes.length === 0) throw new RangeError('classes must be a non-empty array');
	const names = new Set<string>();
	let total = 0;
	classes.forEach((c, i) => {
		const at = `classes[${i}]`;
		if (typeof c.name !== 'string' || c.name === '') throw new RangeError(`${at}.name must be a non-empty string, got ${JSON.stringify(c.name)}`);
		if (names.has(c.name)) throw new RangeError(`${at}.name must be unique, got duplicate ${JSON.stringify(c.name)}`);
		names.add(c.name);
		if (!(c.weight >= 0 && c.weight < Number.POSITIVE_INFINITY)) throw new RangeError(`${at}.weight must be a finite number >= 0, got ${c.weight}`);
		total += c.weight;
		const {acceptanceFactor: a, ngramHitRate: h, repetition: r} = c;
		if (a !== undefined && !(a >= 0 && a < Number.POSITIVE_INFINITY))
			throw new RangeError(`${at}.acceptanceFactor must be a finite number >= 0, got ${a}`);
		if (h !== undefined && !(h >= 0 && h <= 1)) throw new RangeError(`${at}.ngramHitRate must be in [0, 1], got ${h}`);
		if (r !== undefined && !(r >= 0 && r <= 1)) throw new RangeError(`${at}.repetition must be in [0, 1], got ${r}`);
		const p = c.sharedPrefixTokens;
		if (p !== undefined && !(Number.isInteger(p) && p >= 0)) throw new RangeError(`${at}.sharedPrefixTokens must be an integer >= 0, got ${p}`);
	});
	if (!(total > 0)) throw new RangeError(`classes must have a positive total weight, got ${total}`);
}
