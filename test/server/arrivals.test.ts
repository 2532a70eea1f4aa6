import {describe, expect, it} from 'vitest';
import {Runner} from '../../src/runtime/runner.js';
import {Arrivals} from '../../src/server/admission.js';
import {buildSimulation} from '../../src/sim/build.js';
import {testConfig} from '../sim/helpers.js';

const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

describe('Arrivals', () => {
	it("stamps every request read in one turn with the turn's first reading; holds at the oldest not yet settled", async () => {
		let nowMs = 100;
		let settled = 0;
		const arrivals = new Arrivals({nowMs: () => nowMs, holdLimitMs: 50, onSettle: () => settled++});
		expect(arrivals.holdMs()).toBeUndefined();
		const a = arrivals.receive();
		nowMs = 104;
		const b = arrivals.receive();
		expect([a.atMs, b.atMs]).toEqual([100, 100]);
		await nextTurn();
		nowMs = 110;
		const c = arrivals.receive();
		expect(c.atMs).toBe(110);
		expect(arrivals.holdMs()).toBe(100);
		a.settle();
		a.settle(); // once is enough
		expect(settled).toBe(1);
		expect(arrivals.holdMs()).toBe(100); // b still on its way
		b.settle();
		expect(arrivals.holdMs()).toBe(110);
		// A request that takes longer than the limit to reach the engine holds the clock no more.
		nowMs = 161;
		expect(arrivals.holdMs()).toBeUndefined();
		c.settle();
		expect(arrivals.holdMs()).toBeUndefined();
	});

	it("holds the clock at the open turn's first reading until the turn ends, even once every request it read is in the engine", async () => {
		let nowMs = 200;
		let settled = 0;
		let turnsEnded = 0;
		const arrivals = new Arrivals({nowMs: () => nowMs, holdLimitMs: 50, onSettle: () => settled++, onTurnEnd: () => turnsEnded++});
		const a = arrivals.receive();
		nowMs = 203;
		a.settle();
		// A request read later in this turn is stamped 200: the clock must not have passed it.
		expect(arrivals.holdMs()).toBe(200);
		const b = arrivals.receive();
		expect(b.atMs).toBe(200);
		b.settle();
		expect(arrivals.holdMs()).toBe(200);
		expect([settled, turnsEnded]).toEqual([2, 0]);
		await nextTurn();
		// The turn's end lets go of the clock and says so (the server wakes the runner).
		expect([settled, turnsEnded]).toEqual([2, 1]);
		expect(arrivals.holdMs()).toBeUndefined();
		// A turn older than the limit holds no more.
		nowMs = 300;
		arrivals.receive().settle();
		nowMs = 351;
		expect(arrivals.holdMs()).toBeUndefined();
		await nextTurn();
	});
});

describe('Runner.holdAt', () => {
	it('neither catchUp nor ticks pass the held instant; catchUp(at) goes to an earlier instant; release moves on', async () => {
		const built = buildSimulation(testConfig(), {seed: 1});
		let wallMs = 0;
		let holdMs: number | undefined;
		// A tick of a minute: only catchUp moves the clock between the first advance and stop().
		const runner = new Runner(built.simulation, {speed: 2, tickMs: 60_000, wallNowMs: () => wallMs});
		runner.holdAt(() => holdMs);
		const done = runner.run();
		wallMs = 1000;
		holdMs = 400;
		runner.catchUp();
		expect(built.simulation.now).toBeCloseTo(0.8, 9); // 400 ms at speed 2, not 1000 ms
		runner.catchUp(300); // earlier than the clock: it does not go back
		expect(built.simulation.now).toBeCloseTo(0.8, 9);
		holdMs = undefined;
		runner.catchUp(700);
		expect(built.simulation.now).toBeCloseTo(1.4, 9);
		runner.catchUp();
		expect(built.simulation.now).toBeCloseTo(2, 9);
		runner.holdAt(undefined);
		wallMs = 1500;
		runner.catchUp();
		expect(built.simulation.now).toBeCloseTo(3, 9);
		runner.stop();
		await done;
	});
});
