import type {LiveSession, Speed} from '../runtime/live-session.js';

/** The dashboard's teaching controls; each applies from the simulation's next step. */
export type DashboardControls = {
	/** `p` */
	togglePause(): void;
	/** `+` */
	faster(): void;
	/** `-` */
	slower(): void;
	/** `]`: k + 1 (new position series appear on `/metrics` at 0). */
	increaseK(): void;
	/** `[`: k − 1, not below 1. */
	decreaseK(): void;
	/** `↑`: conditional acceptance × {@link ACCEPTANCE_STEP} (clamped to 1 by the model). */
	raiseAcceptance(): void;
	/** `↓`: conditional acceptance ÷ {@link ACCEPTANCE_STEP}. */
	lowerAcceptance(): void;
	/** `r`: reset every counter as a restarted engine would. */
	reset(): void;
};

/** Speeds `+` and `-` step through (virtual seconds per wall second), then `max`. */
export const SPEED_LADDER: readonly number[] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100];

/** Largest k `]` reaches. */
export const MAX_K = 10;

/** Factor per `↑`/`↓` press on conditional acceptance rates. */
export const ACCEPTANCE_STEP = 1.05;

/**
 * The next speed up (`direction` 1) or down (−1) the ladder. A speed between rungs moves to the
 * neighbouring rung; `max` is above the top rung, and the bottom rung stays put.
 *
 * @example nextSpeed(1, 1) === 2; nextSpeed(100, 1) === 'max'; nextSpeed('max', -1) === 100; nextSpeed(3, -1) === 2
 */
export function nextSpeed(speed: Speed, direction: 1 | -1): Speed {
	const top = SPEED_LADDER[SPEED_LADDER.length - 1]!;
	if (speed === 'max') return direction > 0 ? 'max' : top;
	if (direction > 0) return SPEED_LADDER.find(s => s > speed + 1e-9) ?? 'max';
	return [...SPEED_LADDER].reverse().find(s => s < speed - 1e-9) ?? SPEED_LADDER[0]!;
}

/**
 * Controls acting on `session`; `refresh` runs after each so the header shows the change at once
 * (also while paused, when no simulated time passes). `r` calls `onRestart` after the session's
 * restart, for the snapshot store to start its intervals and sparklines over.
 */
export function createDashboardControls(
	session: LiveSession,
	hooks: {readonly refresh: () => void; readonly onRestart?: () => void},
): DashboardControls {
	const then = (action: () => void) => (): void => {
		action();
		hooks.refresh();
	};
	return {
		togglePause: then(() => session.togglePause()),
		faster: then(() => session.setSpeed(nextSpeed(session.speed, 1))),
		slower: then(() => session.setSpeed(nextSpeed(session.speed, -1))),
		increaseK: then(() => {
			if (session.numSpecTokens < MAX_K) session.setNumSpecTokens(session.numSpecTokens + 1);
		}),
		decreaseK: then(() => {
			if (session.numSpecTokens > 1) session.setNumSpecTokens(session.numSpecTokens - 1);
		}),
		raiseAcceptance: then(() => session.setAcceptanceScale(session.acceptanceScale * ACCEPTANCE_STEP)),
		lowerAcceptance: then(() => session.setAcceptanceScale(session.acceptanceScale / ACCEPTANCE_STEP)),
		reset: () => {
			session.restart();
			hooks.onRestart?.();
			hooks.refresh();
		},
	};
}
