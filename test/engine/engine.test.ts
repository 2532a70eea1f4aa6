import {describe, expect, it} from 'vitest';
import {fc, test as fcTest} from '@fast-check/vitest';
import {Engine, type SchedulerConfig} from '../../src/engine/engine.js';
import type {SimRequest} from '../../src/engine/request.js';
import {SpecDecodingLogging} from '../../src/metrics/log/spec-decoding-logging.js';
import {createRng} from '../../src/rng/rng.js';
import {Simulation} from '../../src/sim/simulation.js';
import {StepPlan} from '../../src/engine/step-plan.js';
import type {EngineAcceptance, EngineProposer} from '../../src/engine/ports.js';
import {createAcceptanceModel} from '../../src/speculative/acceptance/model.js';
import {fullDrafts, iidAcceptance, linearCost, listSource, spec} from './fakes.js';

function engine(config: SchedulerConfig, k: number, alpha = 0.7, proposer = fullDrafts): Engine {
	return new Engine(0, config, k, {proposer, acceptance: iidAcceptance(alpha), cost: linearCost(), rng: createRng(1)});
}

describe('Engine scheduling (vLLM v1 semantics)', () => {
	it('chunks a long prefill under the token budget, then decodes with drafts of k', () => {
		const e = engine({maxNumSeqs: 4, maxNumBatchedTokens: 64, maxModelLen: 512, numKvBlocks: 64}, 3, 1);
		e.enqueue(spec(0, 0, 150, 10));
		const steps: Array<[number, number, number]> = [];
		let t = 0;
		while (e.hasWork) {
			t = e.beginStep(t);
			const out = e.completeStep();
			steps.push([out.numPrefillTokens, out.numDraftPairs, out.generationTokens]);
		}
		// 150 prompt tokens in chunks of 64, 64, 22 (the last chunk samples the first token);
		// then alpha = 1 accepts all 3 drafts plus the bonus: 4 tokens per step until 10.
		expect(steps).toEqual([
			[64, 0, 0],
			[64, 0, 0],
			[22, 0, 1],
			[0, 1, 4],
			[0, 1, 4],
			[0, 1, 1],
		]);
	});

	it('counts accepted tokens before stop truncation, as vLLM does (issue #56101)', () => {
		const run = (clamp: boolean) => {
			const e = engine({maxNumSeqs: 1, maxNumBatchedTokens: 64, maxModelLen: 512, numKvBlocks: 64, clampAcceptedAtMaxTokens: clamp}, 3, 1);
			e.enqueue(spec(0, 0, 4, 3));
			let t = 0;
			let accepted = 0;
			let generated = 0;
			while (e.hasWork) {
				t = e.beginStep(t);
				const out = e.completeStep();
				accepted += out.specStats?.numAcceptedTokens ?? 0;
				generated += out.generationTokens;
			}
			return [accepted, generated];
		};
		// First token from prefill; one spec step accepts 3 (+ bonus) but only 2 more tokens fit.
		expect(run(false)).toEqual([3, 3]);
		expect(run(true)).toEqual([1, 3]);
	});

	it('trims drafts to the remaining budget; a draft trimmed to 0 is not a draft', () => {
		const e = engine({maxNumSeqs: 4, maxNumBatchedTokens: 6, maxModelLen: 512, numKvBlocks: 128}, 3, 0);
		for (let i = 0; i < 3; i++) e.enqueue(spec(i, 0, 2, 50));
		let t = e.beginStep(0);
		e.completeStep(); // prefill of all three (6 tokens)
		t = e.beginStep(t);
		const out = e.completeStep();
		// Budget 6: first request 1+3, second 1+1 (trimmed), third gets nothing this step.
		expect(out.numScheduledTokens).toBe(6);
		expect(Array.from(out.draftPairs.subarray(0, 2 * out.numDraftPairs))).toEqual([3, 0, 1, 0]);
		expect(out.specStats?.numDrafts).toBe(2);
	});

	it('preempts the newest running request by recompute when the KV cache is full', () => {
		// 8 blocks of 4 tokens = 32 tokens; k=0. Two requests grow until one must be preempted.
		const e = engine({maxNumSeqs: 4, maxNumBatchedTokens: 64, maxModelLen: 24, numKvBlocks: 8, blockSize: 4}, 0);
		e.enqueue(spec(0, 0, 8, 14));
		e.enqueue(spec(1, 0, 8, 14));
		let t = 0;
		let preemptions = 0;
		const finished: SimRequest[] = [];
		for (let i = 0; i < 200 && e.hasWork; i++) {
			t = e.beginStep(t);
			preemptions += e.outcome.numPreemptions;
			const out = e.completeStep();
			finished.push(...out.finished);
			expect(e.kv.usedBlocks).toBeLessThanOrEqual(8);
		}
		expect(preemptions).toBeGreaterThan(0);
		expect(finished.map(r => r.id)).toEqual([0, 1]);
		expect(finished[1]!.numPreemptions).toBeGreaterThan(0);
		expect(finished.every(r => r.numOutputTokens === 14)).toBe(true);
	});

	it('rejects a KV cache that cannot hold one max-length request', () => {
		expect(() => engine({maxNumSeqs: 1, maxNumBatchedTokens: 8, maxModelLen: 100, numKvBlocks: 2, blockSize: 16}, 3)).toThrow(
			/cannot hold one request/,
		);
		expect(() => engine({maxNumSeqs: 0, maxNumBatchedTokens: 8, maxModelLen: 100, numKvBlocks: 20}, 3)).toThrow(
			'scheduler.maxNumSeqs must be a positive integer, got 0',
		);
		expect(() => engine({maxNumSeqs: 4, maxNumBatchedTokens: 64, maxModelLen: 100, numKvBlocks: 20, chunkedPrefill: false}, 3)).toThrow(
			'scheduler.maxNumBatchedTokens (64) must be at least maxModelLen (100) when chunkedPrefill is off',
		);
	});
});

describe('references the engine keeps between steps', () => {
	it('the outcome lists exactly the requests that received tokens and keeps no finished one', () => {
		const e = engine({maxNumSeqs: 4, maxNumBatchedTokens: 64, maxModelLen: 512, numKvBlocks: 64}, 2, 0.5);
		const requests = [e.enqueue(spec(0, 0, 8, 3)), e.enqueue(spec(1, 0, 8, 12)), e.enqueue(spec(2, 0, 8, 30))];
		let t = 0;
		while (e.hasWork) {
			t = e.beginStep(t);
			const out = e.completeStep();
			const got = out.tokenRequests.slice(0, out.numTokenRequests);
			// Every running request decodes every step here (the budget and KV cover all three).
			expect(got).toEqual(requests.filter(r => r.firstTokenAt <= t && (r.status === 'running' || r.finishedAt === t)));
			for (const kept of out.tokenRequests.slice(out.numTokenRequests)) expect(kept).toBeUndefined();
		}
		expect(requests.map(r => r.numOutputTokens)).toEqual([3, 12, 30]);
	});

	it("a step plan releases the previous step's requests beyond its size and keeps those scheduled again", () => {
		const plan = new StepPlan(4);
		const e = engine({maxNumSeqs: 4, maxNumBatchedTokens: 64, maxModelLen: 512, numKvBlocks: 64}, 2);
		const [a, b, c] = [e.enqueue(spec(0, 0, 8, 3)), e.enqueue(spec(1, 0, 8, 3)), e.enqueue(spec(2, 0, 8, 3))];
		plan.reset(0, 2);
		for (const r of [a, b, c]) plan.push(r, 1, 0, false);
		plan.release();
		plan.reset(1, 2);
		plan.push(a, 1, 0, false);
		plan.push(c, 1, 0, false);
		expect(plan.requests.slice(0, plan.size)).toEqual([a, c]);
		plan.release();
		expect(plan.requests).toEqual([a, c, undefined, undefined]);
		expect(plan.remove(b)).toBe(0);
		expect(plan.remove(a)).toBe(1);
		expect(plan.requests).toEqual([c, undefined, undefined, undefined]);
	});
});

describe('scheduler invariants under random configurations', () => {
	const config = fc.record({
		maxNumSeqs: fc.integer({min: 1, max: 8}),
		maxNumBatchedTokens: fc.integer({min: 2, max: 96}),
		maxModelLen: fc.integer({min: 8, max: 96}),
		blockSize: fc.constantFrom(1, 4, 16),
		extraBlocks: fc.integer({min: 0, max: 20}),
		k: fc.integer({min: 0, max: 5}),
		alpha: fc.double({min: 0, max: 1, noNaN: true}),
		chunkedPrefill: fc.boolean(),
	});
	const requests = fc.array(
		fc.record({gap: fc.double({min: 0, max: 0.2, noNaN: true}), prompt: fc.integer({min: 1, max: 120}), output: fc.integer({min: 1, max: 60})}),
		{minLength: 1, maxLength: 25},
	);

	fcTest.prop([config, requests], {numRuns: 150})(
		'every request finishes exactly once (or is refused with a 400 when its prompt does not fit maxModelLen), within budget and KV capacity, without livelock',
		(c, reqs) => {
			const blocksForOne = Math.ceil((c.maxModelLen + c.k) / c.blockSize);
			const numKvBlocks = blocksForOne + c.extraBlocks;
			const budget = c.chunkedPrefill ? c.maxNumBatchedTokens : Math.max(c.maxNumBatchedTokens, c.maxModelLen);
			const e = new Engine(
				0,
				{
					maxNumSeqs: c.maxNumSeqs,
					maxNumBatchedTokens: budget,
					maxModelLen: c.maxModelLen,
					numKvBlocks,
					blockSize: c.blockSize,
					chunkedPrefill: c.chunkedPrefill,
				},
				c.k,
				{proposer: fullDrafts, acceptance: iidAcceptance(c.alpha), cost: linearCost(), rng: createRng(3)},
			);
			let at = 0;
			const specs = reqs.map((r, id) => {
				at += r.gap;
				return spec(id, at, r.prompt, r.output);
			});
			const source = listSource(specs);
			const sim = new Simulation({engines: [e], source, loggers: [new SpecDecodingLogging({numSpecTokens: Math.max(1, c.k)})]});
			const finishedIds: number[] = [];
			const refusedIds: number[] = [];
			let drafts = 0;
			sim.subscribe({
				onRejected: r => refusedIds.push(r.id),
				onStep: out => {
					expect(out.numScheduledTokens).toBeLessThanOrEqual(budget);
					expect(e.kv.usedBlocks).toBeLessThanOrEqual(numKvBlocks);
					expect(out.numRunning).toBeLessThanOrEqual(c.maxNumSeqs);
					for (const r of out.finished) finishedIds.push(r.id);
					const stats = out.specStats;
					if (stats) {
						drafts += stats.numDrafts;
						expect(stats.numAcceptedTokens).toBeLessThanOrEqual(stats.numDraftTokens);
						expect(stats.numDraftTokens).toBeLessThanOrEqual(c.k * stats.numDrafts);
					}
				},
			});
			// Generous bound: every request alone needs at most maxModelLen steps of <= ~0.012 s.
			sim.runUntil(at + 60 * specs.length);
			expect(finishedIds.sort((a, b) => a - b)).toEqual(specs.filter(s => s.promptTokens < c.maxModelLen).map(s => s.id));
			expect(refusedIds).toEqual(specs.filter(s => s.promptTokens >= c.maxModelLen).map(s => s.id));
			expect(e.hasWork).toBe(false);
			expect(e.kv.usedBlocks).toBe(0);
			if (c.k === 0) expect(drafts).toBe(0);
		},
	);
});

describe('random draws', () => {
	it('verifies (and draws a uniform) exactly once per draft, never for a request without draft tokens', () => {
		let calls = 0;
		const counting = iidAcceptance(0.6);
		const acceptance = {
			...counting,
			sampleAccepted: (p: number, d: number, u: number) => {
				calls++;
				return counting.sampleAccepted(p, d, u);
			},
		};
		// Drafts on every other step per request, like an n-gram proposer that often finds no match.
		let n = 0;
		const sometimes = {initRequest: () => undefined, propose: (_r: unknown, _k: number, maxDraft: number) => (n++ % 2 === 0 ? maxDraft : 0)};
		const e = new Engine(0, {maxNumSeqs: 8, maxNumBatchedTokens: 256, maxModelLen: 512, numKvBlocks: 256}, 4, {
			proposer: sometimes,
			acceptance,
			cost: linearCost(),
			rng: createRng(5),
		});
		for (let i = 0; i < 6; i++) e.enqueue(spec(i, 0, 20, 80));
		let t = 0;
		let drafts = 0;
		let decodeSteps = 0;
		while (e.hasWork) {
			t = e.beginStep(t);
			const out = e.completeStep();
			drafts += out.specStats?.numDrafts ?? 0;
			decodeSteps += out.numDecodeRequests;
		}
		expect(drafts).toBeGreaterThan(100);
		expect(decodeSteps).toBeGreaterThan(drafts);
		expect(calls).toBe(drafts);
	});
});

describe('per-step fast paths change nothing', () => {
	/** Every step's end time, draft pairs and tokens of an engine run to completion on a fixed workload. */
	function trace(proposer: EngineProposer, acceptance: EngineAcceptance): string[] {
		const e = new Engine(0, {maxNumSeqs: 16, maxNumBatchedTokens: 512, maxModelLen: 1024, numKvBlocks: 512}, 4, {
			proposer,
			acceptance,
			cost: linearCost(),
			rng: createRng(9),
		});
		for (let i = 0; i < 24; i++) e.enqueue(spec(i, 0, 10 + 7 * i, 40 + 13 * (i % 5)));
		const steps: string[] = [];
		let t = 0;
		while (e.hasWork) {
			t = e.beginStep(t);
			const out = e.completeStep();
			steps.push(
				`${out.t} ${Array.from(out.draftPairs.subarray(0, 2 * out.numDraftPairs)).join(',')} ${out.generationTokens} ${out.finished.length}`,
			);
		}
		return steps;
	}
	const model = createAcceptanceModel({spec: {kind: 'conditional', rates: [0.8, 0.7, 0.6, 0.5]}, k: 4, heterogeneity: {concentration: 5}});
	const profiles = (seed: string) => {
		const rng = createRng(seed);
		return () => model.drawProfile(rng, 0, 0);
	};

	it('a batch-sampling acceptance port gives the steps of per-draft sampleAccepted calls', () => {
		const perDraft = profiles('p');
		const batched = profiles('p');
		const sampleAccepted = (p: number, d: number, u: number) => model.sampleAccepted(p, d, u);
		const loop = trace(fullDrafts, {drawProfile: () => perDraft(), sampleAccepted});
		const batch = trace(fullDrafts, {
			drawProfile: () => batched(),
			sampleAccepted: () => {
				throw new Error('the engine must use sampleAcceptedBatch');
			},
			sampleAcceptedBatch: (p, d, count, rng, out) => model.sampleAcceptedBatch(p, d, count, rng, out),
		});
		expect(loop.length).toBeGreaterThan(50);
		expect(batch).toEqual(loop);
	});

	it('an acceptance port that accepts more than was drafted is an error naming the values, not a count', () => {
		const e = new Engine(0, {maxNumSeqs: 2, maxNumBatchedTokens: 64, maxModelLen: 512, numKvBlocks: 64}, 3, {
			proposer: fullDrafts,
			acceptance: {drawProfile: () => 0, sampleAccepted: (_p, d) => d + 1},
			cost: linearCost(),
			rng: createRng(3),
		});
		e.enqueue(spec(0, 0, 8, 20));
		e.beginStep(0);
		e.completeStep(); // the prompt
		e.beginStep(1);
		expect(() => e.completeStep()).toThrow('got numAcceptedTokens=4, numDraftTokens=3, numSpecTokens=3');
	});

	it('a fixed-length proposer is not called and drafts what it would have proposed', () => {
		const sampleAccepted = (p: number, d: number, u: number) => model.sampleAccepted(p, d, u);
		const called = trace(fullDrafts, {drawProfile: profiles('q'), sampleAccepted});
		const fixed = trace(
			{
				fixedLength: true,
				initRequest: () => undefined,
				propose: () => {
					throw new Error('a fixed-length proposer is not asked');
				},
			},
			{drawProfile: profiles('q'), sampleAccepted},
		);
		expect(fixed).toEqual(called);
	});
});
