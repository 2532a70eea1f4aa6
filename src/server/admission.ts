import type {Context} from 'hono';

declare module 'hono' {
	interface ContextVariableMap {
		/** When a generation request was read (set by {@link AdmissionGate.middleware}). */
		arrival?: Arrival;
	}
}

/** Requests admitted per turn of the event loop before the rest wait for the next turn. */
const DEFAULT_SLICE = 32;

/**
 * Admits generation requests a slice per turn of the event loop. A thousand requests that arrive
 * together are all parsed in one poll phase; validating, tokenizing and planning every one of them
 * there too would hold the loop for as long as all of that takes, and with it the runner's tick,
 * `/metrics` scrapes and signals. Past `slice` requests in one turn, the next ones wait (in arrival
 * order) for a later turn, after timers and I/O have run. This spreads the work; it does not make
 * it smaller: the last request of a burst is admitted no sooner. It does not make any request
 * arrive later in the simulated engine either: with {@link Arrivals}, a request arrives at the
 * virtual time it was read, and the runner's clock waits for it.
 */
export class AdmissionGate {
	readonly #slice: number;
	#admitted = 0;
	#waiting: Array<() => void> = [];
	#turnScheduled = false;

	constructor(slice = DEFAULT_SLICE) {
		this.#slice = slice;
	}

	/** Requests waiting for a later turn. */
	get numWaiting(): number {
		return this.#waiting.length;
	}

	/** Undefined when the request may go on now; else a promise settled when its turn comes. */
	enter(): Promise<void> | undefined {
		this.#scheduleTurn();
		if (this.#waiting.length === 0 && this.#admitted < this.#slice) {
			this.#admitted++;
			return undefined;
		}
		return new Promise(resolve => this.#waiting.push(resolve));
	}

	/**
	 * `handler` behind the gate: each request passes through the gate first; with `arrivals`, it
	 * first records when the request was read (the handler finds its {@link Arrival} as
	 * `c.get('arrival')` and hands it to the engine), and lets go of it when the request is answered
	 * at the latest. One handler, not a middleware before the route's: Hono runs a route of one
	 * handler without composing a chain (a promise, closures and a dispatch per request).
	 */
	handler<C extends Context>(arrivals: Arrivals | undefined, handler: (c: C) => Promise<Response>): (c: C) => Promise<Response> {
		return async c => {
			const arrival = arrivals?.receive();
			if (arrival !== undefined) c.set('arrival', arrival);
			try {
				const turn = this.enter();
				if (turn !== undefined) await turn;
				return await handler(c);
			} finally {
				arrival?.settle();
			}
		};
	}

	/** The count starts again in the check phase that follows this turn's I/O. */
	#scheduleTurn(): void {
		if (this.#turnScheduled) return;
		this.#turnScheduled = true;
		setImmediate(this.#nextTurn);
	}

	readonly #nextTurn = (): void => {
		this.#turnScheduled = false;
		const released = this.#waiting.splice(0, this.#slice);
		this.#admitted = released.length;
		for (const resolve of released) resolve();
		// Queued from the check phase, the next turn comes after the next timers and poll.
		if (released.length > 0) this.#scheduleTurn();
	};
}

/** How long a request read but not yet in the engine may hold the runner's clock at its reading. */
const DEFAULT_HOLD_LIMIT_MS = 100;

/** A generation request from the moment it was read until it is in the engine (or answered without). */
export class Arrival {
	/** Wall time it was read (ms, `performance.now`): the start of the turn of the event loop that read it. */
	readonly atMs: number;
	#settled = false;
	readonly #onSettle: (() => void) | undefined;

	constructor(atMs: number, onSettle?: () => void) {
		this.atMs = atMs;
		this.#onSettle = onSettle;
	}

	get settled(): boolean {
		return this.#settled;
	}

	/** It is in the engine, or will never be (an error response): it holds the clock no more. */
	settle(): void {
		if (this.#settled) return;
		this.#settled = true;
		this.#onSettle?.();
	}
}

/**
 * When each generation request was read, until it is in the engine, so that it reaches the
 * simulated engine at the virtual time it was read, however long specsim then takes to validate,
 * tokenize and plan it, and however many turns the {@link AdmissionGate} makes it wait. vLLM's
 * engine core drains its whole input queue before each step, so requests that arrive together
 * join the same step; specsim's own CPU time must not push some of them a step later.
 *
 * Everything read in one turn of the event loop was readable when the turn began (one poll of the
 * sockets returns them together), so the turn's first reading stamps them all. While a request
 * is on its way, {@link holdMs} tells the runner not to move the clock past the oldest reading
 * (at most `holdLimitMs`: a request whose body trickles in slowly does not stop the engine).
 */
export class Arrivals {
	readonly #holdLimitMs: number;
	readonly #nowMs: () => number;
	#turnMs: number | undefined;
	/** In reading order (stamps never decrease); settled ones are dropped from the front. */
	#pending: Arrival[] = [];
	#head = 0;

	readonly #onSettle: (() => void) | undefined;
	readonly #onTurnEnd: (() => void) | undefined;

	/**
	 * `onSettle` hears each request let go of, `onTurnEnd` the end of each turn that read requests
	 * (the held runner should look again: `Runner.wake`).
	 */
	constructor(options: {holdLimitMs?: number; nowMs?: () => number; onSettle?: () => void; onTurnEnd?: () => void} = {}) {
		this.#holdLimitMs = options.holdLimitMs ?? DEFAULT_HOLD_LIMIT_MS;
		this.#nowMs = options.nowMs ?? (() => performance.now());
		this.#onSettle = options.onSettle;
		this.#onTurnEnd = options.onTurnEnd;
	}

	/** A request has just been read. */
	receive(): Arrival {
		if (this.#turnMs === undefined) {
			this.#turnMs = this.#nowMs();
			setImmediate(this.#endTurn);
		}
		const arrival = new Arrival(this.#turnMs, this.#onSettle);
		this.#pending.push(arrival);
		// Memory bounded whether or not the runner asks (at max speed it never does).
		if (this.#pending.length > 1024) this.holdMs();
		return arrival;
	}

	/**
	 * The wall time the clock may not pass: the oldest reading still on its way, or the start of
	 * the turn that is reading requests now if earlier; undefined when none holds it.
	 *
	 * The open turn holds the clock even when every request it read so far is in the engine: the
	 * requests it has yet to read were readable when it began and are stamped with its start. A
	 * runner woken in the middle of the turn (by a request entering the engine) would otherwise
	 * move the clock to the wall clock, past that stamp, and the turn's later requests would arrive
	 * later than they were read (by as much as the turn had taken so far).
	 */
	holdMs(): number | undefined {
		const pending = this.#pending;
		const oldestAllowedMs = this.#nowMs() - this.#holdLimitMs;
		while (this.#head < pending.length && (pending[this.#head]!.settled || pending[this.#head]!.atMs < oldestAllowedMs)) this.#head++;
		if (this.#head > 0 && (this.#head === pending.length || this.#head >= 1024)) {
			pending.splice(0, this.#head);
			this.#head = 0;
		}
		const oldest = pending[this.#head]?.atMs;
		const turn = this.#turnMs;
		return turn !== undefined && turn >= oldestAllowedMs && (oldest === undefined || turn < oldest) ? turn : oldest;
	}

	/** The turn that read requests is over: it holds the clock no more (the held runner should look again). */
	readonly #endTurn = (): void => {
		this.#turnMs = undefined;
		this.#onTurnEnd?.();
	};
}
