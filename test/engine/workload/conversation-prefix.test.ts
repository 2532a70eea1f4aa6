import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {loadPreset} from '../../../src/config/load.js';
import {Engine} from '../../../src/engine/engine.js';
import {createRequestSource} from '../../../src/engine/workload/request-source.js';
import {SpecDecodingLogging} from '../../../src/metrics/log/spec-decoding-logging.js';
import {createRng} from '../../../src/rng/rng.js';
import {Simulation} from '../../../src/sim/simulation.js';
import {summarize} from '../../../src/sim/summary.js';
import {fullDrafts, iidAcceptance, linearCost} from '../fakes.js';
import {SimRequest} from '../../../src/engine/request.js';
import {buildSimulation} from '../../../src/sim/build.js';
import {testConfig} from '../../sim/helpers.js';

type Turn = {prompt: number; output: number; cached: number; preemptions: number; reason: string};

/** Run a conversation workload through the whole simulation; the finished turns by conversation. */
function runConversations(p: {
	seed: number;
	blockSize: number;
	k: number;
	numKvBlocks: number;
	rate: number;
	untilS: number;
	onFinish?: (r: SimRequest, engine: Engine) => void;
}) {
	const config = testConfig({
		scheduler: {blockSize: p.blockSize, numKvBlocks: p.numKvBlocks, maxModelLen: 4096, maxNumSeqs: 32},
		speculative: {numSpecTokens: p.k, ...(p.k === 0 ? {method: 'none'} : {})},
		workload: {
			arrival: {kind: 'poisson', rate: p.rate},
			classes: [
				{
					name: 'chat',
					weight: 1,
					prompt: {kind: 'uniform', min: 20, max: 300},
					output: {kind: 'uniform', min: 5, max: 120},
					sharedPrefixTokens: 70,
					conversation: {
						turns: {kind: 'uniform', min: 1, max: 6},
						userTokens: {kind: 'uniform', min: 1, max: 80},
						thinkTime: {kind: 'exponential', mean: 1},
					},
				},
			],
		},
	});
	const built = buildSimulation(config, {seed: p.seed});
	const turns = new Map<number, Turn[]>();
	let queries = 0;
	let hits = 0;
	built.simulation.subscribe({
		onStep: out => {
			const pc = out.prefixCache;
			expect(pc.hits).toBeLessThanOrEqual(pc.queries);
			expect(pc.preemptedHits).toBeLessThanOrEqual(pc.preemptedQueries);
			queries += pc.queries;
			hits += pc.hits;
			for (const r of out.finished) {
				expect(r.conversation).toBeGreaterThanOrEqual(0);
				const list = turns.get(r.conversation) ?? [];
				expect(r.turn).toBe(list.length + 1);
				list.push({
					prompt: r.promptTokens,
					output: r.numOutputTokens,
					cached: r.numCachedTokens,
					preemptions: r.numPreemptions,
					reason: r.finishReason ?? '',
				});
				turns.set(r.conversation, list);
				p.onFinish?.(r, built.engines[out.engine]!);
			}
		},
	});
	built.simulation.runUntil(p.untilS);
	return {turns, queries, hits, built};
}

/** What a lookup right after a turn finished finds of that turn's history (its blocks are all freed but cached). */
function check(r: SimRequest, engine: Engine): number {
	const next = new SimRequest(
		{
			id: -1,
			arrivalAt: 0,
			promptTokens: r.promptTokens + r.numOutputTokens + 1,
			maxTokens: 1,
			classIndex: r.classIndex,
			temperature: 0,
			sharedPrefixTokens: r.sharedPrefixTokens,
			prefixGroup: r.prefixGroup,
			stream: r.conversation, // the source names a conversation's token stream after it
		},
		0,
	);
	return engine.kv.findCachedPrefix(next);
}

/**
 * Turn n's tokens whose KV was cached: the full blocks of its prompt and output except the tokens
 * of its last step (sampled, never computed: at most k + 1 with speculation, 1 without).
 */
const historyBlocksTokens = (t: Turn, blockSize: number, k: number) => Math.floor(Math.max(0, t.prompt + t.output - (k + 1)) / blockSize) * blockSize;

describe('conversations and the prefix cache', () => {
	fcTest.prop([fc.record({seed: fc.integer({min: 0, max: 1000}), blockSize: fc.constantFrom(1, 4, 16), k: fc.integer({min: 0, max: 4})})], {
		numRuns: 8,
	})('turn n+1 hits at least the full blocks of turn n history when nothing was evicted; hits never exceed queries', ({seed, blockSize, k}) => {
		// Far more blocks than the run allocates: the free queue never reaches a cached block.
		const {turns, queries, hits} = runConversations({seed, blockSize, k, numKvBlocks: 400_000, rate: 3, untilS: 40});
		let checked = 0;
		let exact = 0;
		for (const list of turns.values()) {
			for (let n = 1; n < list.length; n++) {
				const prev = list[n - 1]!;
				const cur = list[n]!;
				expect(cur.cached).toBeGreaterThanOrEqual(historyBlocksTokens(prev, blockSize, k));
				// Never more than the prompt's full blocks short of its last token.
				expect(cur.cached).toBeLessThanOrEqual(Math.floor((cur.prompt - 1) / blockSize) * blockSize);
				if (k === 0) {
					// Without speculation only the last sampled token is uncomputed: the bound is exact.
					expect(cur.cached).toBe(Math.floor((prev.prompt + prev.output - 1) / blockSize) * blockSize);
					exact++;
				}
				checked++;
			}
		}
		expect(checked).toBeGreaterThan(20);
		if (k === 0) expect(exact).toBe(checked);
		expect(hits).toBeLessThanOrEqual(queries);
		expect(hits / queries).toBeGreaterThan(0.3);
	});

	it('the history hash chain reproduces after preemption: a lookup right after a turn finishes finds all its cached blocks', () => {
		const blockSize = 16;
		const k = 3;
		let looked = 0;
		let preempted = 0;
		const {turns} = runConversations({
			seed: 5,
			blockSize,
			k,
			// Tight: one max-length request (4096 + k tokens) plus little more, so requests are preempted.
			numKvBlocks: 300,
			rate: 10,
			untilS: 120,
			onFinish: (r, engine) => {
				if (r.finishReason !== 'stop') return;
				const found = check(r, engine);
				expect(found).toBeGreaterThanOrEqual(
					historyBlocksTokens({prompt: r.promptTokens, output: r.numOutputTokens, cached: 0, preemptions: 0, reason: ''}, blockSize, k),
				);
				looked++;
				if (r.numPreemptions > 0) preempted++;
			},
		});
		expect(looked).toBeGreaterThan(100);
		expect(preempted).toBeGreaterThan(10);
		expect([...turns.values()].some(list => list.length > 2)).toBe(true);
	});

	it('is deterministic: the same seed gives the same turns, hits and preemptions', () => {
		const run = () => {
			const {turns, hits, queries} = runConversations({seed: 11, blockSize: 16, k: 2, numKvBlocks: 400, rate: 5, untilS: 30});
			return JSON.stringify({turns: [...turns.entries()], hits, queries});
		};
		expect(run()).toBe(run());
	});
});

describe('conversations under overload', () => {
	/** One engine far slower than the offered conversations; `cap` bounds its materialised queue. */
	function overloaded(cap: number | undefined) {
		const source = createRequestSource({
			arrival: {kind: 'poisson', rate: 300},
			classes: [
				{
					name: 'c',
					weight: 1,
					prompt: {kind: 'uniform', min: 4, max: 40},
					output: {kind: 'uniform', min: 1, max: 12},
					conversation: {
						turns: {kind: 'uniform', min: 1, max: 5},
						userTokens: {kind: 'uniform', min: 1, max: 20},
						thinkTime: {kind: 'exponential', mean: 0.2},
					},
				},
			],
			rng: createRng(7).fork('workload'),
		});
		const engine = new Engine(0, {maxNumSeqs: 8, maxNumBatchedTokens: 256, maxModelLen: 128, numKvBlocks: 128}, 2, {
			proposer: fullDrafts,
			acceptance: iidAcceptance(0.6),
			cost: linearCost(0.01, 1e-5),
			rng: createRng(0),
		});
		const sim = new Simulation({
			engines: [engine],
			source,
			loggers: [new SpecDecodingLogging({numSpecTokens: 2})],
			...(cap === undefined ? {} : {maxQueuedPerEngine: cap}),
		});
		return {sim, source};
	}

	it('a capped waiting queue changes nothing but memory: the same steps, waiting counts and finished turns as without a cap', () => {
		const trace = (cap: number | undefined) => {
			const {sim, source} = overloaded(cap);
			const rows: string[] = [];
			let maxAlive = 0;
			sim.subscribe({
				onStep: out => {
					maxAlive = Math.max(maxAlive, source.emitted - sim.numFinished - out.finished.length);
					rows.push(
						`${out.t} ${out.numScheduledTokens} ${out.numWaiting} ${out.numRunning} ${out.finished.map(r => `${r.conversation}.${r.turn}@${r.arrivalAt}`).join(',')}`,
					);
				},
			});
			sim.runUntil(20);
			return {rows, maxAlive};
		};
		const uncapped = trace(undefined);
		const capped = trace(16);
		expect(uncapped.rows.length).toBeGreaterThan(1000);
		expect(uncapped.maxAlive).toBeGreaterThan(500);
		expect(capped.maxAlive).toBeLessThanOrEqual(16 + 8 + 1);
		expect(capped.rows).toEqual(uncapped.rows);
	});
});

describe('the multi-turn preset', () => {
	it('hits the prefix cache as often as the closed form of its conversation shapes predicts', async () => {
		const {config} = await loadPreset('llama-3.1-8b-eagle3-multi-turn');
		const built = buildSimulation(config, {seed: 0});
		let queries = 0;
		let hits = 0;
		built.simulation.subscribe({
			onStep: out => {
				queries += out.prefixCache.queries;
				hits += out.prefixCache.hits;
			},
		});
		built.simulation.runUntil(1800);
		// Per conversation of T turns (uniform 6..9: E[T] = 7.5, E[T(T-1)] = 50, E[(T-1)(T-2)] = 37):
		// turn 1's prompt P1 = 500 shared + a lognormal of mean 900·e^(0.7²/2); each later prompt adds
		// the answer (mean 100) and a user message (mean 140): P_n = P1 + 240 (n - 1).
		// Turn 1 hits the system prompt's 31 full blocks (496 tokens); turn n hits turn n-1's prompt and
		// answer less L: half a block on average (7.5) and the last step's tokens (k=3: mean accepted
		// length ≈ 2.6), whose KV is never computed.
		const p1 = 500 + 900 * Math.exp(0.49 / 2);
		const L = 7.5 + 2.6;
		const promptTokens = 7.5 * p1 + 240 * (50 / 2);
		const hitTokens = 496 + 6.5 * p1 + 240 * (37 / 2) + 6.5 * (100 - L);
		const expected = hitTokens / promptTokens; // ≈ 0.884
		expect(queries).toBeGreaterThan(10_000_000);
		expect(Math.abs(hits / queries - expected)).toBeLessThan(0.01);
	});
});

describe('conversations in the run summary', () => {
	it('counts conversations started, ended and ended at max_model_len; a rejected turn never reaches the engine', () => {
		const maxModelLen = 1024;
		const config = testConfig({
			scheduler: {maxModelLen},
			workload: {
				arrival: {kind: 'poisson', rate: 2},
				classes: [
					{
						name: 'long-chat',
						weight: 1,
						prompt: {kind: 'uniform', min: 100, max: 300},
						output: {kind: 'uniform', min: 50, max: 150},
						conversation: {turns: {kind: 'fixed', value: 20}, userTokens: {kind: 'uniform', min: 20, max: 60}, thinkTime: 0.5},
					},
				],
			},
		});
		const built = buildSimulation(config, {seed: 4});
		let finished = 0;
		const lastTurn = new Map<number, number>();
		built.simulation.subscribe({
			onStep: out => {
				for (const r of out.finished) {
					expect(r.promptTokens).toBeLessThan(maxModelLen);
					finished++;
					lastTurn.set(r.conversation, r.turn);
				}
			},
		});
		built.simulation.runUntil(300);
		const c = summarize(built).conversations!;
		expect(c.started).toBeGreaterThan(500);
		// 20 turns of >= 70 tokens each cannot fit in 1024: every conversation that ended was cut short.
		expect(c.ended_at_max_model_len).toBe(c.ended);
		expect(c.active).toBe(c.started - c.ended);
		for (const turn of lastTurn.values()) expect(turn).toBeLessThan(20);
		expect(summarize(built).engines.requests_arrived).toBe(built.simulation.numArrived);
		expect(finished).toBeGreaterThan(c.started);
		// Without conversations there is no conversations block.
		expect(summarize(buildSimulation(testConfig(), {seed: 4})).conversations).toBeUndefined();
	});
});

describe('a turn that reaches max_model_len', () => {
	it('finishes with length, as vLLM check_stop caps it (FINISHED_LENGTH_CAPPED)', () => {
		const maxModelLen = 512;
		const engine = new Engine(0, {maxNumSeqs: 4, maxNumBatchedTokens: 512, maxModelLen, numKvBlocks: 64}, 0, {
			proposer: fullDrafts,
			acceptance: iidAcceptance(0.6),
			cost: linearCost(0.01, 1e-5),
			rng: createRng(0),
		});
		// A 400-token history whose answer would be 300 tokens: 112 fit, then max_model_len caps it.
		const capped = engine.enqueue({id: 0, arrivalAt: 0, promptTokens: 400, maxTokens: 300, classIndex: 0, temperature: 0, conversation: 0, turn: 3});
		// An answer that ends (EOS) on the very token that reaches max_model_len is a stop, as in vLLM (EOS is checked first).
		const exact = engine.enqueue({id: 1, arrivalAt: 0, promptTokens: 400, maxTokens: 112, classIndex: 0, temperature: 0});
		let t = 0;
		for (let i = 0; i < 1000 && engine.hasWork; i++) {
			t = engine.beginStep(t);
			engine.completeStep();
		}
		expect([capped.numOutputTokens, capped.finishReason]).toEqual([112, 'length']);
		expect([exact.numOutputTokens, exact.finishReason]).toEqual([112, 'stop']);
	});
});
