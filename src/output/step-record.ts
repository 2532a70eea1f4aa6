import type {LineBuffer} from './line-buffer.js';

const STEP_HEAD = '{"type":"step","t":';
const ENGINE = ',"engine":';
const K = ',"num_spec_tokens":';
const DRAFTS = ',"drafts":[';
const COMMA = 44;
const OPEN = 91;
const CLOSE = 93;

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
	out.text(STEP_HEAD).number(t).text(ENGINE).number(engine).text(K).number(numSpecTokens).text(DRAFTS);
	for (let i = 0; i < numPairs; i++) {
		if (i > 0) out.byte(COMMA);
		out
			.byte(OPEN)
			.number(draftPairs[2 * i]!)
			.byte(COMMA)
			.number(draftPairs[2 * i + 1]!)
			.byte(CLOSE);
	}
	out.text(']}\n');
}
