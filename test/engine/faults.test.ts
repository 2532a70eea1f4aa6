import {describe, expect, it} from 'vitest';
import type {SimConfigInput} from '../../src/config/schema.js';
import type {SimRequest} from '../../src/engine/request.js';
import {delayMean, type FaultDelaySpec} from '../../src/engine/faults-delay.js';
import {createDurationSampler} from '../../src/engine/workload/durations.js';
import {createRng} from '../../src/rng/rng.js';
import {renderText} from '../../src/metrics/prom/exposition.js';
import {Session} from '../../src/runtime/session.js';
import {buildSimulation} from '../../src/sim/build.js';
import {testConfig} from '../sim/helpers.js';

type Faults = NonNullable<SimConfigInput['faults']>;

/** Run a small simulation with `faults` for `durationS`; every finished request and every step's sleep level, in order. */
function run(faults: Faults, durationS: number, seed: number, overrides: Parameters<typeof testConfig>[0] = {}) {
	const built = buildSimulation(testConfig({...overrides, faults}), {seed});
	const finished: SimRequest[] = [];
	const steps: Array<{t: number; sleepLevel: number; admitted: number; usedBlocks: number; blocksHeld: number; waiting: number; deferred: number}> =
		[];
	const engine = built.engines[0]!;
	built.simulation.subscribe({
		onStep(out) {
			let admitted = 0;
			for (let i = 0; i < out.numTokenRequests; i++) if (out.tokenRequests[i]!.numOutputTokens === out.newTokens[i]) admitted += 1;
			let blocksHeld = 0;
			for (const r of engine.requests()) blocksHeld += r.blockTable.length;
			steps.push({
				t: out.t,
				sleepLevel: out.sleepLevel,
				admitted,
				usedBlocks: engine.kv.usedBlocks,
				blocksHeld,
				waiting: out.numWaiting,
				deferred: out.numWaitingDeferred,
			});
			finished.push(...out.finished);
		},
	});
	built.simulation.runUntil(durationS);
	return {built, finished, steps, engine};
}

describe('faults: errors', () => {
	it.each([
		[0.05, 1],
		[0.2, 2],
		[0.5, 3],
	])('the fraction of requests ending with error converges to errorRate=%s (seed %s, binomial 4-sigma band)', (rate, seed) => {
		const {finished} = run({errorRate: rate}, 600, seed);
		const n = finished.length;
		const errors = finished.filter(r => r.finishReason === 'error').length;
		expect(n).toBeGreaterThan(3000);
		// Each routed request errors independently with probability `rate` (its own stream), so
		// errors ~ Binomial(n, rate): mean n·rate, standard deviation sqrt(n·rate·(1 - rate)).
		const sd = Math.sqrt(n * rate * (1 - rate));
		expect(Math.abs(errors - n * rate)).toBeLessThan(4 * sd);
		// An errored request produced no token and holds no KV.
		for (const r of finished.filter(x => x.finishReason === 'error')) {
			expect(r.numOutputTokens).toBe(0);
			expect(Number.isNaN(r.firstTokenAt)).toBe(true);
			expect(r.blockTable).toHaveLength(0);
		}
	});

	it('errorRate 0 and 1 are exact', () => {
		expect(run({errorRate: 0}, 60, 1).finished.every(r => r.finishReason === 'stop')).toBe(true);
		const all = run({errorRate: 1}, 60, 1).finished;
		expect(all.length).toBeGreaterThan(100);
		expect(all.every(r => r.finishReason === 'error')).toBe(true);
	});

	it('turning errors on changes no other stream: the arrivals are the same requests at the same times', () => {
		const off = run({errorRate: 0}, 60, 4).finished.map(r => [r.id, r.arrivalAt, r.promptTokens, r.maxTokens]);
		const on = run({errorRate: 0.3}, 60, 4).finished.map(r => [r.id, r.arrivalAt, r.promptTokens, r.maxTokens]);
		const byId = (rows: unknown[][]) => [...rows].sort((a, b) => (a[0] as number) - (b[0] as number));
		expect(byId(on).slice(0, 300)).toEqual(byId(off).slice(0, 300));
	});
});

describe('faults: client aborts', () => {
	it('an aborting client gives up exactly `after` seconds from arrival when its request has not finished', () => {
		// Every request takes longer than 0.5 s (200 output tokens), so every one is aborted at arrival + 0.5.
		const {finished} = run({abort: {rate: 1, after: {kind: 'fixed', value: 0.5}}}, 30, 1);
		expect(finished.length).toBeGreaterThan(100);
		for (const r of finished) {
			expect(r.finishReason).toBe('abort');
			expect(r.finishedAt).toBeCloseTo(r.arrivalAt + 0.5, 9);
			expect(r.numOutputTokens).toBeLessThan(r.maxTokens);
		}
	});

	it.each([
		[0.1, 1],
		[0.3, 2],
	])('when every request outlasts the patience, the aborted fraction converges to abort.rate=%s (seed %s, binomial 4-sigma band)', (rate, seed) => {
		// 200 output tokens take far longer than 0.05 s, so a request is aborted exactly when its client was drawn to abort.
		const {finished} = run({abort: {rate, after: {kind: 'fixed', value: 0.05}}}, 600, seed);
		const n = finished.length;
		const aborts = finished.filter(r => r.finishReason === 'abort').length;
		expect(finished.every(r => r.finishReason === 'abort' || r.finishedAt - r.arrivalAt > 0.05)).toBe(true);
		expect(Math.abs(aborts - n * rate)).toBeLessThan(4 * Math.sqrt(n * rate * (1 - rate)));
	});

	it('aborted requests free their KV blocks: after every step the blocks in use are those running requests hold', () => {
		const {finished, steps, engine} = run({abort: {rate: 0.5, after: {kind: 'exponential', mean: 1}}}, 120, 5, {
			workload: {arrival: {kind: 'poisson', rate: 20}},
			scheduler: {enablePrefixCaching: false},
		});
		const aborted = finished.filter(r => r.finishReason === 'abort');
		expect(aborted.length).toBeGreaterThan(200);
		for (const r of finished) expect(r.blockTable).toHaveLength(0);
		// Without prefix caching no block is shared: used blocks = blocks held by live requests.
		for (const s of steps) expect(s.usedBlocks).toBe(s.blocksHeld);
		expect(engine.kv.usedBlocks).toBe([...engine.requests()].reduce((n, r) => n + r.blockTable.length, 0));
	});

	it('with prefix caching, aborted requests drop their references: used blocks never exceed the blocks held', () => {
		const {steps} = run({abort: {rate: 0.5, after: {kind: 'uniform', min: 0, max: 2}}}, 120, 6, {workload: {arrival: {kind: 'poisson', rate: 20}}});
		for (const s of steps) expect(s.usedBlocks).toBeLessThanOrEqual(s.blocksHeld);
	});
});

describe('faults: sleep and wake', () => {
	it('an asleep engine admits nothing, aborts what it held, and wakes to admit again', () => {
		const {finished, steps} = run({sleep: [{startS: 20, endS: 35, level: 2}]}, 60, 1);
		// Everything in flight at 20 s was aborted then.
		const atSleep = finished.filter(r => r.finishedAt === 20);
		expect(atSleep.length).toBeGreaterThan(0);
		expect(atSleep.every(r => r.finishReason === 'abort')).toBe(true);
		// No step between the sleep and the wake-up admits or runs anything.
		const asleep = steps.filter(s => s.t >= 20 && s.t < 35);
		expect(asleep.length).toBeGreaterThan(0);
		for (const s of asleep) {
			expect(s.sleepLevel).toBe(2);
			expect(s.admitted).toBe(0);
			expect(s.usedBlocks).toBe(0);
			// The queue grows, one arrival at a time, all of it deferred (vllm:num_requests_waiting_by_reason).
			expect(s.deferred).toBe(s.waiting);
		}
		expect(asleep.map(s => s.waiting)).toEqual(asleep.map((_, i) => i));
		// Requests that arrived while asleep waited, then were admitted from the wake-up on.
		const arrivedAsleep = finished.filter(r => r.arrivalAt > 20 && r.arrivalAt < 35);
		expect(arrivedAsleep.length).toBeGreaterThan(50);
		for (const r of arrivedAsleep) {
			expect(r.finishReason).toBe('stop');
			expect(r.scheduledAt).toBeGreaterThanOrEqual(35);
		}
		expect(steps.filter(s => s.t < 20 || s.t >= 35).every(s => s.sleepLevel === 0)).toBe(true);
	});

	it('observers hear the sleep and the wake-up at their instants, even with nothing to run', () => {
		// One request a minute: nothing runs when the engine sleeps at 20 s or wakes at 35 s.
		const built = buildSimulation(
			testConfig({
				workload: {arrival: {kind: 'constant', rate: 1 / 60}},
				faults: {
					sleep: [
						{startS: 20, endS: 35, level: 1},
						{startS: 40, endS: 41, level: 2},
					],
				},
			}),
			{seed: 3},
		);
		const heard: number[][] = [];
		built.simulation.subscribe({onSleepState: (engine, t, level) => heard.push([engine, t, level])});
		built.simulation.runUntil(60);
		expect(heard).toEqual([
			[0, 20, 1],
			[0, 35, 0],
			[0, 40, 2],
			[0, 41, 0],
		]);
	});

	it('mode "wait": running requests finish, nothing is admitted, and the engine sleeps when the last one ends', () => {
		const built = buildSimulation(testConfig({faults: {sleep: [{startS: 20, endS: 35, level: 1, mode: 'wait'}]}}), {seed: 1});
		const finished: SimRequest[] = [];
		const heard: number[][] = [];
		const lines: Array<[number, string]> = [];
		built.simulation.subscribe({
			onStep: out => finished.push(...out.finished),
			onSleepState: (_e, t, level) => heard.push([t, level]),
			onLogLine: (_e, t, line) => {
				if (line.source !== 'engine' && line.source !== 'spec' && line.source !== 'engine-init') lines.push([t, line.message]);
			},
		});
		built.simulation.runUntil(60);
		expect(finished.every(r => r.finishReason === 'stop')).toBe(true);
		const runningAtSleep = finished.filter(r => r.scheduledAt < 20 && r.finishedAt > 20);
		expect(runningAtSleep.length).toBeGreaterThan(0);
		const drainedAt = Math.max(...runningAtSleep.map(r => r.finishedAt));
		// Asleep from the moment the last running request finished, awake at 35.
		expect(heard).toEqual([
			[drainedAt, 1],
			[35, 0],
		]);
		expect(lines.map(([t]) => t)).toEqual([drainedAt, drainedAt, drainedAt, 35]);
		// Nothing admitted from 20 to 35; what arrived meanwhile waited (kept, not aborted).
		expect(finished.filter(r => r.scheduledAt >= 20 && r.scheduledAt < 35)).toEqual([]);
		expect(finished.filter(r => r.arrivalAt > 20 && r.arrivalAt < 35).length).toBeGreaterThan(50);
	});

	it('mode "wait": a wake-up before the drain ends cancels the sleep (no lines, the gauge never leaves awake)', () => {
		const built = buildSimulation(testConfig({faults: {sleep: [{startS: 20, endS: 20.001, mode: 'wait'}]}}), {seed: 1});
		const heard: number[][] = [];
		built.simulation.subscribe({onSleepState: (_e, t, level) => heard.push([t, level])});
		built.simulation.runUntil(30);
		expect(heard).toEqual([]);
		expect(built.engines[0]!.scheduler.paused).toBe(false);
	});

	it('a sleep resets the prefix cache: the first request after waking hits nothing', () => {
		const shared: Parameters<typeof testConfig>[0] = {
			workload: {
				classes: [{name: 'sys', weight: 1, prompt: {kind: 'fixed', value: 64}, output: {kind: 'fixed', value: 20}, sharedPrefixTokens: 512}],
			},
		};
		const {built, finished} = run({sleep: [{startS: 10, endS: 12, level: 1}]}, 20, 2, shared);
		expect(built.engines[0]!.kv.numCachedBlocks).toBeGreaterThan(0);
		const after = finished
			.filter(r => r.arrivalAt >= 10 && r.arrivalAt < 12)
			.sort((a, b) => a.scheduledAt - b.scheduledAt || a.arrivalAt - b.arrivalAt);
		const before = finished.filter(r => r.arrivalAt > 5 && r.arrivalAt < 10 && r.finishReason === 'stop');
		expect(before.every(r => r.numCachedTokens === 512)).toBe(true);
		// The first admitted after waking finds an empty cache (vLLM's reset_prefix_cache at sleep).
		expect(after[0]!.numCachedTokens).toBe(0);
	});

	it('a sleep on one engine leaves the others running', () => {
		const built = buildSimulation(testConfig({engines: {count: 2}, faults: {sleep: [{startS: 5, endS: 15, engine: 1}]}}), {seed: 1});
		const admittedWhileAsleep = [0, 0];
		built.simulation.subscribe({
			onStep(out) {
				if (out.t > 5 && out.t < 15) admittedWhileAsleep[out.engine]! += out.numPrefillTokens;
			},
		});
		built.simulation.runUntil(20);
		expect(admittedWhileAsleep[0]).toBeGreaterThan(0);
		expect(admittedWhileAsleep[1]).toBe(0);
	});
});

describe('faults: the live session', () => {
	it('a counter reset (the dashboard key r) while an engine sleeps keeps the gauge asleep', async () => {
		const session = new Session(testConfig({faults: {sleep: [{startS: 5, endS: 15, level: 2}]}}), {seed: 1});
		const gauge = async (state: string) =>
			Number(new RegExp(`^vllm:engine_sleep_state\\{[^}]*sleep_state="${state}"\\} (\\S+)$`, 'm').exec(await renderText(session.registry))![1]);
		session.built.simulation.runUntil(10);
		expect([await gauge('awake'), await gauge('discard_all')]).toEqual([0, 1]);
		session.restart();
		expect([await gauge('awake'), await gauge('discard_all')]).toEqual([0, 1]);
		session.built.simulation.runUntil(20);
		expect([await gauge('awake'), await gauge('discard_all')]).toEqual([1, 0]);
	});
});

describe('faults: abort delays', () => {
	it.each<[FaultDelaySpec]>([
		[{kind: 'fixed', value: 3}],
		[{kind: 'uniform', min: 1, max: 5}],
		[{kind: 'exponential', mean: 4}],
		[{kind: 'lognormal', median: 2, sigma: 0.5}],
		[
			{
				kind: 'histogram',
				bins: [
					{upTo: 10, weight: 1},
					{upTo: 2, weight: 3},
				],
			},
		],
	])('%j: the sample mean matches the closed form (pinned seed, 20 000 draws)', spec => {
		const sample = createDurationSampler(spec, createRng('delay'));
		let sum = 0;
		let min = Number.POSITIVE_INFINITY;
		const n = 20_000;
		for (let i = 0; i < n; i++) {
			const x = sample();
			sum += x;
			min = Math.min(min, x);
		}
		expect(min).toBeGreaterThanOrEqual(0);
		// Relative error of a mean of 20 000 draws with a coefficient of variation <= 1: under 3%.
		expect(Math.abs(sum / n - delayMean(spec)) / delayMean(spec)).toBeLessThan(0.03);
	});

	it('histogram closed form: bins (0,2] weight 3 and (2,10] weight 1 have mean 0.75·1 + 0.25·6 = 2.25', () => {
		expect(
			delayMean({
				kind: 'histogram',
				bins: [
					{upTo: 10, weight: 1},
					{upTo: 2, weight: 3},
				],
			}),
		).toBe(2.25);
	});
});
