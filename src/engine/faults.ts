import type {Rng} from '../rng/rng.js';
import {formatFixed} from '../util/py-format.js';
import type {Engine} from './engine.js';
import type {FaultDelaySpec} from './faults-delay.js';
import type {SimRequest} from './request.js';
import {createDurationSampler} from './workload/durations.js';

/** One scheduled sleep: asleep from `startS` to `endS` at `level`, on `engine` (every engine when undefined). */
export type SleepInterval = {
	readonly startS: number;
	readonly endS: number;
	readonly level: 1 | 2;
	readonly engine?: number | undefined;
	/** vLLM's `/sleep?mode=`: `abort` (default) aborts what runs; `wait` lets it finish first. */
	readonly mode?: 'abort' | 'wait' | undefined;
};

/** The preset's `faults` section (docs/faults.md). */
export type FaultsSpec = {
	readonly errorRate: number;
	readonly abort?: {readonly rate: number; readonly after: FaultDelaySpec} | undefined;
	readonly sleep: readonly SleepInterval[];
};

/**
 * What vLLM's sleep log lines report, per GPU of an engine (its tensor-parallel rank 0): weight
 * and KV cache bytes, and how fast weights move to and from host memory.
 */
export type SleepFigures = {
	readonly weightBytesPerGpu: number;
	readonly kvCacheBytesPerGpu: number;
};

/** Which vLLM call printed a fault line (its `[file:line]`, see `log-prefix.ts`). */
export type FaultLogSource = 'prefix-cache-reset' | 'worker-sleep' | 'executor-sleep' | 'executor-wake';

/** A log line a fault event prints. */
export type FaultLogLine = {readonly message: string; readonly level: 'INFO'; readonly source: FaultLogSource};

/**
 * Host-device copy rate used to time a sleep (weights offloaded to pinned host memory) and a
 * wake-up (weights copied back): 25 GB/s, a practical PCIe Gen5 x16 figure. A plausible model,
 * not a measurement: vLLM's own lines print whatever the copy took.
 */
export const HOST_COPY_BYTES_PER_S = 25e9;
/** Fixed part of a sleep or wake-up (allocator bookkeeping, RPC to the workers), seconds. */
export const SLEEP_FIXED_S = 0.05;
/**
 * GPU memory a sleeping worker still holds (CUDA context, allocations outside vLLM's sleep-mode
 * pool): 1.38 GiB, from a real vLLM log of an 80 GB GPU (`Sleep mode freed 71.25 GiB memory,
 * 1.38 GiB memory is still in use.`).
 */
export const SLEEP_RESIDENT_BYTES = 1.38 * 2 ** 30;
const GIB = 2 ** 30;
/**
 * vLLM prints the tags still asleep as a Python set, `{'weights', 'kv_cache'}`; Python's order of
 * a set of strings depends on the process's hash seed (`PYTHONHASHSEED`), so vLLM prints either
 * order. specsim prints this one.
 */
const SLEEPING_TAGS = "{'weights', 'kv_cache'}";

/** Where fault events report: the log lines they print and the engines' sleep-state changes, in order. */
export type FaultSink = {
	logLine(engine: number, line: FaultLogLine): void;
	/** An engine fell asleep (`level` 1 or 2) or woke up (`level` 0): vLLM's `record_sleep_state`. */
	sleepState(engine: number, level: number): void;
	/**
	 * A scheduled sleep or wake-up, timed as vLLM's API server times its `/sleep` and `/wake_up`
	 * calls (`sleep_mode_operation_metrics().record(...)`): `begin` when the call is made, `end`
	 * when it returns, `durationS` after it began (the time a `wait`-mode sleep waited for running
	 * requests plus the modelled {@link sleepSeconds} or {@link wakeSeconds}). One operation per
	 * scheduled interval edge, whatever the number of engines it covers.
	 */
	sleepOperation?(operation: SleepOperation, phase: 'begin' | 'end', durationS: number): void;
};

/** vLLM's sleep-mode memory tags: a sleep at level 1 or 2 puts both to sleep; `/wake_up?tags=` may wake one. */
export type SleepTag = 'weights' | 'kv_cache';

/** The sleep-mode operations a schedule performs (vLLM's also has `release_kv_cache_memory`). */
export type SleepOperation = 'sleep' | 'wake';

/** A `wait`-mode sleep call still waiting for engines to drain. */
type PendingSleep = {readonly startedAt: number; remaining: number; durationS: number};

/** What the simulation asks of its fault injector. */
export type SimFaults = {
	/**
	 * A request was just routed to `engine` at `t` (arrivals, external submits). An `external`
	 * request (a real client's, `serve`) can fail with `error` but gets no simulated client abort:
	 * its real client aborts by disconnecting.
	 */
	onRouted(request: SimRequest, engine: Engine, t: number, external?: boolean): void;
	/** Time of the next fault event (abort deadline, sleep, wake-up), or +Infinity. */
	nextEventAt(): number;
	/** Run every fault event due at or before `t`, reporting to `sink`. */
	fire(t: number, sink: FaultSink): void;
	/** `engine` completed a step at `t` (a sleep in `wait` mode completes when nothing runs). */
	afterStep(engine: Engine, t: number, sink: FaultSink): void;
	/** vLLM's `POST /sleep?level=&mode=` at `t`, on every engine (one already asleep or falling asleep: no-op). */
	sleepNow?(t: number, level: 1 | 2, mode: 'abort' | 'wait', sink: FaultSink): void;
	/** vLLM's `POST /wake_up[?tags=]` at `t`, on every engine: all tags, or those given (a tag not asleep: no-op). */
	wakeUpNow?(t: number, tags: readonly SleepTag[] | undefined, sink: FaultSink): void;
	/** vLLM's `is_sleeping` (an engine asleep, or pausing to sleep), and whether a `wait`-mode sleep is draining. */
	sleepState?(): {sleeping: boolean; draining: boolean};
};

type SleepEvent = {
	readonly t: number;
	readonly wake: boolean;
	readonly level: 1 | 2;
	readonly engine: number | undefined;
	readonly mode: 'abort' | 'wait';
};

/**
 * Injects the preset's faults into a simulation, deterministically from its own random streams
 * (one per concern: `error`, `abort`, `abort-after`), each drawn once per request in routing
 * order, so turning a fault on changes no other stream:
 *
 * - **errors**: a request is drawn to fail with probability `errorRate`; it ends with finish
 *   reason `error` at the end of the next step that schedules it (its first), producing no token,
 *   as vLLM's `FINISHED_ERROR` ends a request whose step output is lost;
 * - **client aborts**: a request is drawn to be abandoned with probability `abort.rate`, after a
 *   delay from its arrival drawn from `abort.after`; if it has not finished by then it is aborted
 *   (finish reason `abort`, KV freed at once: `Engine.abort`);
 * - **sleep**: at `startS` an engine sleeps (`Engine.sleep`: vLLM's `sleep(level, mode="abort")`
 *   aborts everything in flight and admits nothing) and at `endS` it wakes up.
 *
 * Abort deadlines wait in a binary heap (time, then routing order): memory grows with requests in
 * flight, not with duration.
 */
export class FaultInjector implements SimFaults {
	readonly spec: FaultsSpec;
	readonly #engines: readonly Engine[];
	readonly #errorRng: Rng;
	readonly #abortRng: Rng;
	readonly #abortAfter: (() => number) | undefined;
	readonly #figures: SleepFigures;
	readonly #events: SleepEvent[];
	#nextEvent = 0;
	// Abort heap: parallel arrays ordered by (deadline, sequence).
	#deadlines: number[] = [];
	#sequence: number[] = [];
	#requests: SimRequest[] = [];
	#engineOf: Engine[] = [];
	#routed = 0;
	/** Per engine: the level of a `wait`-mode sleep waiting for its running requests to finish. */
	readonly #draining: Array<1 | 2 | undefined>;
	/** Per draining engine: the sleep call it belongs to. */
	readonly #drainingCall: Array<PendingSleep | undefined>;
	/** Per engine: the memory tags asleep (both while asleep, until wake-ups restore them all). */
	readonly #sleepingTags: Set<SleepTag>[];

	constructor(spec: FaultsSpec, engines: readonly Engine[], rng: Rng, figures: SleepFigures) {
		this.spec = spec;
		this.#engines = engines;
		this.#errorRng = rng.fork('error');
		this.#abortRng = rng.fork('abort');
		this.#abortAfter = spec.abort === undefined ? undefined : createDurationSampler(spec.abort.after, rng.fork('abort-after'), 'faults.abort.after');
		this.#figures = figures;
		this.#draining = engines.map(() => undefined);
		this.#drainingCall = engines.map(() => undefined);
		this.#sleepingTags = engines.map(() => new Set());
		const events: SleepEvent[] = [];
		for (const s of spec.sleep) {
			if (s.engine !== undefined && s.engine >= engines.length) throw new RangeError(`no engine ${s.engine} (engines 0 to ${engines.length - 1})`);
			const mode = s.mode ?? 'abort';
			events.push({t: s.startS, wake: false, level: s.level, engine: s.engine, mode});
			events.push({t: s.endS, wake: true, level: s.level, engine: s.engine, mode});
		}
		// In time order; at one instant an engine wakes before it sleeps again (stable otherwise).
		this.#events = events
			.map((e, i) => ({e, i}))
			.sort((a, b) => a.e.t - b.e.t || Number(b.e.wake) - Number(a.e.wake) || a.i - b.i)
			.map(({e}) => e);
	}

	onRouted(request: SimRequest, engine: Engine, t: number, external = false): void {
		const seq = this.#routed++;
		if (this.spec.errorRate > 0 && this.#errorRng.next() < this.spec.errorRate) request.failsWithError = true;
		const abort = this.spec.abort;
		// A real client's request draws no abort, so client traffic leaves the background's abort draws as they are.
		if (!external && abort !== undefined && abort.rate > 0 && this.#abortRng.next() < abort.rate) {
			const deadline = Math.max(t, request.arrivalAt + this.#abortAfter!());
			this.#push(deadline, seq, request, engine);
		}
	}

	nextEventAt(): number {
		const sleep = this.#nextEvent < this.#events.length ? this.#events[this.#nextEvent]!.t : Number.POSITIVE_INFINITY;
		const abort = this.#deadlines.length > 0 ? this.#deadlines[0]! : Number.POSITIVE_INFINITY;
		return Math.min(sleep, abort);
	}

	fire(t: number, sink: FaultSink): void {
		// Client aborts first: a client that gives up at the instant the engine sleeps aborted first.
		while (this.#deadlines.length > 0 && this.#deadlines[0]! <= t) {
			const request = this.#requests[0]!;
			const engine = this.#engineOf[0]!;
			this.#pop();
			if (request.status !== 'finished') engine.abort(request, t, 'abort');
		}
		while (this.#nextEvent < this.#events.length && this.#events[this.#nextEvent]!.t <= t) {
			const event = this.#events[this.#nextEvent++]!;
			this.#call(t, event.wake, event.level, event.mode, event.engine, undefined, sink);
		}
	}

	sleepNow(t: number, level: 1 | 2, mode: 'abort' | 'wait', sink: FaultSink): void {
		this.#call(t, false, level, mode, undefined, undefined, sink);
	}

	wakeUpNow(t: number, tags: readonly SleepTag[] | undefined, sink: FaultSink): void {
		this.#call(t, true, 1, 'abort', undefined, tags, sink);
	}

	sleepState(): {sleeping: boolean; draining: boolean} {
		let sleeping = false;
		let draining = false;
		for (const engine of this.#engines) {
			if (engine.sleepLevel !== 0) sleeping = true;
			if (this.#draining[engine.index] !== undefined) draining = true;
		}
		// vLLM's is_sleeping is also true while scheduling is paused before a sleep.
		return {sleeping: sleeping || draining, draining};
	}

	/**
	 * One sleep or wake-up call (a scheduled interval's edge, or `/sleep` and `/wake_up`) on `only`
	 * or every engine, timed as one sleep-mode operation. An engine already asleep (or draining)
	 * ignores a sleep, an awake one a wake-up, as vLLM's are no-ops then.
	 */
	#call(
		t: number,
		wake: boolean,
		level: 1 | 2,
		mode: 'abort' | 'wait',
		only: number | undefined,
		tags: readonly SleepTag[] | undefined,
		sink: FaultSink,
	): void {
		const operation: SleepOperation = wake ? 'wake' : 'sleep';
		sink.sleepOperation?.(operation, 'begin', 0);
		// The call returns when every engine it covers has done its part (in parallel: the longest).
		const call: PendingSleep = {startedAt: t, remaining: 1, durationS: 0};
		for (const engine of this.#engines) {
			if (only !== undefined && only !== engine.index) continue;
			if (wake) {
				call.durationS = Math.max(call.durationS, this.#wake(engine, t, sink, tags));
				continue;
			}
			if (engine.sleepLevel !== 0 || this.#draining[engine.index] !== undefined) continue;
			if (mode === 'abort') call.durationS = Math.max(call.durationS, this.#sleep(engine, level, t, sink, true));
			else {
				// mode="wait": admit nothing more, sleep once the running requests have finished.
				engine.pauseAdmissions();
				this.#draining[engine.index] = level;
				this.#drainingCall[engine.index] = call;
				call.remaining += 1;
				this.afterStep(engine, t, sink);
			}
		}
		this.#settle(call, operation, sink);
	}

	/** One part of `call` is done: the call returns when none is left. */
	#settle(call: PendingSleep, operation: SleepOperation, sink: FaultSink): void {
		call.remaining -= 1;
		if (call.remaining === 0) sink.sleepOperation?.(operation, 'end', call.durationS);
	}

	afterStep(engine: Engine, t: number, sink: FaultSink): void {
		const level = this.#draining[engine.index];
		if (level === undefined || engine.numRunning > 0 || engine.busy) return;
		this.#draining[engine.index] = undefined;
		engine.pauseAdmissions(true);
		const seconds = this.#sleep(engine, level, t, sink, false);
		const call = this.#drainingCall[engine.index];
		this.#drainingCall[engine.index] = undefined;
		if (call !== undefined) {
			call.durationS = Math.max(call.durationS, t - call.startedAt + seconds);
			this.#settle(call, 'sleep', sink);
		}
	}

	/**
	 * vLLM's sleep: abort everything (mode `abort`), reset the prefix cache, offload or discard the
	 * weights. Returns the modelled seconds it took.
	 */
	#sleep(engine: Engine, level: 1 | 2, t: number, sink: FaultSink, abortAll: boolean): number {
		const {prefixCacheReset} = engine.sleep(level, t, abortAll);
		const e = engine.index;
		this.#sleepingTags[e] = new Set<SleepTag>(['weights', 'kv_cache']);
		if (prefixCacheReset) sink.logLine(e, {message: 'Successfully reset prefix cache', level: 'INFO', source: 'prefix-cache-reset'});
		const {weightBytesPerGpu, kvCacheBytesPerGpu} = this.#figures;
		const freed = weightBytesPerGpu + kvCacheBytesPerGpu;
		sink.logLine(e, {
			message: `Sleep mode freed ${formatFixed(freed / GIB, 2)} GiB memory, ${formatFixed(SLEEP_RESIDENT_BYTES / GIB, 2)} GiB memory is still in use.`,
			level: 'INFO',
			source: 'worker-sleep',
		});
		const seconds = sleepSeconds(level, weightBytesPerGpu);
		sink.logLine(e, {
			message: `It took ${formatFixed(seconds, 6)} seconds to fall asleep.`,
			level: 'INFO',
			source: 'executor-sleep',
		});
		sink.sleepState(e, level);
		return seconds;
	}

	/**
	 * vLLM's wake-up of `tags` (every tag still asleep when undefined), as its executor's
	 * `wake_up(tags)`: it prints the tags it was given (a Python list) or, given none, the set still
	 * asleep; the engine is awake (admissions resume, gauge awake) once no tag sleeps. An awake
	 * engine, or tags not asleep, is a no-op. Returns the modelled seconds it took.
	 */
	#wake(engine: Engine, t: number, sink: FaultSink, tags: readonly SleepTag[] | undefined): number {
		if (this.#draining[engine.index] !== undefined) {
			// The wake-up came before the drain finished: the sleep never happened; admissions resume.
			this.#draining[engine.index] = undefined;
			engine.pauseAdmissions(true);
			const call = this.#drainingCall[engine.index];
			this.#drainingCall[engine.index] = undefined;
			if (call !== undefined) {
				call.durationS = Math.max(call.durationS, t - call.startedAt);
				this.#settle(call, 'sleep', sink);
			}
			return wakeSeconds(0, this.#figures.weightBytesPerGpu);
		}
		if (engine.sleepLevel === 0) return 0;
		const e = engine.index;
		const asleep = this.#sleepingTags[e]!;
		const waking = tags === undefined ? [...asleep] : tags.filter(tag => asleep.has(tag));
		if (waking.length === 0) return 0;
		const level = engine.sleepLevel;
		const printed = tags !== undefined ? `[${tags.map(tag => `'${tag}'`).join(', ')}]` : asleep.size === 2 ? SLEEPING_TAGS : `{'${waking[0]}'}`;
		// Level 1 copies the weights back from host memory; the KV cache is only reallocated.
		const seconds = waking.includes('weights') ? wakeSeconds(level, this.#figures.weightBytesPerGpu) : SLEEP_FIXED_S;
		for (const tag of waking) asleep.delete(tag);
		if (asleep.size === 0) engine.wakeUp();
		sink.logLine(e, {message: `It took ${formatFixed(seconds, 6)} seconds to wake up tags ${printed}.`, level: 'INFO', source: 'executor-wake'});
		if (asleep.size === 0) sink.sleepState(e, 0);
		return seconds;
	}

	#push(deadline: number, seq: number, request: SimRequest, engine: Engine): void {
		const d = this.#deadlines;
		let i = d.length;
		d.push(deadline);
		this.#sequence.push(seq);
		this.#requests.push(request);
		this.#engineOf.push(engine);
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!this.#before(i, parent)) break;
			this.#swap(i, parent);
			i = parent;
		}
	}

	#pop(): void {
		const last = this.#deadlines.length - 1;
		this.#swap(0, last);
		this.#deadlines.pop();
		this.#sequence.pop();
		this.#requests.pop();
		this.#engineOf.pop();
		const n = this.#deadlines.length;
		let i = 0;
		for (;;) {
			const l = 2 * i + 1;
			const r = l + 1;
			let m = i;
			if (l < n && this.#before(l, m)) m = l;
			if (r < n && this.#before(r, m)) m = r;
			if (m === i) break;
			this.#swap(i, m);
			i = m;
		}
	}

	#before(a: number, b: number): boolean {
		const da = this.#deadlines[a]!;
		const db = this.#deadlines[b]!;
		return da < db || (da === db && this.#sequence[a]! < this.#sequence[b]!);
	}

	#swap(a: number, b: number): void {
		swap(this.#deadlines, a, b);
		swap(this.#sequence, a, b);
		swap(this.#requests, a, b);
		swap(this.#engineOf, a, b);
	}
}

function swap<T>(array: T[], a: number, b: number): void {
	const x = array[a]!;
	array[a] = array[b]!;
	array[b] = x;
}

/** Seconds a sleep takes: level 1 copies the weights to host memory, level 2 only frees them. */
export function sleepSeconds(level: 1 | 2, weightBytesPerGpu: number): number {
	return SLEEP_FIXED_S + (level === 1 ? weightBytesPerGpu / HOST_COPY_BYTES_PER_S : 0);
}

/** Seconds a wake-up takes: level 1 copies the weights back; level 2 only reallocates (weights are reloaded separately). */
export function wakeSeconds(level: number, weightBytesPerGpu: number): number {
	return SLEEP_FIXED_S + (level === 1 ? weightBytesPerGpu / HOST_COPY_BYTES_PER_S : 0);
}
