import {createRng, type Rng} from '../rng/rng.js';
import type {Session} from '../runtime/session.js';
import {PyDict, PyFloat} from './py-json.js';
import {detokenize, vocabularySize, vocabularyTokens} from './text-model.js';

/**
 * Simulated log-probabilities (docs/serve.md, "Logprobs"). specsim has no model, so each
 * position's distribution is drawn, deterministically from the seed, the request and the
 * position, in a shape that real ones have: a dominant first rank whose probability is spread
 * around the acceptance model's first-position acceptance rate (a drafter that proposes the
 * target's argmax is accepted about as often as the target puts that much mass on it), then a
 * geometric tail. The sampled token (the text specsim generated) sits at rank 1 under greedy
 * sampling and at a rank drawn from the tempered distribution otherwise; the other ranks are
 * other words. Values are float32 (vLLM's tensors) and never below -9999.0 (vLLM's clamp).
 */

/** Ranks drawn explicitly before the rest of the distribution is one tail bucket. */
const RANKED = 20;
/** Standard deviation, in logits, of the first rank's probability around its median. */
const SPREAD = 1.2;
/** vLLM replaces -inf (and anything lower) by this value. */
const FLOOR = -9999;

/** What a response needs of one token: its string, its id and its logprob. */
export type RankedToken = {readonly token: string; readonly id: number; readonly logprob: number};

/** One position as vLLM's engine returns it: the token at the position with its logprob and rank, then ranks 1..n. */
export type PositionLogprobs = RankedToken & {
	readonly rank: number;
	/** Ranks 1..n in order; the position's own token appears at its rank when that is at most n. */
	readonly top: readonly RankedToken[];
};

/** A token of a response with its logprobs; `logprobs` is null for the first prompt token (nothing precedes it). */
export type LogprobEntry = {readonly token: string; readonly id: number; readonly logprobs: PositionLogprobs | null};

/** What shapes the drawn distributions. */
export type LogprobModel = {
	/** Median probability of the first rank. */
	readonly topProbability: number;
	/** The request's temperature (0: greedy, the token is rank 1). */
	readonly temperature: number;
	/** Largest rank that exists (the vocabulary size). */
	readonly vocabularySize: number;
};

const logit = (p: number): number => Math.log(p / (1 - p));
const value = (p: number): number => Math.max(FLOOR, Math.fround(Math.log(p)));

/**
 * The logprobs of `token` (id `id`) at one position, with ranks 1..`n` (`-1`: the whole
 * vocabulary). `rng` is the position's own stream, so a position's values do not depend on `n`
 * or on which positions were asked for before. `sampled` false (a prompt token) ranks the token
 * as if drawn at temperature 1: the prompt is the user's, not the model's choice.
 */
export function positionLogprobs(rng: Rng, model: LogprobModel, token: string, id: number, n: number, sampled: boolean): PositionLogprobs {
	const u1 = rng.next();
	const u2 = rng.next();
	const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
	const median = Math.min(0.98, Math.max(0.02, model.topProbability));
	const p1 = 1 / (1 + Math.exp(-(logit(median) + SPREAD * z)));
	const ratio = 0.2 + 0.6 * rng.next();
	// Rank 2 takes a share of the rest (below rank 1), every further rank `ratio` of the one before:
	// the ranks sum to at most 1 and strictly decrease.
	const p2 = Math.min((1 - p1) * (1 - ratio), 0.9 * p1);
	const prob = (k: number): number => (k === 1 ? p1 : p2 * ratio ** (k - 2));
	const temperature = sampled ? model.temperature : 1;
	const pick = rng.next();
	const tail = rng.next();
	const rank = Math.min(model.vocabularySize, drawRank(prob, temperature, pick, tail, ratio));
	const alternatives = new Alternatives(token, id, rng.next());
	const count = n === -1 ? model.vocabularySize : Math.min(n, model.vocabularySize);
	const top: RankedToken[] = [];
	for (let k = 1; k <= count; k++) {
		if (k === rank) top.push({token, id, logprob: value(prob(k))});
		else top.push({...alternatives.next(), logprob: value(prob(k))});
	}
	return {token, id, logprob: value(prob(rank)), rank, top};
}

/** The rank of the token: 1 when greedy, else drawn from the tempered first ranks and the tail bucket. */
function drawRank(prob: (k: number) => number, temperature: number, pick: number, tail: number, ratio: number): number {
	if (temperature <= 0) return 1;
	let ranked = 0;
	let total = 0;
	for (let k = 1; k <= RANKED; k++) {
		ranked += prob(k);
		total += prob(k) ** (1 / temperature);
	}
	const tailWeight = Math.max(0, 1 - ranked) ** (1 / temperature);
	total += tailWeight;
	if (!(total > 0)) return 1;
	let target = pick * total;
	for (let k = 1; k <= RANKED; k++) {
		target -= prob(k) ** (1 / temperature);
		if (target < 0) return k;
	}
	return RANKED + 1 + Math.floor(Math.log(1 - tail) / Math.log(ratio));
}

/**
 * The other tokens of a position, in rank order: the generator's words from a drawn offset,
 * then, past the word list, other vocabulary ids in order (as `logprobs: -1` asks for all).
 */
class Alternatives {
	readonly #token: string;
	readonly #id: number;
	readonly #words: {readonly strings: readonly string[]; readonly ids: readonly number[]};
	#word: number;
	#used = 0;
	#nextId = 0;
	#wordIds: Set<number> | undefined;

	constructor(token: string, id: number, offset: number) {
		this.#token = token;
		this.#id = id;
		this.#words = vocabularyTokens();
		this.#word = Math.floor(offset * this.#words.strings.length);
	}

	next(): {token: string; id: number} {
		const words = this.#words;
		while (this.#used < words.strings.length) {
			const i = this.#word % words.strings.length;
			this.#word += 1;
			this.#used += 1;
			if (words.ids[i] !== this.#id && words.strings[i] !== this.#token) return {token: words.strings[i]!, id: words.ids[i]!};
		}
		this.#wordIds ??= new Set(words.ids);
		for (;;) {
			const id = this.#nextId++;
			if (id === this.#id || this.#wordIds.has(id)) continue;
			let token: string;
			try {
				token = detokenize([id]);
			} catch {
				continue;
			}
			return {token, id};
		}
	}
}

/** Python's `len` of a string: code points, not UTF-16 units. */
function pyLen(s: string): number {
	let n = s.length;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
			const d = s.charCodeAt(i + 1);
			if (d >= 0xdc00 && d <= 0xdfff) {
				n -= 1;
				i += 1;
			}
		}
	}
	return n;
}

/**
 * vLLM's `CompletionLogProbs` of some tokens (`_create_completion_logprobs`): `text_offset` from
 * `initialOffset` adding each token's length, `token_logprobs`, `tokens`, and `top_logprobs`, one
 * dict per token keyed by token string: the token first, then ranks 1..n (a token already there
 * keeps its place). A position without logprobs (the first prompt token) has nulls.
 */
export function completionLogprobs(entries: readonly LogprobEntry[], initialOffset: number) {
	const textOffset: number[] = [];
	const tokenLogprobs: (PyFloat | null)[] = [];
	const tokens: string[] = [];
	const topLogprobs: (PyDict | null)[] = [];
	let offset = initialOffset;
	for (const entry of entries) {
		textOffset.push(offset);
		offset += pyLen(entry.token);
		tokens.push(entry.token);
		const lp = entry.logprobs;
		if (lp === null) {
			tokenLogprobs.push(null);
			topLogprobs.push(null);
			continue;
		}
		tokenLogprobs.push(new PyFloat(lp.logprob));
		const dict = new PyDict().set(lp.token, new PyFloat(lp.logprob));
		for (const r of lp.top) dict.set(r.token, new PyFloat(r.logprob));
		topLogprobs.push(dict);
	}
	return {text_offset: textOffset, token_logprobs: tokenLogprobs, tokens, top_logprobs: topLogprobs};
}

const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/**
 * vLLM's `ChatCompletionLogProbs` (`_create_chat_logprobs`): per token its string, logprob, UTF-8
 * bytes, and `top_logprobs`, the first `n` entries of the engine's dict (`-1`: all), which holds
 * the sampled token first and then ranks 1..n without repeating it. So when the sampled token is
 * not the most likely one, it still comes first and the last rank asked for is left out, as in vLLM.
 */
export function chatLogprobs(entries: readonly LogprobEntry[], n: number) {
	const content = [];
	for (const entry of entries) {
		const lp = entry.logprobs!;
		const dict: RankedToken[] = [lp];
		for (const r of lp.top) if (r.id !== lp.id) dict.push(r);
		const count = n === -1 ? dict.length : Math.min(n, dict.length);
		const top = [];
		for (let i = 0; i < count; i++) top.push({token: dict[i]!.token, logprob: new PyFloat(dict[i]!.logprob), bytes: utf8(dict[i]!.token)});
		content.push({token: lp.token, logprob: new PyFloat(lp.logprob), bytes: utf8(lp.token), top_logprobs: top});
	}
	return {content};
}

/**
 * vLLM's `prompt_logprobs` (a list of `dict[int, Logprob]`): null for the first prompt token,
 * then per token a dict keyed by token id (as a string) holding the prompt token first and
 * ranks 1..n, each `{logprob, rank, decoded_token}`.
 */
export function promptLogprobsField(entries: readonly LogprobEntry[]) {
	return entries.map(entry => {
		const lp = entry.logprobs;
		if (lp === null) return null;
		const dict = new PyDict();
		const add = (r: RankedToken, rank: number): void => {
			dict.set(String(r.id), {logprob: new PyFloat(r.logprob), rank, decoded_token: r.token});
		};
		add(lp, lp.rank);
		lp.top.forEach((r, i) => {
			if (r.id !== lp.id) add(r, i + 1);
		});
		return dict;
	});
}

/** The generated tokens' logprobs of one choice, position by position, from the choice's stream. */
export class ChoiceLogprobs {
	readonly #rng: Rng;
	readonly #model: LogprobModel;
	readonly #n: number;

	/** `rng` is the choice's logprob stream; `n` the top-N asked for. */
	constructor(rng: Rng, model: LogprobModel, n: number) {
		this.#rng = rng;
		this.#model = model;
		this.#n = n;
	}

	/** Entries for output tokens `from`..`to` (exclusive) of `words` (token strings) with their ids. */
	output(words: readonly string[], ids: readonly number[], from: number, to: number): LogprobEntry[] {
		const out: LogprobEntry[] = [];
		for (let j = from; j < to; j++) {
			const logprobs = positionLogprobs(this.#rng.fork(`out${j}`), this.#model, words[j]!, ids[j]!, this.#n, true);
			out.push({token: words[j]!, id: ids[j]!, logprobs});
		}
		return out;
	}
}

/**
 * The prompt's tokens with `n` ranks each (vLLM's prompt logprobs; the first token has none).
 * `rng` belongs to the prompt, so every choice of it shares the values, as vLLM computes them once.
 */
export function promptEntries(rng: Rng, model: LogprobModel, ids: readonly number[], n: number): LogprobEntry[] {
	return ids.map((id, j) => {
		const token = detokenize([id]);
		return {token, id, logprobs: j === 0 ? null : positionLogprobs(rng.fork(String(j)), model, token, id, n, false)};
	});
}

/** Median first-rank probability when speculative decoding is off (no acceptance model to read). */
const TOP_PROBABILITY_WITHOUT_SPECULATION = 0.8;

/**
 * The distribution shape of a request's logprobs: the first rank's median probability is the
 * acceptance model's first-position conditional acceptance rate now in force (over the workload's
 * class mix), the temperature is the request's, the vocabulary the tokenizer's.
 */
export function logprobModel(session: Session, temperature: number): LogprobModel {
	const spec = session.built.config.speculative;
	const rate = spec.method !== 'none' && spec.numSpecTokens > 0 ? session.built.expected().conditionalRates[0] : undefined;
	return {topProbability: rate ?? TOP_PROBABILITY_WITHOUT_SPECULATION, temperature, vocabularySize: vocabularySize()};
}

/** The logprob stream of what `key` names (a choice), under the session's seed. */
export function logprobRng(session: Session, key: string): Rng {
	return createRng(session.built.seed).fork('serve-logprobs').fork(key);
}

/**
 * The logprob stream of a prompt, named by its token ids alone: a model's prompt logprobs depend
 * on the prompt and nothing else the request says (`max_tokens`, `n`, `temperature`, `stop`, a
 * sampling `seed`), so the same tokens get the same values in a completion or a chat.
 */
export function promptLogprobRng(session: Session, ids: readonly number[]): Rng {
	return logprobRng(session, `prompt:${ids.join(',')}`);
}
