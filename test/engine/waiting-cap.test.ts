import {describe, expect, it} from 'vitest';
import {Engine} from '../../src/engine/engine.js';
import {createRequestSource} from '../../src/engine/workload/request-source.js';
import type {WorkloadClassSpec} from '../../src/engine/workload/classes.js';
import {SpecDecodingLogging} from '../../src/metrics/log/spec-decoding-logging.js';
import {createRng} from '../../src/rng/rng.js';
import {Simulation} from '../../src/sim/simulation.js';
import {fullDrafts, iidAcceptance, linearCost} from './fakes.js';

const classes: WorkloadClassSpec[] = [{name: 'c', weight: 1, prompt: {kind: 'uniform', min: 4, max: 40}, output: {kind: 'uniform', min: 1, max: 12}}];

/** One or more engines far slower than the offered load: ~100 requests/s served, `qps` offered. */
function overloaded(qps: number, engines: number, maxQueuedPerEngine?: number) {
	const source = createRequestSource({arrival: {kind: 'poisson', rate: qps}, classes, rng: createRng(7).fork('workload')});
	const list = Array.from(
		{length: engines},
		(_, i) =>
			new Engine(i, {maxNumSeqs: 8, maxNumBatchedTokens: 256, maxModelLen: 128, numKvBlocks: 128}, 2, {
				proposer: fullDrafts,
				acceptance: iidAcceptance(0.6),
				cost: linearCost(0.01, 1e-5),
				rng: createRng(i),
			}),
	);
	const loggers = list.map(() => new SpecDecodingLogging({numSpecTokens: 2}));
	const sim = new Simulation({engines: list, source, loggers, ...(maxQueuedPerEngine === undefined ? {} : {maxQueuedPerEngine})});
	return {sim, source, engines: list};
}

describe('a waiting queue beyond the cap is counted, not materialised (memory independent of the offered load)', () => {
	it('materialises at most the cap plus a batch, however many requests arrived', () => {
		const cap = 64;
		const {sim, source, engines} = overloaded(20_000, 1, cap);
		let maxMaterialised = 0;
		let checked = 0;
		const counter = createRequestSource({arrival: {kind: 'poisson', rate: 20_000}, classes, rng: createRng(7).fork('workload')});
		sim.subscribe({
			onStep: out => {
				// Requests alive in memory: handed out by the source and not finished.
				maxMaterialised = Math.max(maxMaterialised, source.emitted - sim.numFinished - out.finished.length);
				// Every request that arrived before the step ended is waiting, running or finished.
				if (checked++ % 97 === 0) {
					const arrived = counter.countArrivalsBefore!(out.t);
					expect(out.numWaiting + out.numRunning + sim.numFinished + out.finished.length).toBe(arrived);
					expect(out.numWaitingCapacity).toBe(out.numWaiting);
				}
			},
		});
		sim.runUntil(100); // ~2M arrivals, ~1e4 served
		expect(counter.countArrivalsBefore!(100)).toBeGreaterThan(1_900_000);
		expect(maxMaterialised).toBeLessThanOrEqual(cap + 8);
		expect(engines[0]!.numWaiting).toBeGreaterThan(1_800_000);
		expect(checked).toBeGreaterThan(1000);
	});

	it('changes nothing but memory with one engine: the same steps as without a cap', () => {
		const trace = (cap: number | undefined) => {
			const {sim} = overloaded(400, 1, cap);
			const rows: string[] = [];
			sim.subscribe({
				onStep: out => {
					rows.push(
						`${out.t} ${out.numScheduledTokens} ${out.numWaiting} ${out.numRunning} ${out.finished.map(r => `${r.id}@${r.arrivalAt}`).join(',')} ${out.ttft.values.subarray(0, out.ttft.length).join(',')}`,
					);
				},
			});
			sim.runUntil(20);
			return rows;
		};
		const uncapped = trace(undefined);
		const capped = trace(16);
		expect(uncapped.length).toBeGreaterThan(1000);
		expect(capped).toEqual(uncapped);
	});

	it('splits the counted queue over round-robin engines as they would have been routed', () => {
		const n = 3;
		const {sim, source, engines} = overloaded(5_000, n, 10);
		const counter = createRequestSource({arrival: {kind: 'poisson', rate: 5_000}, classes, rng: createRng(7).fork('workload')});
		const finished = [0, 0, 0];
		let checked = 0;
		sim.subscribe({
			onStep: out => {
				finished[out.engine]! += out.finished.length;
				// Arrival j (0-based) is routed to engine j mod 3.
				const arrived = counter.countArrivalsBefore!(out.t);
				const mine = Math.floor((arrived - out.engine - 1) / n) + 1;
				expect(out.numWaiting + out.numRunning + finished[out.engine]!).toBe(mine);
				checked++;
			},
		});
		sim.runUntil(10);
		expect(checked).toBeGreaterThan(1000);
		expect(Math.min(...engines.map(e => e.numWaiting))).toBeGreaterThan(14_000);
		expect(source.emitted - sim.numFinished).toBeLessThanOrEqual(n * (10 + 8));
	});
});
