/**
 * The line-delimited JSON event stream that `generate` writes and `replay` reads.
 *
 * ```jsonl
 * {"type":"meta","start_t":0,"seed":0,"config":{...}}
 * {"type":"step","t":0.0123,"engine":0,"num_spec_tokens":3,"drafts":[[3,2],[3,0]]}
 * {"type":"log","t":10,"engine":0,"line":"SpecDecoding metrics: ..."}
 * ```
 *
 * - `meta`: first line, free-form; `start_t` (virtual seconds, default 0) is when every
 *   engine's logger starts its interval timer.
 * - `step`: one verification step of one engine at virtual time `t` (step end): one
 *   `[numDraftTokens, numAcceptedTokens]` pair per request that had at least one scheduled draft
 *   token, in request order.
 * - `log`: the `SpecDecoding metrics:` message produced at `t`, without logger prefix.
 */
export type MetaEvent = {readonly type: 'meta'; readonly start_t?: number; readonly [key: string]: unknown};
export type StepEvent = {
	readonly type: 'step';
	readonly t: number;
	readonly engine: number;
	readonly num_spec_tokens: number;
	readonly drafts: ReadonlyArray<readonly [numDraftTokens: number, numAcceptedTokens: number]>;
};
export type LogEvent = {readonly type: 'log'; readonly t: number; readonly engine: number; readonly line: string};
export type SimEvent = MetaEvent | StepEvent | LogEvent;

/** A malformed event line; `message` is one line naming the line number and the problem. */
export class EventStreamError extends Error {
	readonly lineNumber: number;
	constructor(lineNumber: number, problem: string) {
		super(`line ${lineNumber}: ${problem}`);
		this.name = 'EventStreamError';
		this.lineNumber = lineNumber;
	}
}

/**
 * Parse and validate one line (1-based `lineNumber`). The first line must be `meta`. Step
 * records are checked here (`0 <= accepted <= drafted <= num_spec_tokens`) so the accounting
 * never sees an invalid draft.
 */
export function parseEventLine(text: string, lineNumber: number): SimEvent {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new EventStreamError(lineNumber, `invalid JSON (${(error as Error).message})`);
	}
	if (!isRecord(value)) throw new EventStreamError(lineNumber, 'expected a JSON object');
	const type = value['type'];
	if (lineNumber === 1 && type !== 'meta')
		throw new EventStreamError(lineNumber, `the first record must have "type":"meta", got ${JSON.stringify(type)}`);
	switch (type) {
		case 'meta': {
			if (lineNumber !== 1) throw new EventStreamError(lineNumber, 'a "meta" record may only be the first line');
			const startT = value['start_t'];
			if (startT !== undefined && !isFiniteNumber(startT))
				throw new EventStreamError(lineNumber, `"start_t" must be a finite number, got ${JSON.stringify(startT)}`);
			return value as MetaEvent;
		}
		case 'step': {
			const t = requireTime(value, lineNumber);
			const engine = requireEngine(value, lineNumber);
			const k = value['num_spec_tokens'];
			if (!isPositiveInteger(k)) throw new EventStreamError(lineNumber, `"num_spec_tokens" must be a positive integer, got ${JSON.stringify(k)}`);
			const drafts = value['drafts'];
			if (!Array.isArray(drafts))
				throw new EventStreamError(
					lineNumber,
					`"drafts" must be an array of [numDraftTokens, numAcceptedTokens] pairs, got ${JSON.stringify(drafts)}`,
				);
			for (let i = 0; i < drafts.length; i++) {
				const pair: unknown = drafts[i];
				if (!Array.isArray(pair) || pair.length !== 2 || !Number.isInteger(pair[0]) || !Number.isInteger(pair[1])) {
					throw new EventStreamError(
						lineNumber,
						`"drafts[${i}]" must be a pair of integers [numDraftTokens, numAcceptedTokens], got ${JSON.stringify(pair)}`,
					);
				}
				const [d, a] = pair as [number, number];
				if (d < 0 || a < 0) throw new EventStreamError(lineNumber, `"drafts[${i}]" has a negative count: ${JSON.stringify(pair)}`);
				if (a > d) throw new EventStreamError(lineNumber, `"drafts[${i}]": accepted ${a} > drafted ${d}`);
				if (d > k) throw new EventStreamError(lineNumber, `"drafts[${i}]": drafted ${d} > num_spec_tokens ${k}`);
			}
			return {type, t, engine, num_spec_tokens: k, drafts: drafts as Array<[number, number]>};
		}
		case 'log': {
			const t = requireTime(value, lineNumber);
			const engine = requireEngine(value, lineNumber);
			const line = value['line'];
			if (typeof line !== 'string') throw new EventStreamError(lineNumber, `"line" must be a string, got ${JSON.stringify(line)}`);
			return {type, t, engine, line};
		}
		default:
			throw new EventStreamError(lineNumber, `unknown record type ${JSON.stringify(type)} (expected "meta", "step" or "log")`);
	}
}

/** Serialise a step record; numbers print as JSON numbers, so a round trip is exact. */
export function stringifyStep(t: number, engine: number, numSpecTokens: number, drafts: string): string {
	return `{"type":"step","t":${t},"engine":${engine},"num_spec_tokens":${numSpecTokens},"drafts":[${drafts}]}`;
}

export function stringifyLog(t: number, engine: number, line: string): string {
	return JSON.stringify({type: 'log', t, engine, line});
}

function requireTime(value: Record<string, unknown>, lineNumber: number): number {
	const t = value['t'];
	if (!isFiniteNumber(t) || t < 0)
		throw new EventStreamError(lineNumber, `"t" must be a non-negative number of virtual seconds, got ${JSON.stringify(t)}`);
	return t;
}

function requireEngine(value: Record<string, unknown>, lineNumber: number): number {
	const engine = value['engine'];
	if (!Number.isInteger(engine) || (engine as number) < 0)
		throw new EventStreamError(lineNumber, `"engine" must be a non-negative integer, got ${JSON.stringify(engine)}`);
	return engine as number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPositiveInteger = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
