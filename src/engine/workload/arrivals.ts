import type {Rng} from '../../rng/rng.js';
import {sampleExponential, sampleGamma} from './distributions.js';

/**
 * How requests arrive. Open loops (`poisson`, `constant`, `gamma`) draw inter-arrival gaps
 * independently of the engine; a closed loop keeps `users` requests in flight.
 *
 * - `poisson`: exponential gaps with mean `1 / rate` (vLLM bench's default, burstiness 1).
 * - `constant`: every gap is exactly `1 / rate`.
 * - `gamma`: gamma gaps with mean `1 / rate` and coefficient of variation `cv` (shape `1/cv²`,
 *   scale `cv²/rate`). `cv > 1` is burstier than Poisson, `cv < 1` smoother, `cv = 1` is Poisson.
 *   vLLM bench's `--burstiness b` is the gamma shape, i.e. `cv = 1/sqrt(b)`.
 * - `closed-loop`: `users` concurrent users; each submits its next request `thinkTimeS` (mean of an
 *   exponential; 0 or absent = immediately) after its previous one finishes, like vLLM bench's
 *   `--max-concurrency` when the think time is 0.
 *
 * `rate` is in requests per virtual second; `Infinity` sends everything at once (gaps of 0),
 * like vLLM bench's `--request-rate inf`.
 */
export type ArrivalSpec =
	| {kind: 'poisson'; rate: number}
	| {kind: 'constant'; rate: number}
	| {kind: 'gamma'; rate: number; cv: number}
	| {kind: 'closed-loop'; users: number; thinkTimeS?: number};

/** Open-loop arrivals: the engine asks for the gap before each next request. */
export type OpenArrivalProcess = {
	readonly kind: 'open';
	/** Seconds between this arrival and the next (>= 0). */
	nextGapS(): number;
};

/**
 * Closed-loop arrivals: the engine starts `users` requests at the start time and, whenever a
 * request finishes, submits a new one after `nextThinkTimeS()` seconds.
 */
export type ClosedLoopArrivalProcess = {
	readonly kind: 'closed';
	/** Concurrent users (requests in flight, counting those still "thinking"). */
	readonly users: number;
	/** Seconds a user waits after a request finishes before sending the next one (>= 0). */
	nextThinkTimeS(): number;
};

export type ArrivalProcess = OpenArrivalProcess | ClosedLoopArrivalProcess;

/**
 * Build an arrival process drawing from `rng` only (pass a stream forked for arrivals, so nothing
 * else shifts the arrival times).
 *
 * @throws RangeError naming the field when the spec is out of range.
 */
export function createArrivalProcess(spec: ArrivalSpec, rng: Rng): ArrivalProcess {
	validateArrivalSpec(spec);
	switch (spec.kind) {
		case 'poisson': {
			const mean = 1 / spec.rate;
			return {kind: 'open', nextGapS: () => (mean === 0 ? 0 : sampleExponential(mean, rng))};
		}
		case 'constant': {
			const gap = 1 / spec.rate;
			return {kind: 'open', nextGapS: () => gap};
		}
		case 'gamma': {
			const shape = 1 / (spec.cv * spec.cv);
			const scale = (spec.cv * spec.cv) / spec.rate;
			return {kind: 'open', nextGapS: () => (scale === 0 ? 0 : sampleGamma(shape, rng) * scale)};
		}
		case 'closed-loop': {
			const mean = spec.thinkTimeS ?? 0;
			return {
				kind: 'closed',
				users: spec.users,
				nextThinkTimeS: () => (mean === 0 ? 0 : sampleExponential(mean, rng)),
			};
		}
	}
}

/**
 * The same arrival pattern at `qps` requests per second (the CLI's `--qps`); `gamma` keeps its cv.
 *
 * @throws RangeError unless `qps` is a positive number (`Infinity` allowed).
 * @throws TypeError for `closed-loop`, whose load is set by `users`, not a rate.
 */
export function withRate(spec: ArrivalSpec, qps: number): ArrivalSpec {
	if (!(qps > 0)) throw new RangeError(`qps must be a positive number (or Infinity), got ${qps}`);
	if (spec.kind === 'closed-loop') {
		throw new TypeError(`qps cannot be applied to closed-loop arrivals (users=${spec.users}); set users instead`);
	}
	return {...spec, rate: qps};
}

/** @throws RangeError naming the field when `spec` is out of range. */
export function validateArrivalSpec(spec: ArrivalSpec): void {
	switch (spec.kind) {
		case 'poisson':
		case 'constant':
		case 'gamma': {
			if (!(spec.rate > 0)) {
				throw new RangeError(`arrival.rate must be a positive number (or Infinity), got ${spec.rate}`);
			}
			if (spec.kind === 'gamma' && !(spec.cv > 0 && spec.cv < Number.POSITIVE_INFINITY)) {
				throw new RangeError(`arrival.cv must be a positive finite number (use kind 'constant' for cv 0), got ${spec.cv}`);
			}
			return;
		}
		case 'closed-loop': {
			if (!(Number.isInteger(spec.users) && spec.users >= 1)) {
				throw new RangeError(`arrival.users must be a positive integer, got ${spec.users}`);
			}
			const think = spec.thinkTimeS;
			if (think !== undefined && !(think >= 0 && think < Number.POSITIVE_INFINITY)) {
				throw new RangeError(`arrival.thinkTimeS must be a finite number >= 0, got ${think}`);
			}
			return;
		}
		default: {
			const kind: unknown = (spec as {kind: unknown}).kind;
			throw new TypeError(`arrival.kind must be one of poisson, constant, gamma, closed-loop, got ${String(kind)}`);
		}
	}
}
