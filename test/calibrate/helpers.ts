import {formatSpecDecodingMessage, type LogFormat} from '../../src/metrics/log/formats.js';
import {SpecDecodingWindow} from '../../src/metrics/log/window.js';

/** Counts of one log interval. */
export type IntervalCounts = {
	k: number;
	numDrafts: number;
	numDraftTokens: number;
	numAcceptedTokens: number;
	acceptedPerPos: readonly number[];
	draftedPerPos: readonly number[];
};

/** Draws (drafted, accepted) per draft from a small LCG, so generated lines are reproducible. */
export function drawInterval(seed: number, k: number, numDrafts: number, alpha: number, variableLength: boolean): IntervalCounts {
	let state = seed >>> 0 || 1;
	const next = (): number => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
	const acceptedPerPos = new Array<number>(k).fill(0);
	const draftedPerPos = new Array<number>(k).fill(0);
	let drafted = 0;
	let accepted = 0;
	for (let j = 0; j < numDrafts; j++) {
		const d = variableLength ? 1 + Math.floor(next() * k) : k;
		let a = 0;
		while (a < d && next() < alpha) a++;
		drafted += d;
		accepted += a;
		for (let i = 0; i < d; i++) draftedPerPos[i]! += 1;
		for (let i = 0; i < a; i++) acceptedPerPos[i]! += 1;
	}
	return {k, numDrafts, numDraftTokens: drafted, numAcceptedTokens: accepted, acceptedPerPos, draftedPerPos};
}

/** The message specsim's SpecDecodingLogging prints for these counts. */
export function formatCounts(format: LogFormat, c: IntervalCounts, elapsedS = 10): string {
	const w = new SpecDecodingWindow(c.k);
	w.numObservations = 1;
	w.numDrafts = c.numDrafts;
	w.numDraftTokens = c.numDraftTokens;
	w.numAcceptedTokens = c.numAcceptedTokens;
	fill(w.acceptedHistogram, c.acceptedPerPos, c.numDrafts);
	fill(w.draftedHistogram, c.draftedPerPos, c.numDrafts);
	return formatSpecDecodingMessage(format, w, elapsedS, {accepted: new Float64Array(c.k), drafted: new Float64Array(c.k)});
}

function fill(histogram: Float64Array, perPos: readonly number[], drafts: number): void {
	let previous = drafts;
	for (let j = 0; j < perPos.length; j++) {
		histogram[j] = previous - perPos[j]!;
		previous = perPos[j]!;
	}
	histogram[perPos.length] = previous;
}
