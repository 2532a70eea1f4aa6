/**
 * An example `SpecDecoding metrics:` line for the explanation: the numbers' counts fed through
 * specsim's `SpecDecodingLogging`, so the line is byte-for-byte what vLLM prints for them.
 */
import {formatLogLine} from '../metrics/log/log-prefix.js';
import {SpecDecodingLogging} from '../metrics/log/spec-decoding-logging.js';
import {SpecDecodingStats} from '../metrics/stats/spec-decoding-stats.js';
import type {ExplainNumbers} from './numbers.js';

/** The timestamp of example lines: 09-11 12:00:10 UTC (the example time in docs/vllm-log-formats.md, plus one interval). */
const EXAMPLE_EPOCH_MS = Date.UTC(2025, 8, 11, 12, 0, 0);

/** The counts behind the example line: per-position accepted and drafted counts. */
export function exampleCounts(n: ExplainNumbers): {acceptedPerPos: number[]; draftedPerPos: number[]} {
	const k = n.k;
	const drafts = n.numDrafts;
	const acceptedPerPos = n.acceptedPerPos !== undefined ? [...n.acceptedPerPos] : n.unconditionalRates.map(r => Math.round(r * drafts));
	let draftedPerPos: number[];
	if (n.draftedPerPos !== undefined) {
		draftedPerPos = [...n.draftedPerPos];
	} else if (n.numDraftTokens >= k * drafts) {
		draftedPerPos = new Array<number>(k).fill(drafts);
	} else {
		// Spread the draft tokens evenly: q or q+1 tokens per draft.
		const q = Math.floor(n.numDraftTokens / Math.max(1, drafts));
		const extra = n.numDraftTokens - q * drafts;
		draftedPerPos = Array.from({length: k}, (_, i) => (i < q ? drafts : i === q ? extra : 0));
	}
	return {acceptedPerPos, draftedPerPos};
}

/**
 * The full log line (`INFO 09-11 12:00:10 [metrics.py:N] SpecDecoding metrics: ...`) vLLM prints
 * for these counts in `n.logFormat`, `n.logIntervalS` seconds after the previous line. Undefined
 * when there are no drafts (vLLM prints nothing then).
 */
export function exampleLogLine(n: ExplainNumbers): string | undefined {
	if (!(n.numDrafts >= 1)) return undefined;
	const k = n.k;
	const format = n.logFormat ?? 'throughput';
	const intervalS = n.logIntervalS ?? 10;
	const {acceptedPerPos, draftedPerPos} = exampleCounts(n);
	const stats = new SpecDecodingStats(k);
	stats.numDrafts = n.numDrafts;
	stats.numDraftTokens = n.numDraftTokens;
	stats.numAcceptedTokens = n.numAcceptedTokens;
	fillHistogram(stats.acceptedHistogram, acceptedPerPos, n.numDrafts);
	fillHistogram(stats.draftedHistogram, draftedPerPos, n.numDrafts);
	const logger = new SpecDecodingLogging({numSpecTokens: k, format, startS: 0});
	logger.observe(stats);
	const message = logger.log(intervalS);
	return message === undefined ? undefined : formatLogLine(message, EXAMPLE_EPOCH_MS + intervalS * 1000, format);
}

/** histogram[j] = drafts with exactly j: perPos[j−1] − perPos[j] (perPos[−1] = drafts), histogram[k] = perPos[k−1]. */
function fillHistogram(histogram: Float64Array, perPos: readonly number[], drafts: number): void {
	const k = perPos.length;
	let previous = drafts;
	for (let j = 0; j < k; j++) {
		histogram[j] = Math.max(0, previous - perPos[j]!);
		previous = perPos[j]!;
	}
	histogram[k] = Math.max(0, previous);
}
