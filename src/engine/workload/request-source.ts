import type {Rng} from '../../rng/rng.js';
import {createArrivalProcess, type ArrivalSpec} from './arrivals.js';
import {validateWorkloadClasses, type WorkloadClassSpec} from './classes.js';
import {createConversationSource} from './conversation-source.js';
import {cumulativeWeights, pickIndex} from './distributions.js';
import {createLengthSampler} from './lengths.js';
import {createTemperatureSampler} from './temperature.js';
import {withGetters} from '../../util/with-getters.js';
import type {FinishReason, RequestSpec} from '../request.js';

export type {RequestSpec} from '../request.js';

/** What a source may read of a finished request (the engine's `SimRequest` has these fields). */
export type FinishedRequestInfo = {
	readonly id: number;
	/** The prompt the engine ran (after its `max_model_len` clamp). */
	readonly promptTokens: number;
	readonly numOutputTokens: number;
	readonly finishReason: FinishReason | undefined;
	/** Conversation id, or -1. */
	readonly conversation: number;
	/** Turn in the conversation from 1, or 0. */
	readonly turn: number;
	/** True when the API server refused it with HTTP 400 (its prompt does not fit `max_model_len`): it never ran. */
	readonly rejected?: boolean;
};

/** What a source is told of a request the API server refused (HTTP 400): it never ran. */
export function refusedRequestInfo(spec: RequestSpec): FinishedRequestInfo {
	return {
		id: spec.id,
		promptTokens: spec.promptTokens,
		numOutputTokens: 0,
		finishReason: undefined,
		conversation: spec.conversation ?? -1,
		turn: spec.turn ?? 0,
		rejected: true,
	};
}

/** Conversations of a source whose classes have `conversation`, counted since the start. */
export type ConversationCounts = {
	readonly started: number;
	readonly ended: number;
	/** In flight or thinking: `started - ended`. */
	readonly active: number;
	/** Ended because a turn's prompt did not fit `max_model_len`: the API server refused it with a 400 and the client stopped. */
	readonly rejected: number;
};

/**
 * A pull-based request stream in arrival order, O(1) memory for open loops (O(users) closed).
 *
 * Engine loop contract: while `peekArrivalAt() <= now`, admit `next()`. Whenever a request
 * finishes (or is aborted), call `requestFinished(now, request)`: a closed loop then schedules that
 * user's next request at `now + think time`, a conversation its next turn; open loops and traces
 * ignore the call.
 */
export type RequestSource = {
	/** Arrival time of the next request, or `Infinity` when none is pending (exhausted, or every closed-loop user is busy). */
	peekArrivalAt(): number;
	/** The next request, or `undefined` when none is pending. */
	next(): RequestSpec | undefined;
	/**
	 * Tell a closed loop that one of its requests finished at `nowS` (virtual seconds). Sources with
	 * conversations need `request` (which conversation, and how long its history now is) and
	 * ignore requests they did not emit.
	 */
	requestFinished(nowS: number, request?: FinishedRequestInfo): void;
	/** Requests handed out so far. */
	readonly emitted: number;
	/** Conversation counts, when some class has `conversation`. */
	readonly conversations?: ConversationCounts;
	/**
	 * Requests whose arrival time is before `t`, handed out or not, counted in O(1) memory
	 * (amortised O(1) per arrival; `t` must not decrease between calls). Open loops only: it lets
	 * the simulation count a waiting queue beyond its cap instead of materialising it. Absent for
	 * closed loops (bounded by their users) and traces (bounded by the file).
	 */
	countArrivalsBefore?(t: number): number;
};

export type RequestSourceOptions = {
	arrival: ArrivalSpec;
	classes: readonly WorkloadClassSpec[];
	/** Root stream; the source forks `arrivals`, `class`, `lengths` and `temperature` from it. */
	rng: Rng;
	/** Time of the first arrival (open loops) or of every user's first request (closed loop). @default 0 */
	startS?: number;
	/** Stop after this many requests. @default Infinity */
	maxRequests?: number;
};

/**
 * A deterministic synthetic request stream.
 *
 * Open loops send the first request at `startS` and each next one a gap later (vLLM bench's
 * `get_request` does the same: yield, then sleep). A closed loop sends `users` requests at
 * `startS`, then one per finished request after a think time.
 *
 * Randomness is split by concern so a change to one never shifts another: inter-arrival gaps and
 * think times draw from `rng.fork('arrivals')`, the class pick from `fork('class')`, lengths from
 * `fork('lengths').fork(<class name>).fork('prompt' | 'output')` and temperatures from
 * `fork('temperature').fork(<class name>)`. So changing the class mix never moves arrival times,
 * and a class's requests keep their lengths when other classes are added or reordered.
 *
 * When some class has `conversation`, the stream is one of conversations
 * ({@link createConversationSource}): the arrival process starts conversations (`rate` counts
 * conversations, a closed loop's `users` run one conversation at a time), later turns follow their
 * think times, and each conversation draws from its own stream.
 *
 * @throws RangeError/TypeError naming the field when a spec is invalid.
 */
export function createRequestSource(options: RequestSourceOptions): RequestSource {
	const {classes, rng} = options;
	const startS = options.startS ?? 0;
	const maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
	if (!(startS >= 0 && startS < Number.POSITIVE_INFINITY)) throw new RangeError(`startS must be a finite number >= 0, got ${startS}`);
	if (!(maxRequests === Number.POSITIVE_INFINITY || (Number.isInteger(maxRequests) && maxRequests >= 0))) {
		throw new RangeError(`maxRequests must be an integer >= 0 or Infinity, got ${maxRequests}`);
	}
	validateWorkloadClasses(classes);

	const arrivals = createArrivalProcess(options.arrival, rng.fork('arrivals'));
	if (classes.some(c => c.conversation !== undefined)) {
		const counter = arrivals.kind === 'open' ? createArrivalProcess(options.arrival, rng.fork('arrivals')) : undefined;
		return createConversationSource({
			classes,
			arrivals,
			counter: counter?.kind === 'open' ? counter : undefined,
			rng,
			startS,
			maxRequests,
		});
	}
	const classRng = rng.fork('class');
	const cum = cumulativeWeights(
		classes.map(c => c.weight),
		'classes',
		'.weight',
	);
	const lengthsRng = rng.fork('lengths');
	const temperatureRng = rng.fork('temperature');
	const samplers = classes.map((c, i) => {
		const own = lengthsRng.fork(c.name);
		return {
			prompt: createLengthSampler(c.prompt, own.fork('prompt'), `classes[${i}].prompt`),
			output: createLengthSampler(c.output, own.fork('output'), `classes[${i}].output`),
			temperature: createTemperatureSampler(c.temperature ?? 0, temperatureRng.fork(c.name), `classes[${i}].temperature`),
		};
	});

	let emitted = 0;
	const makeRequest = (arrivalAt: number): RequestSpec => {
		// Always draw the class, even with one class, so the draw count per request is fixed.
		const classIndex = pickIndex(cum, classRng.next());
		const s = samplers[classIndex];
		if (s === undefined) throw new RangeError(`class index ${classIndex} out of range`);
		const shared = classes[classIndex]?.sharedPrefixTokens ?? 0;
		const maxTokens = s.output();
		const request: RequestSpec = {
			id: emitted++,
			arrivalAt,
			promptTokens: shared + s.prompt(),
			maxTokens,
			classIndex,
			temperature: s.temperature(),
			// A client's max_tokens (vllm bench serve): vLLM refuses what does not fit rather than cut it.
			...(classes[classIndex]?.ignoreEos === true ? {endReason: 'length' as const, maxTokensParam: maxTokens} : {}),
		};
		return shared > 0 ? {...request, sharedPrefixTokens: shared, prefixGroup: classIndex} : request;
	};

	if (arrivals.kind === 'open') {
		let nextAt = startS;
		// A second cursor over the same gaps (a fork of the same name is the same stream): it counts
		// arrivals without drawing their classes and lengths.
		const counter = createArrivalProcess(options.arrival, rng.fork('arrivals'));
		if (counter.kind !== 'open') throw new RangeError('arrival counter must be an open loop');
		let countAt = startS;
		let counted = 0;
		const source = {
			countArrivalsBefore(t: number): number {
				while (counted < maxRequests && countAt < t) {
					counted += 1;
					countAt += counter.nextGapS();
				}
				return counted;
			},
			peekArrivalAt: () => (emitted < maxRequests ? nextAt : Number.POSITIVE_INFINITY),
			next() {
				if (emitted >= maxRequests) return undefined;
				const request = makeRequest(nextAt);
				nextAt += arrivals.nextGapS();
				return request;
			},
			requestFinished() {},
		} satisfies Omit<RequestSource, 'emitted'>;
		return withGetters(source, {emitted: () => emitted});
	}

	// Closed loop: the pending arrival times of idle users, in a min-heap. A user is pending or has
	// a request in flight, so the heap never holds more than `users` entries.
	const heap = new Float64Array(arrivals.users);
	let size = 0;
	let scheduled = 0; // requests scheduled so far (emitted + pending)
	let finished = 0;
	const push = (t: number): void => {
		if (scheduled >= maxRequests) return;
		scheduled++;
		let i = size++;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			const p = heap[parent] ?? 0;
			if (p <= t) break;
			heap[i] = p;
			i = parent;
		}
		heap[i] = t;
	};
	const pop = (): number => {
		const top = heap[0] ?? Number.POSITIVE_INFINITY;
		const last = heap[--size] ?? 0;
		let i = 0;
		for (;;) {
			const l = 2 * i + 1;
			if (l >= size) break;
			const r = l + 1;
			const c = r < size && (heap[r] ?? 0) < (heap[l] ?? 0) ? r : l;
			const child = heap[c] ?? 0;
			if (child >= last) break;
			heap[i] = child;
			i = c;
		}
		if (size > 0) heap[i] = last;
		return top;
	};
	for (let u = 0; u < arrivals.users; u++) push(startS);
	const source = {
		peekArrivalAt: () => (size > 0 ? (heap[0] ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY),
		next: () => (size > 0 ? makeRequest(pop()) : undefined),
		requestFinished(nowS: number) {
			if (!(nowS >= 0 && nowS < Number.POSITIVE_INFINITY)) throw new RangeError(`requestFinished nowS must be a finite number >= 0, got ${nowS}`);
			if (finished >= emitted) throw new RangeError(`requestFinished called ${finished + 1} times but only ${emitted} requests were emitted`);
			finished++;
			push(nowS + arrivals.nextThinkTimeS());
		},
	} satisfies Omit<RequestSource, 'emitted'>;
	return withGetters(source, {emitted: () => emitted});
}
