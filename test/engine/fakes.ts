import type {EngineAcceptance, EngineCost, EngineProposer} from '../../src/engine/ports.js';
import type {RequestSpec} from '../../src/engine/request.js';
import type {RequestSource} from '../../src/sim/simulation.js';

/** Always drafts as many tokens as allowed (k unless capped). */
export const fullDrafts: EngineProposer = {initRequest: () => undefined, propose: (_request, _k, maxDraft) => maxDraft};

/** i.i.d. acceptance with probability alpha per position, sampled by inverse CDF from one uniform. */
export function iidAcceptance(alpha: number): EngineAcceptance {
	return {
		drawProfile: () => 0,
		sampleAccepted: (_profile, d, u) => {
			// P(N >= j) = alpha^j: accept while u < alpha^(j+1) ... equivalently N = #{j : u < alpha^j} - 1.
			let accepted = 0;
			let p = alpha;
			while (accepted < d && u < p) {
				accepted += 1;
				p *= alpha;
			}
			return accepted;
		},
	};
}

/** Step latency: fixed plus a per-token term. */
export const linearCost = (fixedS = 0.01, perTokenS = 1e-5): EngineCost => ({
	stepLatencyS: shape => fixedS + perTokenS * (shape.numPrefillTokens + shape.numDecodeRequests + shape.numScheduledSpecTokens),
});

/** Requests from a list, in arrival order. */
export function listSource(specs: readonly RequestSpec[]): RequestSource & {readonly finishedAt: number[]} {
	let index = 0;
	const finishedAt: number[] = [];
	return {
		finishedAt,
		peekArrivalAt: () => specs[index]?.arrivalAt ?? Number.POSITIVE_INFINITY,
		next: () => specs[index++],
		get emitted() {
			return index;
		},
		requestFinished: t => void finishedAt.push(t),
	};
}

export const spec = (id: number, arrivalAt: number, promptTokens: number, maxTokens: number): RequestSpec => ({
	id,
	arrivalAt,
	promptTokens,
	maxTokens,
	classIndex: 0,
	temperature: 0,
});
