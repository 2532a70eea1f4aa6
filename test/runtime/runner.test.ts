import {describe, expect, it, vi} from 'vitest';
import {Runner} from '../../src/runtime/runner.js';
import {buildSimulation} from '../../src/sim/build.js';
import {testConfig} from '../sim/helpers.js';

describe('Runner', () => {
	it('paces virtual time at speed × wall time, and stops at the duration', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		// Every reading of the wall clock is half a second later: 2 virtual seconds per tick at speed 4.
		let wallMs = 0;
		const runner = new Runner(built.simulation, {speed: 4, durationS: 10, tickMs: 1, wallNowMs: () => (wallMs += 500)});
		const seen: number[] = [];
		runner.onAdvance(() => void seen.push(built.simulation.now));
		await runner.run();
		expect(seen).toEqual([2, 4, 6, 8, 10]);
		expect(runner.done).toBe(true);
		expect(runner.elapsedS).toBe(10);
	});

	it('pauses and resumes without jumping ahead, and changes speed from the next tick', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		// Every reading of the wall clock is one second later.
		let wallMs = 0;
		const runner = new Runner(built.simulation, {speed: 1, durationS: 6, tickMs: 1, wallNowMs: () => (wallMs += 1000)});
		const seen: number[] = [];
		runner.onAdvance(() => {
			seen.push(built.simulation.now);
			if (seen.length === 1) {
				runner.pause();
				wallMs += 100_000; // a long pause: no virtual time passes for it
				setTimeout(() => runner.resume(), 5);
			} else if (seen.length === 2) {
				runner.setSpeed(3);
			}
		});
		await runner.run();
		expect(seen).toEqual([1, 2, 5, 6]);
	});

	it('runs as fast as possible at max speed and can be stopped', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		const runner = new Runner(built.simulation, {speed: 'max', maxChunkS: 5});
		let ticks = 0;
		runner.onAdvance(() => {
			if (++ticks === 3) runner.stop();
		});
		await runner.run();
		expect(built.simulation.now).toBe(15);
		expect(runner.done).toBe(true);
	});

	it('wallMsAt: the wall instant a virtual time is due at, from the pacing anchor; none at max speed', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		let wallMs = 1000;
		const runner = new Runner(built.simulation, {speed: 2, tickMs: 60_000, wallNowMs: () => wallMs});
		const done = runner.run(); // anchored: virtual 0 at wall 1000
		expect(runner.wallMsAt(0)).toBe(1000);
		expect(runner.wallMsAt(3)).toBe(2500); // 3 virtual seconds at speed 2: 1.5 wall seconds later
		wallMs = 2000;
		runner.catchUp();
		runner.setSpeed(4); // re-anchored: virtual 2 at wall 2000
		expect(runner.wallMsAt(3)).toBe(2250);
		runner.setSpeed('max');
		expect(runner.wallMsAt(3)).toBeUndefined();
		runner.stop();
		await done;
	});

	it('nextStepWallMs: the wall instant the next engine step ends; none while no engine steps, held, paused or at max speed', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		let wallMs = 1000;
		const runner = new Runner(built.simulation, {speed: 2, tickMs: 60_000, wallNowMs: () => wallMs});
		const done = runner.run(); // anchored: virtual 0 at wall 1000
		expect(runner.nextStepWallMs()).toBeUndefined(); // nothing to do yet
		built.simulation.submit({id: 1e9, promptTokens: 64, maxTokens: 400, classIndex: 0, temperature: 1});
		wallMs = 1001;
		runner.catchUp();
		const engine = built.simulation.engines[0]!;
		expect(engine.busy).toBe(true);
		// Virtual stepEndAt at speed 2 from the anchor: half as many wall seconds after wall 1000.
		expect(runner.nextStepWallMs()).toBeCloseTo(1000 + (engine.stepEndAt / 2) * 1000, 9);
		expect(runner.nextStepWallMs()).toBeGreaterThan(wallMs);
		runner.holdAt(() => 1001);
		expect(runner.nextStepWallMs()).toBeUndefined();
		runner.holdAt(undefined);
		runner.pause();
		expect(runner.nextStepWallMs()).toBeUndefined();
		runner.resume();
		expect(runner.nextStepWallMs()).toBeGreaterThan(wallMs);
		runner.setSpeed('max');
		expect(runner.nextStepWallMs()).toBeUndefined();
		runner.stop();
		await done;
	});

	it("catchUp: an outside event lands at the wall clock's virtual time, not the last tick's; not at max speed, paused or before run()", async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		let wallMs = 0;
		// A tick of a minute: only catchUp moves the clock between the first advance and stop().
		const runner = new Runner(built.simulation, {speed: 2, tickMs: 60_000, wallNowMs: () => wallMs});
		wallMs = 700;
		runner.catchUp();
		expect(built.simulation.now).toBe(0); // not running yet
		const done = runner.run();
		wallMs = 1200;
		runner.catchUp();
		expect(built.simulation.now).toBe(1); // 500 wall ms since run() at speed 2
		runner.pause();
		wallMs = 5000;
		runner.catchUp();
		expect(built.simulation.now).toBe(1);
		runner.resume();
		runner.setSpeed('max');
		const before = built.simulation.now;
		runner.catchUp();
		expect(built.simulation.now).toBe(before);
		runner.stop();
		await done;
		runner.setSpeed(2);
		wallMs = 20_000;
		const after = built.simulation.now;
		runner.catchUp();
		expect(built.simulation.now).toBe(after); // run() has returned
	});

	it('sleeps on a timer until a millisecond before the next step ends, and waits out the rest a turn of the event loop at a time', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		built.simulation.submit({id: 1e9, promptTokens: 64, maxTokens: 400, classIndex: 0, temperature: 1});
		// A wall clock that moves 0.25 ms per reading: steps end between readings, some within a
		// millisecond of the last advance.
		let wallMs = 0;
		const runner = new Runner(built.simulation, {speed: 1, durationS: 0.2, tickMs: 25, wallNowMs: () => (wallMs += 0.25)});
		const engine = built.simulation.engines[0]!;
		// Per timer the runner sets: its delay and the wall time left until the step it waits for ends.
		const timers: Array<{delayMs: number; leftMs: number}> = [];
		const setTimer = globalThis.setTimeout;
		vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, delayMs: number) => {
			timers.push({delayMs, leftMs: (engine.stepEndAt - built.simulation.now) * 1000});
			return setTimer(fn, 0);
		}) as typeof setTimeout);
		const immediate = vi.spyOn(globalThis, 'setImmediate');
		await runner.run();
		vi.restoreAllMocks();
		expect(runner.elapsedS).toBe(0.2);
		expect(timers.length).toBeGreaterThan(10);
		for (const {delayMs, leftMs} of timers) {
			// No timer within a millisecond of a step's end (it could fire a millisecond late)...
			expect(leftMs).toBeGreaterThan(1);
			// ...and each wakes a millisecond early, or more.
			expect(delayMs).toBeLessThanOrEqual(Math.max(1, leftMs - 1));
		}
		expect(immediate.mock.calls.length).toBeGreaterThan(0);
	});

	it('at a finite speed it wakes when a step ends, not a whole tick later', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		built.simulation.submit({id: 1e9, promptTokens: 64, maxTokens: 400, classIndex: 0, temperature: 1});
		// Real time, a tick of a minute, a run of 0.5 virtual seconds (tens of steps over half a wall
		// second): only waking at each step's end advances the clock more than once before the run
		// ends. (At ten times real time, the whole run lasted 50 ms of wall time, and a loaded
		// machine that delayed a few wake-ups merged the advances into three or fewer.)
		const runner = new Runner(built.simulation, {speed: 1, durationS: 0.5, tickMs: 60_000});
		const seen: number[] = [];
		runner.onAdvance(() => void seen.push(built.simulation.now));
		await runner.run();
		expect(seen.at(-1)).toBe(0.5);
		expect(seen.length).toBeGreaterThan(3);
	});
});

describe('Runner spin', () => {
	it('waits out the last millisecond before a step ends without advancing the simulation each turn', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		built.simulation.submit({id: 1e9, promptTokens: 64, maxTokens: 400, classIndex: 0, temperature: 1});
		// A wall clock that moves 0.02 ms per reading and by a timer's delay when one is set (fired at
		// once): the last millisecond before a step's end is about fifty turns of the event loop.
		let wallMs = 0;
		const runner = new Runner(built.simulation, {speed: 1, durationS: 0.2, tickMs: 25, wallNowMs: () => (wallMs += 0.02)});
		const setTimer = globalThis.setTimeout;
		vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, delayMs: number) => {
			wallMs += delayMs;
			return setTimer(fn, 0);
		}) as typeof setTimeout);
		let steps = 0;
		built.simulation.subscribe({
			onStep: () => {
				steps += 1;
			},
		});
		let advances = 0;
		runner.onAdvance(() => {
			advances += 1;
		});
		await runner.run();
		vi.restoreAllMocks();
		expect(runner.elapsedS).toBe(0.2);
		expect(steps).toBeGreaterThan(5);
		// An advance or two when a timer fires (a tick, then a millisecond before the step ends) and
		// one when the step ends, not one per turn in between (about 35 a step so).
		expect(advances).toBeLessThanOrEqual(4 * steps);
	});
});
