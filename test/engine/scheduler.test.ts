import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {Engine} from '../../src/engine/engine.js';
import {KvCache} from '../../src/engine/kv-cache.js';
import {SimRequest} from '../../src/engine/request.js';
import {PriorityQueue, type SchedulingPolicy} from '../../src/engine/request-queue.js';
import {Scheduler} from '../../src/engine/scheduler.js';
import type {SchedulerConfig} from '../../src/engine/scheduler-config.js';
import {StepOutcome} from '../../src/engine/step-outcome.js';
import {StepPlan} from '../../src/engine/step-plan.js';
import {SpecDecodingStats} from '../../src/metrics/stats/spec-decoding-stats.js';
import {createRng} from '../../src/rng/rng.js';
import {fullDrafts, iidAcceptance, linearCost, spec} from './fakes.js';

const defaults = {blockSize: 4, chunkedPrefill: true, longPrefillTokenThreshold: 0, clampAcceptedAtMaxTokens: false};

/** A scheduler over a count-based KV cache, drafting `maxDraft` tokens (k unless trimmed). */
function scheduler(config: SchedulerConfig, k: number, policy: SchedulingPolicy = 'fcfs') {
	const full = {...defaults, ...config} as Required<SchedulerConfig>;
	const kv = new KvCache(full.numKvBlocks, full.blockSize);
	const admitted: number[] = [];
	const s = new Scheduler(full, kv, k, {propose: (_r, _k, maxDraft) => maxDraft, onFirstAdmit: r => void admitted.push(r.id)}, policy);
	return {s, kv, plan: new StepPlan(full.maxNumSeqs), admitted};
}

type State = {prompt: number; output: number; computed: number; priority?: number; arrivalAt?: number};

/** A running request in a given state, holding the blocks its computed tokens plus k need. */
function running(s: Scheduler, kv: KvCache, id: number, state: State, k: number): SimRequest {
	const r = new SimRequest({...spec(id, state.arrivalAt ?? id, state.prompt, 1000), priority: state.priority ?? 0}, k);
	r.numOutputTokens = state.output;
	r.numComputedTokens = state.computed;
	r.numCachedTokens = 0;
	r.status = 'running';
	expect(kv.allocateSlots(r, state.computed + k, 0)).toBe(true);
	s.running.push(r);
	return r;
}

function planned(plan: StepPlan): Array<[number, number, number]> {
	const rows: Array<[number, number, number]> = [];
	for (let j = 0; j < plan.size; j++) {
		const r = plan.requests[j]!;
		// The plan's copy of the draft length (what verification reads) is the request's own.
		expect(plan.numSpec[j]).toBe(r.stepNumSpec);
		rows.push([r.id, r.stepNumNew, r.stepNumSpec]);
	}
	return rows;
}

describe('Scheduler.schedule: token budget and draft trimming (table)', () => {
	// Three decoding requests (1 uncomputed token each) with k = 3, a roomy KV cache.
	const rows: Array<{budget: number; maxModelLen: number; computed: number; expected: Array<[number, number, number]>}> = [
		{
			budget: 100,
			maxModelLen: 512,
			computed: 20,
			expected: [
				[0, 4, 3],
				[1, 4, 3],
				[2, 4, 3],
			],
		},
		// 4 + 4 + 2: the third draft is trimmed to 1.
		{
			budget: 10,
			maxModelLen: 512,
			computed: 20,
			expected: [
				[0, 4, 3],
				[1, 4, 3],
				[2, 2, 1],
			],
		},
		// 4 + 4 + 1: a draft trimmed to 0 is no draft; the request still decodes its one token.
		{
			budget: 9,
			maxModelLen: 512,
			computed: 20,
			expected: [
				[0, 4, 3],
				[1, 4, 3],
				[2, 1, 0],
			],
		},
		// The budget runs out: the third request is not scheduled at all.
		{
			budget: 8,
			maxModelLen: 512,
			computed: 20,
			expected: [
				[0, 4, 3],
				[1, 4, 3],
			],
		},
		// max_model_len - 1 - computed = 2 caps every request at 1 + 1 draft token.
		{
			budget: 100,
			maxModelLen: 23,
			computed: 20,
			expected: [
				[0, 2, 1],
				[1, 2, 1],
				[2, 2, 1],
			],
		},
	];
	it.each(rows)('budget $budget, max_model_len $maxModelLen -> $expected', ({budget, maxModelLen, computed, expected}) => {
		const {s, kv, plan} = scheduler({maxNumSeqs: 8, maxNumBatchedTokens: budget, maxModelLen, numKvBlocks: 200}, 3);
		for (let i = 0; i < 3; i++) running(s, kv, i, {prompt: 10, output: 11, computed}, 3);
		s.schedule(plan, 0);
		expect(planned(plan)).toEqual(expected);
		expect(plan.numScheduledTokens).toBe(expected.reduce((a, [, n]) => a + n, 0));
		expect(plan.numScheduledTokens).toBeLessThanOrEqual(budget);
	});

	it('chunks prefills under the budget and long_prefill_token_threshold', () => {
		const rows: Array<[number, number, Array<[number, number, number]>]> = [
			// [budget, threshold, plan]
			[
				64,
				0,
				[
					[0, 50, 0],
					[1, 14, 0],
				],
			],
			[
				64,
				20,
				[
					[0, 20, 0],
					[1, 20, 0],
				],
			],
			[30, 0, [[0, 30, 0]]],
		];
		for (const [budget, threshold, expected] of rows) {
			const {s, plan} = scheduler(
				{maxNumSeqs: 8, maxNumBatchedTokens: budget, maxModelLen: 512, numKvBlocks: 200, longPrefillTokenThreshold: threshold},
				0,
			);
			s.addRequest(new SimRequest(spec(0, 0, 50, 5), 0));
			s.addRequest(new SimRequest(spec(1, 0, 50, 5), 0));
			s.schedule(plan, 0);
			expect(planned(plan), `budget ${budget}, threshold ${threshold}`).toEqual(expected);
		}
	});
});

describe('Scheduler.schedule: admission (table)', () => {
	type Row = {name: string; config: Partial<SchedulerConfig>; running: number; waiting: number[]; paused?: boolean; admitted: number[]};
	const rows: Row[] = [
		{name: 'FCFS up to max_num_seqs', config: {maxNumSeqs: 3}, running: 1, waiting: [8, 8, 8], admitted: [10, 11]},
		{name: 'the budget stops admission mid-queue (chunked)', config: {maxNumBatchedTokens: 12}, running: 0, waiting: [8, 8, 8], admitted: [10, 11]},
		{
			name: 'without chunked prefill a prompt larger than what is left blocks the queue',
			config: {maxNumBatchedTokens: 512, chunkedPrefill: false},
			running: 0,
			waiting: [300, 300, 8],
			admitted: [10],
		},
		{name: 'KV cache full stops admission (FCFS, no skipping)', config: {numKvBlocks: 40}, running: 0, waiting: [60, 120, 4], admitted: [10]},
		{name: 'an asleep (paused) engine admits nothing', config: {}, running: 0, waiting: [8], paused: true, admitted: []},
	];
	it.each(rows)('$name', row => {
		const {s, kv, plan} = scheduler({maxNumSeqs: 8, maxNumBatchedTokens: 256, maxModelLen: 512, numKvBlocks: 400, ...row.config}, 0);
		for (let i = 0; i < row.running; i++) running(s, kv, i, {prompt: 8, output: 2, computed: 9}, 0);
		for (const [i, prompt] of row.waiting.entries()) s.addRequest(new SimRequest(spec(10 + i, 0, prompt, 5), 0));
		s.paused = row.paused ?? false;
		s.schedule(plan, 0);
		expect(
			planned(plan)
				.filter(([id]) => id >= 10)
				.map(([id]) => id),
		).toEqual(row.admitted);
		expect(plan.numAdmitted).toBe(row.admitted.length);
		expect(s.waiting.size).toBe(row.waiting.length - row.admitted.length);
	});

	it('admits no waiting request in a step that preempted (vLLM v1)', () => {
		// 10 blocks of 4 tokens. Two running requests fill 9 blocks; the first needs one more block
		// than is free, so the second is preempted; a tiny waiting request must still wait.
		const {s, kv, plan} = scheduler({maxNumSeqs: 8, maxNumBatchedTokens: 256, maxModelLen: 64, numKvBlocks: 10}, 0);
		const a = running(s, kv, 0, {prompt: 16, output: 4, computed: 20}, 0); // 5 blocks, wants 6 (21 tokens)
		const b = running(s, kv, 1, {prompt: 12, output: 4, computed: 16}, 0); // 4 blocks
		s.addRequest(new SimRequest(spec(2, 0, 1, 5), 0));
		expect(kv.freeBlocks).toBe(1);
		a.numOutputTokens = 5; // its newest token (the 21st) is uncomputed: 1 new token
		kv.allocateSlots(new SimRequest(spec(9, 0, 1, 1), 0), 1, 0); // nothing free now: a's growth must preempt b
		s.schedule(plan, 0);
		expect(plan.numPreempted).toBe(1);
		expect(b.status).toBe('waiting');
		expect(b.numComputedTokens).toBe(0);
		expect(b.numPreemptions).toBe(1);
		expect(planned(plan)).toEqual([[0, 1, 0]]);
		// b went back to the front of the queue, the small request behind it, neither admitted.
		expect([...s.waiting].map(r => r.id)).toEqual([1, 2]);
	});
});

describe('Scheduler.schedule: preemption victims (table)', () => {
	// 4-token blocks, 12 blocks, all held: each request holds 4 blocks (16 tokens of KV). A request
	// with 16 computed tokens needs a 5th block for its next token; one with 14 does not.
	type Row = {policy: SchedulingPolicy; priorities: number[]; computed: number[]; victim: number; scheduled: number[]};
	const rows: Row[] = [
		// FCFS preempts the newest running request (the back of the list).
		{policy: 'fcfs', priorities: [0, 0, 0], computed: [16, 16, 16], victim: 2, scheduled: [0, 1]},
		// Priority preempts the largest (priority, arrival); when that is the request itself, scheduling of running requests stops.
		{policy: 'priority', priorities: [5, 0, 0], computed: [16, 16, 16], victim: 0, scheduled: []},
		// ... and a victim scheduled earlier in the step loses its slot and gives its tokens back.
		{policy: 'priority', priorities: [5, 0, 0], computed: [14, 16, 16], victim: 0, scheduled: [1, 2]},
		{policy: 'priority', priorities: [0, 7, 0], computed: [16, 16, 16], victim: 1, scheduled: [0, 2]},
	];
	it.each(rows)('$policy, priorities $priorities, computed $computed: preempts $victim', ({policy, priorities, computed, victim, scheduled}) => {
		const {s, kv, plan} = scheduler({maxNumSeqs: 8, maxNumBatchedTokens: 256, maxModelLen: 64, numKvBlocks: 12}, 0, policy);
		const reqs = priorities.map((priority, i) => {
			const r = running(s, kv, i, {prompt: 12, output: computed[i]! - 11, computed: computed[i]!, priority}, 0);
			kv.allocateSlots(r, 16, 0);
			return r;
		});
		expect(kv.freeBlocks).toBe(0);
		s.schedule(plan, 0);
		expect(reqs[victim]!.status).toBe('waiting');
		expect(plan.numPreempted).toBe(1);
		expect(planned(plan).map(([id]) => id)).toEqual(scheduled);
		// The victim's tokens were given back to the budget: only the survivors' tokens count.
		expect(plan.numScheduledTokens).toBe(scheduled.length);
		expect([...s.waiting].map(r => r.id)).toEqual([victim]);
	});
});

describe('Scheduler.updateFromOutput: rollback of rejected drafts (table)', () => {
	// [draft tokens, accepted] -> computed-token delta and tokens appended
	const rows: Array<[number, number, number, number]> = [
		[3, 3, 4, 4],
		[3, 1, 2, 2],
		[3, 0, 1, 1],
		[0, 0, 1, 1],
	];
	it.each(rows)('draft %i, accepted %i: computed +%i, appended %i', (numSpec, numAccepted, computedDelta, appended) => {
		const {s, kv, plan} = scheduler({maxNumSeqs: 4, maxNumBatchedTokens: 256, maxModelLen: 512, numKvBlocks: 100}, 3);
		const r = running(s, kv, 0, {prompt: 10, output: 5, computed: 14}, 3);
		s.numSpecTokens = numSpec;
		s.schedule(plan, 0);
		expect(planned(plan)).toEqual([[0, 1 + numSpec, numSpec]]);
		const out = new StepOutcome(0, 4);
		out.reset(1, 0);
		const stats = new SpecDecodingStats(3);
		s.updateFromOutput(plan, Int32Array.of(numAccepted), 1, out, stats);
		expect(r.numComputedTokens).toBe(14 + computedDelta);
		expect(r.numOutputTokens).toBe(5 + appended);
		// After a step a decoding request has exactly one uncomputed token: the one it sampled last.
		expect(r.numTokens - r.numComputedTokens).toBe(1);
		expect(out.generationTokens).toBe(appended);
		expect(stats.numDrafts).toBe(numSpec > 0 ? 1 : 0);
		expect([out.numTokenRequests, out.newTokens[0]]).toEqual([1, appended]);
	});
});

describe('Engine admission reserves no lookahead for a new request (vLLM effective_lookahead_tokens)', () => {
	it('admits a prompt that fills the KV cache exactly when k > 0', () => {
		// 3 blocks of 8 tokens, k = 2. Request 0 decodes holding 1 block (1 + 3 new + 2 lookahead
		// tokens); request 1's 16-token prompt needs exactly the 2 blocks left, 3 with lookahead.
		const e = new Engine(0, {maxNumSeqs: 4, maxNumBatchedTokens: 64, maxModelLen: 20, numKvBlocks: 3, blockSize: 8}, 2, {
			proposer: fullDrafts,
			acceptance: iidAcceptance(0),
			cost: linearCost(),
			rng: createRng(0),
		});
		e.enqueue(spec(0, 0, 1, 10));
		e.beginStep(0);
		e.completeStep();
		e.enqueue(spec(1, 0, 16, 2));
		e.beginStep(1);
		expect(e.numRunning).toBe(2);
		expect(e.kv.usedBlocks).toBe(3);
	});
});

describe('Engine records for metrics: timestamps, finish reasons, per-request tokens, aborts', () => {
	function engine(k = 0) {
		return new Engine(0, {maxNumSeqs: 4, maxNumBatchedTokens: 64, maxModelLen: 256, numKvBlocks: 64}, k, {
			proposer: fullDrafts,
			acceptance: iidAcceptance(1),
			cost: linearCost(0.01, 0),
			rng: createRng(0),
		});
	}

	it('stamps arrival, first scheduled, first token, last token and finish on the finished request', () => {
		const e = engine();
		const r = e.enqueue(spec(0, 0.5, 8, 3));
		let t = 1;
		const finished: (typeof r)[] = [];
		while (e.hasWork) {
			t = e.beginStep(t);
			finished.push(...e.completeStep().finished);
		}
		// Steps of 10 ms from t = 1: prefill (first token at 1.01), then two decode steps.
		expect(finished).toEqual([r]);
		expect([r.arrivalAt, r.scheduledAt, r.firstTokenAt, r.lastTokenAt, r.finishedAt]).toEqual([0.5, 1, 1.01, 1.03, 1.03]);
		expect([r.finishReason, r.numCachedTokens, r.numOutputTokens]).toEqual(['stop', 0, 3]);
	});

	it("a request whose output is capped by a client's max_tokens finishes with reason length, one ending at its end of sequence with stop", () => {
		const e = engine();
		const capped = e.enqueue({...spec(0, 0, 8, 3), endReason: 'length'});
		e.enqueue(spec(1, 0, 8, 3));
		let t = 0;
		const finished: (typeof capped)[] = [];
		while (e.hasWork) {
			t = e.beginStep(t);
			finished.push(...e.completeStep().finished);
		}
		expect(finished.map(r => [r.id, r.finishReason, r.numOutputTokens])).toEqual([
			[0, 'length', 3],
			[1, 'stop', 3],
		]);
	});

	it('lists the tokens each request received in the step', () => {
		const e = engine(3);
		e.enqueue(spec(0, 0, 8, 20));
		e.enqueue(spec(1, 0, 4, 20));
		e.beginStep(0);
		let out = e.completeStep();
		expect([out.numTokenRequests, ...out.newTokens.subarray(0, 2)]).toEqual([2, 1, 1]);
		e.beginStep(out.t);
		out = e.completeStep();
		// alpha = 1: three drafts accepted plus the bonus token each.
		expect([out.tokenRequests[0]!.id, out.tokenRequests[1]!.id, ...out.newTokens.subarray(0, 2)]).toEqual([0, 1, 4, 4]);
	});

	it('aborts a waiting and a running request: KV freed at once, reported in the next step with reason abort', () => {
		const e = engine();
		const a = e.enqueue(spec(0, 0, 40, 50));
		e.beginStep(0);
		e.completeStep();
		const b = e.enqueue(spec(1, 0, 8, 50));
		expect(e.kv.usedBlocks).toBeGreaterThan(0);
		expect(e.abort(a, 0.02)).toBe(true);
		expect(e.abort(b, 0.02, 'error')).toBe(true);
		expect(e.abort(b, 0.03)).toBe(false); // already finished
		expect(e.kv.usedBlocks).toBe(0);
		expect([e.numRunning, e.numWaiting, e.hasWork]).toEqual([0, 0, true]);
		// The next step has nothing to run: it takes no time and reports both.
		expect(e.beginStep(0.02)).toBe(0.02);
		const out = e.completeStep();
		expect(out.finished.map(r => [r.id, r.finishReason, r.finishedAt])).toEqual([
			[0, 'abort', 0.02],
			[1, 'error', 0.02],
		]);
		expect(e.hasWork).toBe(false);
	});

	it('a request aborted while its step runs gets no tokens from that step', () => {
		const e = engine();
		const a = e.enqueue(spec(0, 0, 8, 50));
		e.beginStep(0);
		e.abort(a, 0.005);
		const out = e.completeStep();
		expect(out.generationTokens).toBe(0);
		expect(out.finished).toEqual([a]);
		expect(a.numOutputTokens).toBe(0);
	});
});

describe('PriorityQueue (vLLM priority policy)', () => {
	fcTest.prop([
		fc.array(fc.record({priority: fc.integer({min: -2, max: 2}), arrivalAt: fc.integer({min: 0, max: 5}), remove: fc.boolean()}), {maxLength: 40}),
	])('pops in (priority, arrival, id) order after adds and removes', items => {
		const q = new PriorityQueue();
		const reqs = items.map((it, id) => new SimRequest({...spec(id, it.arrivalAt, 1, 1), priority: it.priority}, 0));
		for (const r of reqs) q.add(r);
		for (const [i, r] of reqs.entries()) if (items[i]!.remove) expect(q.remove(r)).toBe(true);
		const kept = reqs.filter((_, i) => !items[i]!.remove);
		const expected = [...kept].sort((a, b) => a.priority - b.priority || a.arrivalAt - b.arrivalAt || a.id - b.id).map(r => r.id);
		expect([...q].map(r => r.id)).toEqual(expected);
		const popped: number[] = [];
		while (q.size > 0) popped.push(q.pop()!.id);
		expect(popped).toEqual(expected);
	});
});
