import {describe, expect, it} from 'vitest';
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
});
