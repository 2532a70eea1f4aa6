import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect} from 'vitest';
import {Engine} from '../../src/engine/engine.js';
import {FaultInjector, type FaultsSpec} from '../../src/engine/faults.js';
import type {SimRequest} from '../../src/engine/request.js';
import {SpecDecodingLogging} from '../../src/metrics/log/spec-decoding-logging.js';
import {createRng} from '../../src/rng/rng.js';
import {Simulation} from '../../src/sim/simulation.js';
import {fullDrafts, iidAcceptance, linearCost, listSource, spec} from './fakes.js';

describe('fault invariants under random configurations, workloads and fault schedules', () => {
	const config = fc.record({
		maxNumSeqs: fc.integer({min: 1, max: 8}),
		maxNumBatchedTokens: fc.integer({min: 8, max: 96}),
		maxModelLen: fc.integer({min: 16, max: 96}),
		blockSize: fc.constantFrom(1, 4, 16),
		extraBlocks: fc.integer({min: 0, max: 20}),
		k: fc.integer({min: 0, max: 4}),
		prefixCaching: fc.boolean(),
		engines: fc.integer({min: 1, max: 3}),
	});
	const requests = fc.array(
		fc.record({
			gap: fc.double({min: 0, max: 0.3, noNaN: true}),
			prompt: fc.integer({min: 1, max: 80}),
			output: fc.integer({min: 1, max: 40}),
			shared: fc.integer({min: 0, max: 2}),
		}),
		{minLength: 1, maxLength: 30},
	);
	const faults = fc.record({
		errorRate: fc.constantFrom(0, 0.2, 0.5, 1),
		abortRate: fc.constantFrom(0, 0.3, 1),
		after: fc.double({min: 0, max: 2, noNaN: true}),
		sleeps: fc.array(fc.record({gap: fc.double({min: 0, max: 2, noNaN: true}), length: fc.double({min: 0.01, max: 2, noNaN: true})}), {maxLength: 4}),
		level: fc.constantFrom<1 | 2>(1, 2),
		mode: fc.constantFrom<'abort' | 'wait'>('abort', 'wait'),
		engine: fc.option(fc.integer({min: 0, max: 2}), {nil: undefined}),
	});

	fcTest.prop([config, requests, faults], {numRuns: 150})(
		'every request finishes once; aborts happen at a deadline or a sleep; nothing is admitted asleep; KV is freed',
		(c, reqs, f) => {
			const numKvBlocks = Math.ceil((c.maxModelLen + c.k) / c.blockSize) + c.extraBlocks;
			const engines = Array.from(
				{length: c.engines},
				(_, i) =>
					new Engine(
						i,
						{
							maxNumSeqs: c.maxNumSeqs,
							maxNumBatchedTokens: c.maxNumBatchedTokens,
							maxModelLen: c.maxModelLen,
							numKvBlocks,
							blockSize: c.blockSize,
							enablePrefixCaching: c.prefixCaching,
						},
						c.k,
						{proposer: fullDrafts, acceptance: iidAcceptance(0.6), cost: linearCost(), rng: createRng(i)},
					),
			);
			let at = 0;
			const specs = reqs.map((r, id) => {
				at += r.gap;
				return {...spec(id, at, r.prompt + r.shared * 16, r.output), sharedPrefixTokens: r.shared * 16, prefixGroup: 0};
			});
			let start = 0;
			const engine = f.engine === undefined || f.engine >= c.engines ? undefined : f.engine;
			const sleep = f.sleeps.map(s => {
				const startS = start + s.gap;
				start = startS + s.length;
				return {startS, endS: start, level: f.level, engine, mode: f.mode};
			});
			const spec_: FaultsSpec = {
				errorRate: f.errorRate,
				abort: {rate: f.abortRate, after: {kind: 'fixed', value: f.after}},
				sleep,
			};
			const injector = new FaultInjector(spec_, engines, createRng('faults'), {weightBytesPerGpu: 0, kvCacheBytesPerGpu: 0});
			const sim = new Simulation({
				engines,
				source: listSource(specs),
				loggers: engines.map(() => new SpecDecodingLogging({numSpecTokens: Math.max(1, c.k)})),
				faults: injector,
				routing: 'round-robin',
			});
			const finished: SimRequest[] = [];
			const refused: number[] = [];
			// Round-robin over the requests that reached an engine (a refused one is not routed).
			const engineOfFinished = new Map<SimRequest, number>();
			sim.subscribe({
				onRejected: r => refused.push(r.id),
				onStep(out) {
					const e = engines[out.engine]!;
					let held = 0;
					for (const r of e.requests()) held += r.blockTable.length;
					if (c.prefixCaching) expect(e.kv.usedBlocks).toBeLessThanOrEqual(held);
					else expect(e.kv.usedBlocks).toBe(held);
					for (const r of out.finished) {
						expect(r.blockTable).toHaveLength(0);
						finished.push(r);
						engineOfFinished.set(r, out.engine);
					}
				},
			});
			sim.runUntil(Math.max(at, start) + 60 * specs.length);

			// Every request finished exactly once (or was refused with a 400: its prompt does not fit
			// maxModelLen), and every engine is idle with its KV cache free.
			expect(finished.map(r => r.id).sort((a, b) => a - b)).toEqual(specs.filter(s => s.promptTokens < c.maxModelLen).map(s => s.id));
			expect(refused).toEqual(specs.filter(s => s.promptTokens >= c.maxModelLen).map(s => s.id));
			for (const e of engines) {
				expect(e.hasWork).toBe(false);
				expect(e.kv.usedBlocks).toBe(0);
				expect(e.sleepLevel).toBe(0);
			}
			const engineOf = (r: SimRequest): number => engineOfFinished.get(r)!;
			const intervalsOf = (r: SimRequest) => sleep.filter(s => s.engine === undefined || s.engine === engineOf(r));
			for (const r of finished) {
				expect(['stop', 'error', 'abort', 'length']).toContain(r.finishReason);
				// Nothing is admitted while its engine sleeps (a wake-up at t admits at t).
				if (!Number.isNaN(r.scheduledAt)) for (const s of intervalsOf(r)) expect(r.scheduledAt < s.startS || r.scheduledAt >= s.endS).toBe(true);
				if (r.finishReason === 'error') expect(r.numOutputTokens).toBe(0);
				if (r.finishReason === 'abort') {
					const atDeadline = Math.abs(r.finishedAt - (r.arrivalAt + f.after)) < 1e-9;
					// Only mode "abort" aborts at a sleep; "wait" lets running requests finish.
					const atSleep = intervalsOf(r).some(s => s.mode === 'abort' && s.startS === r.finishedAt);
					expect(atDeadline || atSleep).toBe(true);
				}
			}
			// Every client gives up at its deadline: no request outlives arrival + after.
			if (f.abortRate === 1) for (const r of finished) expect(r.finishedAt).toBeLessThanOrEqual(r.arrivalAt + f.after + 1e-9);
			if (f.errorRate === 0) expect(finished.some(r => r.finishReason === 'error')).toBe(false);
			if (f.abortRate === 0 && sleep.length === 0) expect(finished.some(r => r.finishReason === 'abort')).toBe(false);
		},
	);
});
