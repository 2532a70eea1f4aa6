import type {EngineMetrics} from './engine-metrics.js';

/**
 * Raw counters over a span of virtual time, summed over engines. Spans are differences of
 * lifetime totals, so "the last log interval" and "the last second" come from one source.
 */
export type SpanCounts = {
	readonly startS: number;
	readonly endS: number;
	readonly numDrafts: number;
	readonly numDraftTokens: number;
	readonly numAcceptedTokens: number;
	/** vLLM `num_accepted_tokens_per_pos` (as long as the largest k seen). */
	readonly acceptedPerPos: readonly number[];
	/** Drafts with a token at each position (the newest vLLM's `num_draft_tokens_per_pos`). */
	readonly draftedPerPos: readonly number[];
	readonly promptTokens: number;
	readonly generationTokens: number;
	readonly numPreemptions: number;
	readonly busyS: number;
	readonly noSpecBusyS: number;
	readonly tokenRequests: number;
};

/** Lifetime totals of `metrics` (engines, or any span totals shaped like them) at virtual time `nowS`. */
export function readLifetimeCounts(metrics: readonly Pick<EngineMetrics, 'lifetime'>[], nowS: number): SpanCounts {
	let startS = nowS;
	let numDrafts = 0;
	let numDraftTokens = 0;
	let numAcceptedTokens = 0;
	let promptTokens = 0;
	let generationTokens = 0;
	let numPreemptions = 0;
	let busyS = 0;
	let noSpecBusyS = 0;
	let tokenRequests = 0;
	const perPos: number[] = [];
	const draftedPos: number[] = [];
	for (const m of metrics) {
		const life = m.lifetime;
		startS = Math.min(startS, life.startS);
		numDrafts += life.spec.numDrafts;
		numDraftTokens += life.spec.numDraftTokens;
		numAcceptedTokens += life.spec.numAcceptedTokens;
		promptTokens += life.promptTokens;
		generationTokens += life.generationTokens;
		numPreemptions += life.numPreemptions;
		busyS += life.busyS;
		noSpecBusyS += life.noSpecBusyS;
		tokenRequests += life.tokenRequests;
		const acc = life.spec.acceptedPerPos(new Float64Array(life.spec.numSpecTokens));
		for (let i = 0; i < acc.length; i++) perPos[i] = (perPos[i] ?? 0) + acc[i]!;
		const drf = life.spec.draftedPerPos(new Float64Array(life.spec.numSpecTokens));
		for (let i = 0; i < drf.length; i++) draftedPos[i] = (draftedPos[i] ?? 0) + drf[i]!;
	}
	return {
		startS,
		endS: nowS,
		numDrafts,
		numDraftTokens,
		numAcceptedTokens,
		acceptedPerPos: perPos,
		draftedPerPos: draftedPos,
		promptTokens,
		generationTokens,
		numPreemptions,
		busyS,
		noSpecBusyS,
		tokenRequests,
	};
}

/** What happened between `earlier` and `later` (two readings of the same lifetime totals). */
export function subtractCounts(later: SpanCounts, earlier: SpanCounts): SpanCounts {
	const minus = (a: readonly number[], b: readonly number[]): number[] => {
		const out: number[] = [];
		for (let i = 0; i < Math.max(a.length, b.length); i++) out.push((a[i] ?? 0) - (b[i] ?? 0));
		return out;
	};
	return {
		startS: earlier.endS,
		endS: later.endS,
		numDrafts: later.numDrafts - earlier.numDrafts,
		numDraftTokens: later.numDraftTokens - earlier.numDraftTokens,
		numAcceptedTokens: later.numAcceptedTokens - earlier.numAcceptedTokens,
		acceptedPerPos: minus(later.acceptedPerPos, earlier.acceptedPerPos),
		draftedPerPos: minus(later.draftedPerPos, earlier.draftedPerPos),
		promptTokens: later.promptTokens - earlier.promptTokens,
		generationTokens: later.generationTokens - earlier.generationTokens,
		numPreemptions: later.numPreemptions - earlier.numPreemptions,
		busyS: later.busyS - earlier.busyS,
		noSpecBusyS: later.noSpecBusyS - earlier.noSpecBusyS,
		tokenRequests: later.tokenRequests - earlier.tokenRequests,
	};
}
