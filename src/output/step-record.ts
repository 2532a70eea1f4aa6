import {asciiBytes, type LineBuffer} from './line-buffer.js';

const STEP_HEAD = asciiBytes('{"type":"step","t":');
const ENGINE = asciiBytes(',"engine":');
const K = asciiBytes(',"num_spec_tokens":');
const DRAFTS = asciiBytes(',"drafts":[');
const END = asciiBytes(']}\n');

/**
 * One `step` record of `events.jsonl` and its newline, byte-identical to `JSON.stringify` of
 * `{type: 'step', t, engine, num_spec_tokens, drafts}` with `drafts` the `[numDraftTokens,
 * numAcceptedTokens]` pairs, read straight from the engine's flat `draftPairs` array into `out`.
 */
export function writeStepRecord(
	out: LineBuffer,
	t: number,
	engine: number,
	numSpecTokens: number,
	draftPairs: ArrayLike<number>,
	numPairs: number,
): void {
	out.bytes(STEP_HEAD).number(t).bytes(ENGINE).number(engine).bytes(K).number(numSpecTokens).bytes(DRAFTS).intPairs(draftPairs, numPairs).bytes(END);
}
