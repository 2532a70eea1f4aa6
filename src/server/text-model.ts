import {createRequire} from 'node:module';
import type {Rng} from '../rng/rng.js';

type GptTokenizer = typeof import('gpt-tokenizer');
let gptTokenizer: GptTokenizer | undefined;

/**
 * gpt-tokenizer, loaded on first use: it builds its o200k_base tables as it loads (a tenth of a
 * second and more), which every other command (`generate` above all) would pay at start-up.
 */
function tokenizer(): GptTokenizer {
	gptTokenizer ??= createRequire(import.meta.url)('gpt-tokenizer') as GptTokenizer;
	return gptTokenizer;
}

/** Load the tokenizer and its word list now (a server does before it listens, so no request waits for them). */
export function loadTokenizer(): void {
	singleTokenWords();
}

/**
 * Token ids of `text` with the tokenizer `specsim serve` counts prompts with and `/tokenize`
 * answers with: gpt-tokenizer's default vocabulary, OpenAI's `o200k_base` BPE. vLLM counts with
 * the served model's own tokenizer (a Llama or Qwen vocabulary gives other counts for the same
 * text); specsim has no vocabulary files, so counts are o200k_base's. Special tokens are encoded as
 * plain text.
 */
export function tokenize(text: string): number[] {
	return tokenizer().encode(text, {allowedSpecial: new Set(), disallowedSpecial: new Set()});
}

/** Text of token ids; throws RangeError on an id outside the vocabulary. */
export function detokenize(tokens: readonly number[]): string {
	return tokenizer().decode(tokens as number[]);
}

/**
 * Words each of which is exactly one o200k_base token when preceded by a space, so a text of n
 * words is n output tokens: generated text and `usage.completion_tokens` agree.
 */
const CANDIDATES = (
	'the of and to in is that it for was on are as with his they at be this from have or by one had not but what all were when we there ' +
	'can an your which their said if do will each about how up out them then she many some so these would other into has more her two ' +
	'like him see time could no make than first been its who now people my made over did down only way find use may water long little ' +
	'very after words called just where most know get through back much before go good new write our used me man too any day same right ' +
	'look think also around another came come work three word must because does part even place well such here take why things help put ' +
	'years different away again off went old number great tell men say small every found still between name should home big give air line ' +
	'set own under read last never us left end along while might next sound below saw something thought both few those always looked show ' +
	'large often together asked house world going want school important until form food keep children feet land side without boy once animals ' +
	'life enough took sometimes four head above kind began almost live page got earth need far hand high year mother light parts country father'
).split(' ');

let singleTokenWordList: readonly string[] | undefined;
/** The single-token words (computed on first use: it needs the tokenizer). */
function singleTokenWords(): readonly string[] {
	singleTokenWordList ??= CANDIDATES.filter(w => tokenize(` ${w}`).length === 1);
	return singleTokenWordList;
}

/** The words {@link generateWords} draws from, with their leading space, and their token ids (logprob alternatives). */
export function vocabularyTokens(): {readonly strings: readonly string[]; readonly ids: readonly number[]} {
	const strings = spacedVocabulary();
	return {strings, ids: wordTokenIds(strings)};
}

/** The tokenizer's vocabulary size (vLLM's `get_vocab_size()`, which `logprobs: -1` asks for). */
export function vocabularySize(): number {
	return tokenizer().vocabularySize;
}

let wordIds: ReadonlyMap<string, number> | undefined;
/**
 * Token ids of words {@link generateWords} produced (one token each), for the prefix cache's block
 * keys: of `words[from..to)`, without copying the slice first.
 */
export function wordTokenIds(words: readonly string[], from = 0, to = words.length): number[] {
	wordIds ??= new Map(singleTokenWords().map(w => [` ${w}`, tokenize(` ${w}`)[0]!]));
	const ids = new Array<number>(Math.max(0, to - from));
	for (let i = from; i < to; i++) ids[i - from] = wordIds.get(words[i]!)!;
	return ids;
}

let spacedWords: readonly string[] | undefined;
/** The words output text is made of, with their leading space (indices into this are what plans keep). */
export function spacedVocabulary(): readonly string[] {
	spacedWords ??= singleTokenWords().map(w => ` ${w}`);
	return spacedWords;
}

let spacedWordIds: Int32Array | undefined;
/** The token id of each word of {@link spacedVocabulary}, by index. */
export function spacedVocabularyIds(): Int32Array {
	spacedWordIds ??= Int32Array.from(wordTokenIds(spacedVocabulary()));
	return spacedWordIds;
}

/**
 * `n` output tokens of deterministic text, one string per token: words drawn from a fixed
 * single-token vocabulary by `rng`, each with a leading space. Same stream, same words; never an
 * echo of the prompt. Joined, they are the text. (The serve engine's plans keep the words'
 * indices instead, drawn the same way: {@link drawWordIndices}.)
 */
export function generateWords(n: number, rng: Rng): string[] {
	// The spaced words are made once: a request of n tokens then allocates no string per token.
	const vocabulary = spacedVocabulary();
	const words = new Array<string>(n);
	for (let i = 0; i < n; i++) words[i] = vocabulary[Math.floor(rng.next() * vocabulary.length)]!;
	return words;
}

/** Bytes of one shared block of word indices (see {@link drawWordIndices}). */
const WORD_SLAB_BYTES = 64 * 1024;
let wordSlab = new Uint8Array(0);
let wordSlabUsed = 0;

/**
 * The indices into {@link spacedVocabulary} of the `n` words {@link generateWords} would draw from
 * `rng` (the same draws), as a view of a block shared by many requests' plans: a plan then keeps
 * no array of `n` references (which every young-generation collection of the request's life
 * copied) and allocates no buffer of its own; a block is freed when the last plan viewing it is.
 */
export function drawWordIndices(n: number, rng: Rng): Uint8Array {
	const range = spacedVocabulary().length;
	if (range > 256) throw new Error('word indices are bytes: the vocabulary must have at most 256 words');
	let out: Uint8Array;
	let at = 0;
	if (n > WORD_SLAB_BYTES / 8) out = new Uint8Array(n);
	else {
		if (wordSlabUsed + n > wordSlab.length) {
			wordSlab = new Uint8Array(WORD_SLAB_BYTES);
			wordSlabUsed = 0;
		}
		out = wordSlab;
		at = wordSlabUsed;
		wordSlabUsed += n;
	}
	for (let i = 0; i < n; i++) out[at + i] = Math.floor(rng.next() * range);
	return out === wordSlab ? out.subarray(at, at + n) : out;
}

/** The text of words `indices[from..to)` of {@link spacedVocabulary}. */
export function joinWords(indices: ArrayLike<number>, from = 0, to = indices.length): string {
	const vocabulary = spacedVocabulary();
	// Joined, not appended one by one: one flat string, not a chain of as many pieces.
	const words = new Array<string>(Math.max(0, to - from));
	for (let i = from; i < to; i++) words[i - from] = vocabulary[indices[i]!]!;
	return words.join('');
}

/**
 * Where the first of `stops` appears in generated `text` (tokens of one word each, as
 * {@link generateText} writes them): the text before it, the number of tokens generated until the
 * token that completes it (vLLM stops there and counts that token), and which stop matched.
 * Undefined when none appears.
 */
export function findStop(text: string, stops: readonly string[]): {text: string; numTokens: number; stop: string} | undefined {
	let best: {at: number; stop: string} | undefined;
	for (const stop of stops) {
		if (stop === '') continue;
		const at = text.indexOf(stop);
		if (at >= 0 && (best === undefined || at + stop.length < best.at + best.stop.length)) best = {at, stop};
	}
	if (best === undefined) return undefined;
	const end = best.at + best.stop.length;
	// Tokens are ` word`: the token completing the stop is the one containing its last character.
	let numTokens = 0;
	for (let i = 0; i < end; i++) if (text[i] === ' ') numTokens += 1;
	return {text: text.slice(0, best.at), numTokens: Math.max(1, numTokens), stop: best.stop};
}
