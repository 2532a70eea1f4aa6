import {getHeapSpaceStatistics} from 'node:v8';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {type IdleClock, scavengeYoungGeneration, startIdleScavenger} from '../../src/server/idle-gc.js';

/** A runner stand-in: the next step's wall end is set by the test, advances are announced by it. */
function fakeClock() {
	let listener: (() => void) | undefined;
	const clock = {
		nextMs: undefined as number | undefined,
		nextStepWallMs: () => clock.nextMs,
		onAdvance: (l: () => void) => {
			listener = l;
			return () => {
				listener = undefined;
			};
		},
		advance: () => listener?.(),
		get subscribed() {
			return listener !== undefined;
		},
	};
	return clock satisfies IdleClock;
}

describe('startIdleScavenger', () => {
	let nowMs = 0;
	beforeEach(() => {
		vi.useFakeTimers();
		nowMs = 0;
	});
	afterEach(() => {
		vi.useRealTimers();
	});
	/** Let `ms` of wall time pass (the fake timers and the scavenger's clock together). */
	const pass = (ms: number): void => {
		nowMs += ms;
		vi.advanceTimersByTime(ms);
	};

	it('collects half way to the next step when the young generation is over the threshold, once per window', () => {
		const clock = fakeClock();
		let fill = 0.6;
		const collected: number[] = [];
		startIdleScavenger(clock, {nowMs: () => nowMs, fill: () => fill, collect: () => void collected.push(nowMs)});
		clock.nextMs = 36;
		clock.advance();
		pass(4);
		clock.advance(); // a request's catch-up in the same window: no second timer
		pass(13);
		expect(collected).toEqual([]);
		pass(1);
		expect(collected).toEqual([18]);
		pass(30);
		expect(collected).toEqual([18]); // nothing more without an advance
		// The next window: the young generation under the threshold, nothing collected.
		clock.nextMs = nowMs + 36;
		clock.advance();
		fill = 0.4;
		pass(36);
		expect(collected).toEqual([18]);
	});

	it('leaves windows shorter than minWindowMs, and a step that came closer than marginMs meanwhile, to V8', () => {
		const clock = fakeClock();
		const collected: number[] = [];
		startIdleScavenger(clock, {nowMs: () => nowMs, fill: () => 1, collect: () => void collected.push(nowMs), minWindowMs: 8, marginMs: 4});
		clock.nextMs = 7;
		clock.advance();
		pass(10);
		expect(collected).toEqual([]);
		// A 20 ms window whose step is brought forward to 3 ms after the timer fires.
		clock.nextMs = nowMs + 20;
		clock.advance();
		pass(5);
		clock.nextMs = nowMs + 8;
		pass(5);
		expect(collected).toEqual([]);
		// No step due at all (the engine went idle): nothing.
		clock.nextMs = nowMs + 20;
		clock.advance();
		clock.nextMs = undefined;
		pass(20);
		expect(collected).toEqual([]);
		clock.advance();
		expect(vi.getTimerCount()).toBe(0);
	});

	it('stops: no timer left, no longer listening', () => {
		const clock = fakeClock();
		const collect = vi.fn();
		const stop = startIdleScavenger(clock, {nowMs: () => nowMs, fill: () => 1, collect});
		clock.nextMs = 36;
		clock.advance();
		expect(vi.getTimerCount()).toBe(1);
		stop();
		expect(vi.getTimerCount()).toBe(0);
		expect(clock.subscribed).toBe(false);
		pass(40);
		expect(collect).not.toHaveBeenCalled();
	});
});

describe('scavengeYoungGeneration', () => {
	const youngUsed = (): number => getHeapSpaceStatistics().find(space => space.space_name === 'new_space')!.space_used_size;

	it("collects V8's young generation: garbage just made is gone from it", () => {
		// A megabyte and more of short-lived objects, none kept.
		let sum = 0;
		for (let i = 0; i < 20_000; i++) sum += [i, i + 1, i + 2].length;
		expect(sum).toBe(60_000);
		const before = youngUsed();
		scavengeYoungGeneration();
		const after = youngUsed();
		expect(before).toBeGreaterThan(after);
	});
});
