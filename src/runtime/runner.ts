import type {Simulation} from '../sim/simulation.js';

/**
 * How close to a step's end (wall milliseconds) the runner stops sleeping on a timer and waits a
 * turn of the event loop at a time: a timer's granularity.
 */
const SPIN_MS = 1;

/** Virtual seconds per wall second, or as fast as possible. */
export type Speed = number | 'max';

export type RunnerOptions = {
	/** @default 1 */
	readonly speed?: Speed;
	/** Stop at this virtual time (seconds since the simulation's start). @default Infinity */
	readonly durationS?: number;
	/** Wall milliseconds between pacing ticks at finite speed. @default 25 */
	readonly tickMs?: number;
	/** Virtual seconds per chunk at `max` speed, between which the event loop runs (scrapes, keys). @default 2 */
	readonly maxChunkS?: number;
	/** Wall clock in milliseconds (injected for tests). @default performance.now */
	readonly wallNowMs?: () => number;
	/**
	 * At `max` speed, when the simulation is idle (nothing but log ticks to come), wait for
	 * {@link Runner.wake} instead of running the clock ahead: `specsim serve`, whose requests come
	 * from outside. At a finite speed the clock follows the wall clock, idle or not. @default false
	 */
	readonly waitWhenIdle?: boolean;
};

/**
 * Paces a simulation against the wall clock: virtual time advances at `speed` virtual seconds
 * per wall second, in small chunks so the event loop stays free for the dashboard, `/metrics`
 * scrapes and keys. The simulation itself never waits on anything.
 */
export class Runner {
	readonly simulation: Simulation;
	readonly durationS: number;
	#speed: Speed;
	#paused = false;
	#stopped = false;
	#tickMs: number;
	#maxChunkS: number;
	#wallNowMs: () => number;
	#waitWhenIdle: boolean;
	// Pacing anchor: virtual time `#anchorVirtualS` at wall time `#anchorWallMs`.
	#anchorWallMs = 0;
	#anchorVirtualS = 0;
	#listeners: Array<() => void> = [];
	#wake: (() => void) | undefined;
	#running = false;
	#hold: (() => number | undefined) | undefined;
	/** The wall clock as the spin's last turn read it, for the advance that follows (see {@link #spin}). */
	#spinReadingMs: number | undefined;

	constructor(simulation: Simulation, options: RunnerOptions = {}) {
		this.simulation = simulation;
		this.durationS = options.durationS ?? Number.POSITIVE_INFINITY;
		this.#speed = options.speed ?? 1;
		this.#tickMs = options.tickMs ?? 25;
		this.#maxChunkS = options.maxChunkS ?? 2;
		this.#wallNowMs = options.wallNowMs ?? (() => performance.now());
		this.#waitWhenIdle = options.waitWhenIdle ?? false;
	}

	get speed(): Speed {
		return this.#speed;
	}

	get paused(): boolean {
		return this.#paused;
	}

	/** Virtual seconds since the simulation's start. */
	get elapsedS(): number {
		return this.simulation.now - this.simulation.startS;
	}

	get done(): boolean {
		return this.#stopped || this.elapsedS >= this.durationS;
	}

	/** Called after every chunk of simulated time. */
	onAdvance(listener: () => void): () => void {
		this.#listeners.push(listener);
		return () => {
			this.#listeners = this.#listeners.filter(l => l !== listener);
		};
	}

	setSpeed(speed: Speed): void {
		this.#reanchor();
		this.#speed = speed;
	}

	pause(): void {
		this.#paused = true;
	}

	resume(): void {
		this.#reanchor();
		this.#paused = false;
		this.#wake?.();
	}

	togglePause(): void {
		if (this.#paused) this.resume();
		else this.pause();
	}

	/** Something happened outside the simulation (a client's request): stop sleeping or waiting and advance now. */
	wake(): void {
		this.#wake?.();
	}

	/**
	 * Hold the clock (at a finite speed): while `untilWallMs()` gives a wall instant (ms, on the
	 * runner's wall clock), neither ticks nor {@link catchUp} advance past its virtual time.
	 * `specsim serve` holds it at the reading of the oldest request not yet in the engine, so that
	 * a request arrives at the virtual time it was read however long the server takes to admit
	 * it. Undefined removes the hold.
	 */
	holdAt(untilWallMs: (() => number | undefined) | undefined): void {
		this.#hold = untilWallMs;
	}

	/**
	 * At a finite speed, advance the simulation now to the virtual time of this wall instant, as
	 * the next tick would. An event from outside (a client's request) then happens at its own
	 * virtual time instead of the last tick's, which lies up to a tick, plus any event-loop delay,
	 * in the past: a request stamped that early would see a TTFT longer than its client does, and
	 * could be answered sooner than the simulated TTFT allows. `atWallMs` (at most now) names an
	 * earlier instant: when the event happened, if that was before now (never before the clock,
	 * which does not go back). Nothing happens at max speed (the simulation runs ahead of the wall
	 * clock), while paused, or before `run()`.
	 */
	catchUp(atWallMs?: number): void {
		if (!this.#running || this.#paused || this.#stopped || this.#speed === 'max') return;
		this.#advanceTo(Math.min(this.#wallTargetS(atWallMs), this.simulation.startS + this.durationS));
	}

	/**
	 * The wall instant (ms, on the runner's wall clock) at which virtual time `virtualS` is due at
	 * a finite speed, as the pacing stands now; undefined at max speed. The serve benchmark reads
	 * how late each step's tokens went out against it.
	 */
	wallMsAt(virtualS: number): number | undefined {
		if (this.#speed === 'max') return undefined;
		return this.#anchorWallMs + ((virtualS - this.#anchorVirtualS) / this.#speed) * 1000;
	}

	/**
	 * The wall instant (ms, on the runner's wall clock) at which the next engine step ends, as the
	 * pacing stands now; undefined at max speed, while paused, held, or when no engine is stepping.
	 * `specsim serve` collects its young generation in the time before it (`startIdleScavenger`).
	 */
	nextStepWallMs(): number | undefined {
		if (this.#speed === 'max' || this.#paused || this.#stopped || this.#hold?.() !== undefined) return undefined;
		const nextS = this.simulation.nextStepEndAt();
		return nextS === Number.POSITIVE_INFINITY ? undefined : this.wallMsAt(nextS);
	}

	stop(): void {
		this.#stopped = true;
		this.#wake?.();
	}

	/** Run until the duration is reached or `stop()` is called. */
	async run(): Promise<void> {
		this.#reanchor();
		this.#running = true;
		const endS = this.simulation.startS + this.durationS;
		// Start the simulation (its engines announce themselves) even if it then waits idle.
		if (this.#waitWhenIdle) this.simulation.runUntil(this.simulation.now, {stopWhenIdle: true});
		try {
			while (!this.done) {
				const idleWaits = this.#waitWhenIdle && this.#speed === 'max';
				if (this.#paused || (idleWaits && this.simulation.idle)) {
					await new Promise<void>(resolve => (this.#wake = resolve));
					this.#wake = undefined;
					continue;
				}
				const targetS = Math.min(this.#speed === 'max' ? this.simulation.now + this.#maxChunkS : this.#wallTargetS(), endS);
				this.#advanceTo(targetS, idleWaits);
				if (this.done) break;
				// Yield to the event loop: immediately at max speed; otherwise one tick, or less when a
				// step ends sooner, so its tokens go out when their virtual time comes, not up to a tick
				// late. A timer has millisecond granularity and fires up to a millisecond late (or early:
				// it counts from the loop's cached time), so it is set to wake a millisecond before the
				// step ends, and the last stretch is waited out a turn of the event loop at a time
				// (`setImmediate`: I/O keeps being served; nothing is released before its time).
				await new Promise<void>(resolve => {
					if (this.#speed === 'max') {
						setImmediate(resolve);
						return;
					}
					const waitMs = this.#sleepMs(targetS, endS);
					if (waitMs <= SPIN_MS) this.#spin(this.wallMsAt(targetS)! + waitMs, resolve);
					else {
						const timer = setTimeout(resolve, Math.max(1, Math.floor(waitMs - SPIN_MS)));
						this.#wake = () => {
							clearTimeout(timer);
							resolve();
						};
					}
				});
				this.#wake = undefined;
			}
		} finally {
			this.#running = false;
		}
	}

	/**
	 * Wait a turn of the event loop at a time until the wall clock reaches `untilWallMs` (or
	 * {@link wake}), then `done`. Each turn only reads the clock: advancing the simulation every
	 * turn (its run to now, the hold's reading, the advance listeners) and a promise per turn made
	 * a quarter of the serve process's garbage at 1,000 streams, the spin taking a millisecond or
	 * more before every step, a few hundred turns. Nothing is due before `untilWallMs` (the next
	 * step's end): the advance then is the one that matters, and an outside event (a request)
	 * catches the clock up itself (see {@link catchUp}).
	 */
	#spin(untilWallMs: number, done: () => void): void {
		let over = false;
		const turn = (): void => {
			if (over) return;
			const nowMs = this.#wallNowMs();
			if (nowMs < untilWallMs) {
				setImmediate(turn);
				return;
			}
			over = true;
			// The advance that follows at once takes this reading as its own.
			this.#spinReadingMs = nowMs;
			done();
		};
		this.#wake = () => {
			over = true;
			done();
		};
		setImmediate(turn);
	}

	/** The virtual time the wall clock has reached at a finite speed (or `atWallMs`, or the hold, if earlier). */
	#wallTargetS(atWallMs?: number): number {
		let wallMs = this.#spinReadingMs ?? this.#wallNowMs();
		this.#spinReadingMs = undefined;
		if (atWallMs !== undefined && atWallMs < wallMs) wallMs = atWallMs;
		const holdMs = this.#hold?.();
		if (holdMs !== undefined && holdMs < wallMs) wallMs = holdMs;
		return this.#anchorVirtualS + ((wallMs - this.#anchorWallMs) / 1000) * (this.#speed as number);
	}

	#advanceTo(targetS: number, stopWhenIdle = false): void {
		if (targetS <= this.simulation.now) return;
		this.simulation.runUntil(targetS, {stopWhenIdle});
		for (const listener of this.#listeners) listener();
	}

	/** Wall milliseconds from virtual `nowS` until the next step ends (or the run does), at most one tick. */
	#sleepMs(nowS: number, endS: number): number {
		// Held: what releases the hold (a request entering the engine) wakes the runner.
		if (this.#hold?.() !== undefined) return this.#tickMs;
		const nextS = Math.min(endS, this.simulation.nextStepEndAt());
		const wallMs = ((nextS - nowS) / (this.#speed as number)) * 1000;
		return Math.min(this.#tickMs, Math.max(0, wallMs));
	}

	#reanchor(): void {
		// A spin's last reading (see #spin) is older than the new anchor: the next advance reads anew.
		this.#spinReadingMs = undefined;
		this.#anchorWallMs = this.#wallNowMs();
		this.#anchorVirtualS = this.simulation.now;
	}
}
