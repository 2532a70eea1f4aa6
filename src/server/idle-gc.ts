import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

/** What the scavenger needs of the runner (`Runner` has both). */
export type IdleClock = {
	/** The wall instant (ms) the next engine step ends; undefined when none is due. */
	nextStepWallMs(): number | undefined;
	/** `listener` runs after every advance of the simulation; returns the unsubscribe. */
	onAdvance(listener: () => void): () => void;
};

export type IdleScavengerOptions = {
	/** Wall clock (ms), the one {@link IdleClock.nextStepWallMs} answers on. @default performance.now */
	readonly nowMs?: () => number;
	/** The shortest wait for the next step worth collecting in (ms). @default 8 */
	readonly minWindowMs?: number;
	/** A collection starts only if the next step is at least this far away (ms). @default 4 */
	readonly marginMs?: number;
	/** The young generation's fill (used share of its capacity) from which an idle window is used. @default 0.5 */
	readonly threshold?: number;
	/** The young generation's fill now. @default V8's new space, from `getHeapSpaceStatistics` */
	readonly fill?: () => number;
	/** Collect the young generation. @default {@link scavengeYoungGeneration} */
	readonly collect?: () => void;
};

type Gc = (options: {type: 'minor' | 'major'}) => void;
let gc: Gc | undefined;

/**
 * Collect V8's young generation now (a scavenge). V8's `gc` function is exposed at run time, as
 * jest's leak detector does: `--expose-gc` set, then read from a new context.
 */
export function scavengeYoungGeneration(): void {
	if (gc === undefined) {
		setFlagsFromString('--expose-gc');
		gc = runInNewContext('gc') as Gc;
	}
	gc({type: 'minor'});
}

/** V8's new space: its used share of its capacity. */
function youngGenerationFill(): number {
	for (const space of getHeapSpaceStatistics())
		if (space.space_name === 'new_space') return space.space_used_size / Math.max(1, space.space_used_size + space.space_available_size);
	return 0;
}

/**
 * Collect V8's young generation in the engine's idle time between steps. A scavenge stops the
 * event loop for 2 to 5 ms at 1,000 streams, and V8 starts one when the young generation is full,
 * whatever the server is doing: reading a burst of requests, or releasing a step's tokens. After
 * each advance of the simulation this sets a timer half way to the next step's end (when that is
 * at least `minWindowMs` away); when it fires, with the step still at least `marginMs` away and
 * the young generation at least `threshold` full, it collects it. V8's own scavenges, when the
 * young generation fills up in spite of it, are then rare. Nothing happens at max speed (no step
 * is due at a wall time) or while the engine is idle. Returns the stop.
 */
export function startIdleScavenger(clock: IdleClock, options: IdleScavengerOptions = {}): () => void {
	const nowMs = options.nowMs ?? (() => performance.now());
	const minWindowMs = options.minWindowMs ?? 8;
	const marginMs = options.marginMs ?? 4;
	const threshold = options.threshold ?? 0.5;
	const fill = options.fill ?? youngGenerationFill;
	const collect = options.collect ?? scavengeYoungGeneration;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const fire = (): void => {
		timer = undefined;
		const dueMs = clock.nextStepWallMs();
		if (dueMs !== undefined && dueMs - nowMs() >= marginMs && fill() >= threshold) collect();
	};
	const off = clock.onAdvance(() => {
		if (timer !== undefined) return;
		const dueMs = clock.nextStepWallMs();
		if (dueMs === undefined) return;
		const windowMs = dueMs - nowMs();
		if (windowMs < minWindowMs) return;
		timer = setTimeout(fire, Math.floor(windowMs / 2));
		// A pending collection does not keep the process alive.
		timer.unref?.();
	});
	return () => {
		off();
		if (timer !== undefined) clearTimeout(timer);
		timer = undefined;
	};
}
