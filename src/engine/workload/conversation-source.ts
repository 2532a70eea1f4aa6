import type {Rng} from '../../rng/rng.js';
import type {ClosedLoopArrivalProcess, OpenArrivalProcess} from './arrivals.js';
import type {WorkloadClassSpec} from './classes.js';
import {cumulativeWeights, pickIndex} from './distributions.js';
import {createDurationSampler} from './durations.js';
import {createLengthSampler} from './lengths.js';
import type {ConversationCounts, FinishedRequestInfo, RequestSource} from './request-source.js';
import {createTemperatureSampler} from './temperature.js';
import {withGetters} from '../../util/with-getters.js';
import type {RequestSpec} from '../request.js';

/** What {@link createConversationSource} needs from {@link createRequestSource}'s checked options. */
export type ConversationSourceOptions = {
	classes: readonly WorkloadClassSpec[];
	/** New conversations: an open loop's first turns, or a closed loop's users. */
	arrivals: OpenArrivalProcess | ClosedLoopArrivalProcess;
	/** A second cursor over the open loop's gaps (same stream), for `countArrivalsBefore`. */
	counter: OpenArrivalProcess | undefined;
	/** The workload stream; conversations fork `conversation/<id>` from it. */
	rng: Rng;
	startS: number;
	maxRequests: number;
};

/** One conversation between its first turn and its end (then dropped). */
type Conversation = {
	/** Start order from 0, -1 while a closed-loop user has not started it. */
	id: number;
	rng: Rng | undefined;
	classIndex: number;
	temperature: number;
	/** Turns sent so far and turns planned. */
	turn: number;
	turns: number;
	/** Arrival time of the next turn while pending. */
	at: number;
	/** Insertion order, so equal times leave the heap in a fixed order. */
	seq: number;
	/** The next turn's prompt and output tokens, drawn when the previous turn finished. */
	nextPrompt: number;
	nextOutput: number;
};

/**
 * A request stream of conversations (some classes have `conversation`; a request of any other
 * class is a conversation of one turn).
 *
 * - A conversation's first turn arrives by the arrival process: an open loop's gaps, or a
 *   closed-loop user starting a new conversation (at `startS`, then the loop's think time after
 *   its previous conversation ended). Later turns arrive `thinkTime` after the previous turn
 *   finished, so the source must be told which request finished (`requestFinished(t, request)`).
 * - Turn n+1's prompt is turn n's prompt plus the output it produced plus a new user message;
 *   all turns share one token stream (`stream` = the conversation id), so the prefix cache sees
 *   the history's full blocks again.
 * - A conversation ends after its planned turns, after a turn that finished with `abort` or
 *   `error` (the client gives up), or after a turn the API server refused (`request.rejected`: its
 *   prompt left no room for an output token within `max_model_len`, vLLM answers HTTP 400 before
 *   the engine sees it): the turn was sent, the client got the 400 and stops. Counted in
 *   `conversations.rejected`.
 * - Memory: state only for conversations in flight or thinking; an ended one is dropped.
 *
 * Each conversation draws from its own stream, `rng.fork('conversation').fork(<id>)`, in a fixed
 * order (class, temperature, turns, first prompt, first output; then think time, user message and
 * output per further turn), so conversation n is the same conversation whatever the engine's
 * timing: changing k or the hardware moves when its turns arrive, never what they contain.
 */
export function createConversationSource(options: ConversationSourceOptions): RequestSource {
	const {classes, arrivals, counter, startS, maxRequests} = options;
	const conversationRng = options.rng.fork('conversation');
	// Samplers are built once per class and draw from `current`: the stream of the conversation
	// being advanced.
	let current: Rng = conversationRng;
	const cursor: Rng = {seed: 'conversation', next: () => current.next(), fork: name => current.fork(name)};
	const cum = cumulativeWeights(
		classes.map(c => c.weight),
		'classes',
		'.weight',
	);
	const samplers = classes.map((c, i) => {
		const at = `classes[${i}]`;
		const conv = c.conversation;
		return {
			shared: c.sharedPrefixTokens ?? 0,
			prompt: createLengthSampler(c.prompt, cursor, `${at}.prompt`),
			output: createLengthSampler(c.output, cursor, `${at}.output`),
			temperature: createTemperatureSampler(c.temperature ?? 0, cursor, `${at}.temperature`),
			turns: conv === undefined ? () => 1 : createLengthSampler(conv.turns, cursor, `${at}.conversation.turns`),
			user: conv === undefined ? () => 1 : createLengthSampler(conv.userTokens, cursor, `${at}.conversation.userTokens`),
			think: conv === undefined ? () => 0 : createDurationSampler(conv.thinkTime ?? 0, cursor, `${at}.conversation.thinkTime`),
		};
	});

	let emitted = 0;
	let seq = 0;
	const counts = {started: 0, ended: 0, rejected: 0};
	/** Conversations with a turn in flight, by id. */
	const inFlight = new Map<number, Conversation>();
	/** Pending turns (and, in a closed loop, users about to start a conversation), earliest first. */
	const pending = new MinHeap<Conversation>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));

	const idle = (at: number): Conversation => ({
		id: -1,
		rng: undefined,
		classIndex: 0,
		temperature: 0,
		turn: 0,
		turns: 0,
		at,
		seq: seq++,
		nextPrompt: 0,
		nextOutput: 0,
	});

	const emit = (conv: Conversation, arrivalAt: number): RequestSpec => {
		if (conv.id < 0) {
			conv.id = counts.started++;
			conv.rng = conversationRng.fork(String(conv.id));
			current = conv.rng;
			conv.classIndex = pickIndex(cum, current.next());
			const s = samplers[conv.classIndex]!;
			conv.temperature = s.temperature();
			conv.turns = s.turns();
			conv.nextPrompt = s.shared + s.prompt();
			conv.nextOutput = s.output();
		}
		conv.turn += 1;
		inFlight.set(conv.id, conv);
		const shared = samplers[conv.classIndex]!.shared;
		return {
			id: emitted++,
			arrivalAt,
			promptTokens: conv.nextPrompt,
			maxTokens: conv.nextOutput,
			classIndex: conv.classIndex,
			temperature: conv.temperature,
			...(shared > 0 ? {sharedPrefixTokens: shared, prefixGroup: conv.classIndex} : {}),
			stream: conv.id,
			conversation: conv.id,
			turn: conv.turn,
			...(classes[conv.classIndex]?.ignoreEos === true ? {endReason: 'length' as const, maxTokensParam: conv.nextOutput} : {}),
		};
	};

	// Open loops: the next new conversation's arrival; closed loops start every user at startS.
	let nextNewAt = arrivals.kind === 'open' ? startS : Number.POSITIVE_INFINITY;
	if (arrivals.kind === 'closed') for (let u = 0; u < arrivals.users; u++) pending.push(idle(startS));

	// Arrival counting (open loops): new conversations through the second cursor; later turns
	// through `turnTimes`, every scheduled later turn's time, removed once counted. Times below the
	// latest virtual time seen are counted eagerly, so the heap holds only turns not yet due.
	let newCounted = 0;
	let newCountAt = startS;
	let turnsCounted = 0;
	const turnTimes = new MinHeap<number>((a, b) => a < b);
	const countTurnsBefore = (t: number): void => {
		while (turnTimes.size > 0 && turnTimes.peek()! < t) {
			turnTimes.pop();
			turnsCounted += 1;
		}
	};

	const peekArrivalAt = (): number => {
		if (emitted >= maxRequests) return Number.POSITIVE_INFINITY;
		const top = pending.peek();
		return top === undefined ? nextNewAt : Math.min(top.at, nextNewAt);
	};

	const fields: Omit<RequestSource, 'emitted' | 'conversations'> = {
		peekArrivalAt,
		next() {
			if (emitted >= maxRequests) return undefined;
			const top = pending.peek();
			if (top !== undefined && top.at <= nextNewAt) {
				pending.pop();
				return emit(top, top.at);
			}
			if (arrivals.kind !== 'open') return undefined;
			const at = nextNewAt;
			nextNewAt += arrivals.nextGapS();
			return emit(idle(at), at);
		},
		requestFinished(nowS: number, request?: FinishedRequestInfo) {
			if (!(nowS >= 0 && nowS < Number.POSITIVE_INFINITY)) throw new RangeError(`requestFinished nowS must be a finite number >= 0, got ${nowS}`);
			if (request === undefined) throw new RangeError('requestFinished needs the finished request when the workload has conversations');
			const conv = request.conversation >= 0 ? inFlight.get(request.conversation) : undefined;
			// Not one of ours (an external request), or not its current turn.
			if (conv === undefined || conv.turn !== request.turn) return;
			inFlight.delete(conv.id);
			countTurnsBefore(nowS);
			// A turn the API server refused (its prompt does not fit max_model_len) ends the
			// conversation: the client got a 400 and stops.
			if (request.rejected === true) counts.rejected += 1;
			else if (!(request.finishReason === 'abort' || request.finishReason === 'error' || conv.turn >= conv.turns)) {
				current = conv.rng!;
				const s = samplers[conv.classIndex]!;
				const think = s.think();
				conv.at = nowS + think;
				conv.seq = seq++;
				conv.nextPrompt = request.promptTokens + request.numOutputTokens + s.user();
				conv.nextOutput = s.output();
				pending.push(conv);
				if (counter !== undefined) turnTimes.push(conv.at);
				return;
			}
			counts.ended += 1;
			if (arrivals.kind === 'closed') pending.push(idle(nowS + arrivals.nextThinkTimeS()));
		},
	};
	const source: RequestSource = withGetters(fields, {
		emitted: () => emitted,
		conversations: (): ConversationCounts => ({...counts, active: counts.started - counts.ended}),
	});
	if (counter !== undefined) {
		source.countArrivalsBefore = (t: number): number => {
			while (newCountAt < t) {
				newCounted += 1;
				newCountAt += counter.nextGapS();
			}
			countTurnsBefore(t);
			return Math.min(maxRequests, newCounted + turnsCounted);
		};
	}
	return source;
}

/** A binary min-heap under `before`, in one array that grows to its largest size and is reused. */
class MinHeap<T> {
	#items: T[] = [];
	#size = 0;
	readonly #before: (a: T, b: T) => boolean;

	constructor(before: (a: T, b: T) => boolean) {
		this.#before = before;
	}

	get size(): number {
		return this.#size;
	}

	peek(): T | undefined {
		return this.#size > 0 ? this.#items[0] : undefined;
	}

	push(item: T): void {
		const items = this.#items;
		let i = this.#size++;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			const p = items[parent]!;
			if (!this.#before(item, p)) break;
			items[i] = p;
			i = parent;
		}
		items[i] = item;
	}

	pop(): T | undefined {
		if (this.#size === 0) return undefined;
		const items = this.#items;
		const top = items[0]!;
		const last = items[--this.#size]!;
		let i = 0;
		for (;;) {
			const l = 2 * i + 1;
			if (l >= this.#size) break;
			const r = l + 1;
			const c = r < this.#size && this.#before(items[r]!, items[l]!) ? r : l;
			if (!this.#before(items[c]!, last)) break;
			items[i] = items[c]!;
			i = c;
		}
		if (this.#size > 0) items[i] = last;
		// Drop the reference held past the end, so an ended conversation can be collected.
		items[this.#size] = undefined as T;
		return top;
	}
}
