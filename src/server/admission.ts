import type {MiddlewareHandler} from 'hono';

/** Requests admitted per turn of the event loop before the rest wait for the next turn. */
const DEFAULT_SLICE = 32;

/**
 * Admits generation requests a slice per turn of the event loop. A thousand requests that arrive
 * together are all parsed in one poll phase; validating, tokenizing and planning every one of them
 * there too would hold the loop for as long as all of that takes, and with it the runner's tick,
 * `/metrics` scrapes and signals. Past `slice` requests in one turn, the next ones wait (in arrival
 * order) for a later turn, after timers and I/O have run. This spreads the work; it does not make
 * it smaller: the last request of a burst is admitted no sooner.
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

	/** A Hono middleware that passes each request through the gate. */
	middleware(): MiddlewareHandler {
		return async (_c, next) => {
			const turn = this.enter();
			if (turn !== undefined) await turn;
			await next();
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
