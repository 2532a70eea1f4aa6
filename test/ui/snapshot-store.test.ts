import {afterEach, describe, expect, it, vi} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {Session, type SessionOptions} from '../../src/runtime/session.js';
import {summarize} from '../../src/sim/summary.js';
import {createSnapshotStore} from '../../src/ui/snapshot-store.js';
import {deriveSpan, subtractCounts, type SpanCounts} from '../../src/ui/span-counts.js';

async function createSession(options: SessionOptions = {}): Promise<Session> {
	const {config} = await loadPreset(DEFAULT_PRESET);
	return new Session(config, {seed: 0, ...options});
}

describe('deriveSpan', () => {
	const counts: SpanCounts = {
		startS: 10,
		endS: 20,
		numDrafts: 10,
		numDraftTokens: 30,
		numAcceptedTokens: 12,
		acceptedPerPos: [6, 4, 2],
		draftedPerPos: [10, 10, 10],
		promptTokens: 800,
		generationTokens: 22,
		numPreemptions: 0,
		busyS: 2,
		noSpecBusyS: 1.5,
		tokenRequests: 10,
	};

	it('computes vLLM-style rates, both per-position kinds and per-second throughput', () => {
		const span = deriveSpan(counts, 3);
		expect(span.durationS).toBe(10);
		expect(span.acceptanceRate).toBeCloseTo(12 / 30, 12);
		expect(span.meanAcceptanceLength).toBeCloseTo(2.2, 12);
		expect(span.unconditionalRates).toEqual([0.6, 0.4, 0.2]);
		expect(span.conditionalRates.map(x => Number(x.toFixed(6)))).toEqual([0.6, 0.666667, 0.5]);
		expect([span.acceptedTokensPerS, span.draftTokensPerS, span.draftsPerS, span.outputTokensPerS]).toEqual([1.2, 3, 1, 2.2]);
		// (22 tokens / 2 s) / (10 tokens / 1.5 s)
		expect(span.estimatedSpeedup).toBeCloseTo(11 / (10 / 1.5), 12);
	});

	it('applies the zero-denominator rules and pads positions never drafted', () => {
		const empty = deriveSpan({...counts, numDrafts: 0, numDraftTokens: 0, numAcceptedTokens: 0, acceptedPerPos: [], busyS: 0}, 2);
		expect(empty.acceptanceRate).toBeNaN();
		expect(empty.meanAcceptanceLength).toBe(1);
		expect(empty.unconditionalRates).toEqual([Number.NaN, Number.NaN]);
		expect(empty.estimatedSpeedup).toBeNaN();
		const longer = deriveSpan(counts, 5);
		expect(longer.unconditionalRates).toEqual([0.6, 0.4, 0.2, 0, 0]);
	});

	it('subtracts readings of growing k position-wise', () => {
		const later = {...counts, endS: 30, numDrafts: 20, acceptedPerPos: [13, 9, 5, 1]};
		const diff = subtractCounts(later, counts);
		expect([diff.startS, diff.endS, diff.numDrafts]).toEqual([20, 30, 10]);
		expect(diff.acceptedPerPos).toEqual([7, 5, 3, 1]);
	});
});

describe('createSnapshotStore over a real session', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('after 60 virtual seconds: lifetime equals the run summary, the interval equals the last log line', async () => {
		const session = await createSession();
		const store = createSnapshotStore(session, {metricsUrl: 'http://127.0.0.1:1/metrics'});
		session.built.simulation.runUntil(60);
		const snap = store.refresh();
		const summary = summarize(session.built);
		expect(snap.lifetime.numDrafts).toBe(summary.spec_decode.num_drafts);
		expect(snap.lifetime.numAcceptedTokens).toBe(summary.spec_decode.num_accepted_tokens);
		expect(snap.lifetime.meanAcceptanceLength).toBeCloseTo(summary.spec_decode.mean_acceptance_length, 12);
		expect(snap.lifetime.unconditionalRates).toEqual(summary.spec_decode.per_position_acceptance_rate);
		expect(snap.lifetime.durationS).toBe(60);
		expect(snap.expected.meanAcceptanceLength).toBe(summary.expected!.mean_acceptance_length);
		// The engine-initialised line, then six log ticks of two lines; the interval is the 50–60 s one the last line prints.
		expect(snap.logs.lines.map(l => l.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
		const last = snap.logs.lines.at(-1)!.text;
		expect(last).toMatch(/^INFO 01-01 00:01:00 \[metrics\.py:\d+\] SpecDecoding metrics: /);
		expect(snap.interval!.durationS).toBe(10);
		expect(last).toContain(`Mean acceptance length: ${snap.interval!.meanAcceptanceLength.toFixed(2)}`);
		expect(last).toContain(`Accepted: ${snap.interval!.numAcceptedTokens} tokens, Drafted: ${snap.interval!.numDraftTokens} tokens`);
		expect(last).toContain(`Per-position acceptance rate: ${snap.interval!.unconditionalRates.map(r => r.toFixed(3)).join(', ')}`);
		// One sparkline point per virtual second that had a step at or after its boundary.
		expect(snap.history.acceptanceRate.length).toBeGreaterThanOrEqual(55);
		expect(snap.history.acceptanceRate.length).toBeLessThanOrEqual(60);
		expect(snap.history.meanAcceptanceLength).toHaveLength(snap.history.acceptanceRate.length);
		for (const r of snap.history.acceptanceRate.slice(5)) expect(r).toBeGreaterThan(0.3);
		expect(snap.engine.outputTokensPerS).toBe(snap.history.outputTokensPerS.at(-1));
		expect(snap.engine.ttft.p50).toBeLessThanOrEqual(snap.engine.ttft.p99);
		expect(snap.header).toMatchObject({
			preset: 'llama-3.1-8b-eagle3',
			model: 'meta-llama/Llama-3.1-8B-Instruct',
			method: 'eagle3',
			k: 3,
			seed: 0,
			virtualS: 60,
			paused: false,
			metricsUrl: 'http://127.0.0.1:1/metrics',
		});
		store.close();
	});

	it('the log pane shows every INFO line a vLLM server prints, as headless run does, not only the SpecDecoding lines', async () => {
		const session = await createSession();
		const store = createSnapshotStore(session);
		session.built.simulation.runUntil(20);
		const texts = store.refresh().logs.lines.map(l => l.text);
		store.close();
		expect(texts).toHaveLength(5);
		expect(texts[0]).toMatch(
			/^INFO 01-01 00:00:00 \[loggers\.py:\d+\] Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is: \d+$/,
		);
		for (const [i, at] of [
			[1, '00:00:10'],
			[3, '00:00:20'],
		] as const) {
			expect(texts[i]).toMatch(new RegExp(`^INFO 01-01 ${at} \\[loggers\\.py:\\d+\\] Engine 000: Avg prompt throughput: [0-9.]+ tokens/s, `));
			expect(texts[i + 1]).toMatch(new RegExp(`^INFO 01-01 ${at} \\[metrics\\.py:\\d+\\] SpecDecoding metrics: `));
		}
	});

	it('counts errors and aborts since start and the engines asleep now; the log pane shows the sleep lines', async () => {
		const {config} = await loadPreset(DEFAULT_PRESET);
		const faults = {
			errorRate: 0.2,
			abort: {rate: 0.3, after: {kind: 'fixed' as const, value: 0.5}},
			sleep: [{startS: 15, endS: 25, level: 1 as const}],
		};
		const session = new Session({...config, faults}, {seed: 0});
		const store = createSnapshotStore(session);
		session.built.simulation.runUntil(20);
		const asleep = store.refresh();
		const byReason = session.built.metrics[0]!.finishedByReason;
		expect([asleep.engine.numErrors, asleep.engine.numAborts, asleep.engine.numAsleep]).toEqual([byReason['error'], byReason['abort'], 1]);
		expect(asleep.engine.numErrors).toBeGreaterThan(0);
		expect(asleep.engine.numAborts).toBeGreaterThan(0);
		expect(asleep.logs.lines.map(l => l.text).filter(t => t.includes('fall asleep'))).toEqual([
			'INFO 01-01 00:00:15 [executor_base.py:187] It took 0.692421 seconds to fall asleep.',
		]);
		session.built.simulation.runUntil(30);
		expect(store.refresh().engine.numAsleep).toBe(0);
		store.close();
	});

	it("counts the requests the API server refused with HTTP 400, as the run summary does (they never reach an engine's counters)", async () => {
		const {config} = await loadPreset(DEFAULT_PRESET);
		// max_model_len 600 against every class's prompts of 1000 tokens: each arrival is refused.
		const workload = {...config.workload, classes: config.workload.classes.map(c => ({...(c as object), prompt: {kind: 'fixed', value: 1000}}))};
		const session = new Session({...config, scheduler: {...config.scheduler, maxModelLen: 600}, workload} as typeof config, {seed: 0});
		const store = createSnapshotStore(session);
		expect(store.refresh().engine.numRejected).toBe(0);
		session.built.simulation.runUntil(20);
		const snapshot = store.refresh();
		expect(snapshot.engine.numRejected).toBe(session.built.simulation.numRejected);
		expect(snapshot.engine.numRejected).toBeGreaterThan(0);
		expect(snapshot.engine.numRunning + snapshot.engine.numWaiting).toBe(0);
		store.restarted();
		expect(store.refresh().engine.numRejected).toBe(0);
		store.close();
	});

	it('snapshots are immutable: later simulation does not change a published one', async () => {
		const session = await createSession();
		const store = createSnapshotStore(session);
		session.built.simulation.runUntil(25);
		const first = store.refresh();
		const copy = structuredClone(first);
		session.built.simulation.runUntil(45);
		const second = store.refresh();
		expect(first).toEqual(copy);
		expect(second.seq).toBe(first.seq + 1);
		expect(second.logs.lines.length).toBe(9);
		expect(first.logs.lines.length).toBe(5);
		expect(second.history.acceptanceRate.length).toBeGreaterThan(first.history.acceptanceRate.length);
		store.close();
	});

	it('keeps bounded history and the newest maxLogLines log lines', async () => {
		const session = await createSession();
		const store = createSnapshotStore(session, {historyLength: 8, maxLogLines: 3});
		session.built.simulation.runUntil(50);
		const snap = store.refresh();
		expect(snap.history.acceptanceRate).toHaveLength(8);
		// Lines 0..10 (the engine-initialised line, five ticks of two): the last three.
		expect(snap.logs.lines.map(l => l.id)).toEqual([8, 9, 10]);
		session.built.simulation.runUntil(80);
		const later = store.refresh().logs.lines;
		expect(later.map(l => l.id)).toEqual([14, 15, 16]);
		// Nothing new: the same list (the dashboard compares it).
		expect(store.refresh().logs.lines).toBe(later);
		store.close();
	});

	it('restarted(): counters, interval and sparklines start over with the session', async () => {
		const session = await createSession();
		const store = createSnapshotStore(session);
		session.built.simulation.runUntil(30);
		session.restart();
		store.restarted();
		const snap = store.getSnapshot();
		expect(snap.lifetime.numDrafts).toBe(0);
		expect(snap.interval).toBeUndefined();
		expect(snap.history.acceptanceRate).toEqual([]);
		expect(snap.logs.lines).toHaveLength(7); // the log lines stay
		session.built.simulation.runUntil(45);
		const later = store.refresh();
		expect(later.lifetime.durationS).toBe(15);
		expect(later.interval!.durationS).toBe(10); // 30–40 s
		expect(later.lifetime.numDrafts).toBeGreaterThan(later.interval!.numDrafts);
		store.close();
	});

	it('publishes from a timer at most every publishEveryMs of wall time, never inside a simulation chunk', async () => {
		vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout']});
		let wallMs = 0;
		const session = await createSession({speed: 'max'});
		const store = createSnapshotStore(session, {wallNowMs: () => wallMs, publishEveryMs: 100});
		const published: number[] = [];
		store.subscribe(() => published.push(wallMs));
		let chunks = 0;
		session.runner.onAdvance(() => {
			chunks += 1;
		});
		const running = session.runner.run();
		// Chunks run (setImmediate is real); the publish timer is fake, so nothing publishes yet.
		while (chunks < 5) await new Promise(resolve => setImmediate(resolve));
		expect(published).toEqual([]);
		expect(store.getSnapshot().lifetime.numDrafts).toBe(0);
		for (let step = 0; step < 20; step++) {
			wallMs += 30;
			vi.advanceTimersByTime(30);
			const before = chunks;
			while (chunks < before + 2) await new Promise(resolve => setImmediate(resolve));
		}
		session.runner.stop();
		await running;
		expect(published.length).toBeGreaterThanOrEqual(5);
		for (let i = 1; i < published.length; i++) expect(published[i]! - published[i - 1]!).toBeGreaterThanOrEqual(100);
		expect(store.getSnapshot().lifetime.numDrafts).toBeGreaterThan(0);
		store.close();
	});
});
