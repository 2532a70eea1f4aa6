import type {LiveSession, Speed} from '../runtime/live-session.js';
import {formatFactor, formatSpeed} from './format.js';

/**
 * A line the dashboard shows after a key that did nothing (a bound reached, speculation off);
 * undefined when the key acted.
 */
export type ControlNotice = string | undefined;

/** The dashboard's teaching controls; each applies from the simulation's next step. */
export type DashboardControls = {
	/** `p` */
	togglePause(): ControlNotice;
	/** `+` */
	faster(): ControlNotice;
	/** `-` */
	slower(): ControlNotice;
	/** `]`: k + 1, up to the session's limit (new position series appear on `/metrics` at 0). */
	increaseK(): ControlNotice;
	/** `[`: k − 1, not below 1. */
	decreaseK(): ControlNotice;
	/** `↑`: conditional acceptance × {@link ACCEPTANCE_STEP}, up to {@link ACCEPTANCE_SCALE_MAX} (rates clamp at 1). */
	raiseAcceptance(): ControlNotice;
	/** `↓`: conditional acceptance ÷ {@link ACCEPTANCE_STEP}, down to {@link ACCEPTANCE_SCALE_MIN}. */
	lowerAcceptance(): ControlNotice;
	/** `r`: reset every counter as a restarted engine would, and the acceptance multiplier to 1. */
	reset(): ControlNotice;
};

/** Speeds `+` and `-` step through (virtual seconds per wall second), then `max`. */
export const SPEED_LADDER: readonly number[] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100];

/** Factor per `↑`/`↓` press on conditional acceptance rates. */
export const ACCEPTANCE_STEP = 1.05;

/** Lowest acceptance multiplier `↓` reaches: below it almost nothing is accepted. */
export const ACCEPTANCE_SCALE_MIN = 0.1;

/** Highest acceptance multiplier `↑` reaches: every shipped preset's rates are clamped at 1 well before. */
export const ACCEPTANCE_SCALE_MAX = 10;

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
	// Once the run reached its --duration nothing runs any more: a key that changed k, the speed or
	// the acceptance would relabel the finished run's figures, and r would wipe them for good.
	const finished = (key: string): ControlNotice => (session.done ? `${key} does nothing: the run reached its --duration; q quits` : undefined);
	const then = (key: string, action: () => ControlNotice) => (): ControlNotice => {
		const notice = finished(key) ?? action();
		hooks.refresh();
		return notice;
	};
	const kOff = (): ControlNotice => (session.info.speculative ? undefined : '[/] do nothing: speculative decoding is off (--k 0 or --method none)');
	const setSpeed = (direction: 1 | -1): ControlNotice => {
		const next = nextSpeed(session.speed, direction);
		if (next === session.speed)
			return direction > 0 ? '+ does nothing: speed is at max' : `- does nothing: speed is at its slowest ${formatSpeed(next)}`;
		session.setSpeed(next);
		return undefined;
	};
	const setScale = (direction: 1 | -1): ControlNotice => {
		const scale = session.acceptanceScale;
		if (direction > 0 && scale >= ACCEPTANCE_SCALE_MAX) return `↑ does nothing: acceptance is at its ceiling ${formatFactor(ACCEPTANCE_SCALE_MAX)}`;
		if (direction < 0 && scale <= ACCEPTANCE_SCALE_MIN) return `↓ does nothing: acceptance is at its floor ${formatFactor(ACCEPTANCE_SCALE_MIN)}`;
		const next = direction > 0 ? scale * ACCEPTANCE_STEP : scale / ACCEPTANCE_STEP;
		session.setAcceptanceScale(Math.min(ACCEPTANCE_SCALE_MAX, Math.max(ACCEPTANCE_SCALE_MIN, next)));
		return undefined;
	};
	return {
		togglePause: then('p', () => {
			session.togglePause();
			return undefined;
		}),
		faster: then('+', () => setSpeed(1)),
		slower: then('-', () => setSpeed(-1)),
		increaseK: then(']', () => {
			const max = session.info.maxNumSpecTokens;
			if (kOff() !== undefined) return kOff();
			if (session.numSpecTokens >= max) return `] does nothing: k=${max} is the limit (MAX_NUM_SPEC_TOKENS, the token budget and the KV cache)`;
			session.setNumSpecTokens(session.numSpecTokens + 1);
			return undefined;
		}),
		decreaseK: then('[', () => {
			if (kOff() !== undefined) return kOff();
			if (session.numSpecTokens <= 1) return '[ does nothing: k=1 is the smallest k';
			session.setNumSpecTokens(session.numSpecTokens - 1);
			return undefined;
		}),
		raiseAcceptance: then('↑', () => setScale(1)),
		lowerAcceptance: then('↓', () => setScale(-1)),
		reset: () => {
			if (finished('r') !== undefined) return finished('r');
			session.restart();
			session.setAcceptanceScale(1);
			hooks.onRestart?.();
			hooks.refresh();
			return undefined;
		},
	};
}
