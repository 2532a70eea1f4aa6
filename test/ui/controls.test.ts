import {describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {renderText} from '../../src/metrics/prom/exposition.js';
import {Session} from '../../src/runtime/session.js';
import type {SimConfig} from '../../src/config/schema.js';
import {MAX_NUM_SPEC_TOKENS} from '../../src/speculative/limits.js';
import {ACCEPTANCE_SCALE_MAX, ACCEPTANCE_SCALE_MIN, ACCEPTANCE_STEP, createDashboardControls, nextSpeed} from '../../src/ui/controls.js';
import {testConfig} from '../sim/helpers.js';
import {createSnapshotStore} from '../../src/ui/snapshot-store.js';

async function setup(preset?: SimConfig) {
	const config = preset ?? (await loadPreset(DEFAULT_PRESET)).config;
	const session = new Session(config, {seed: 0});
	const store = createSnapshotStore(session);
	let refreshes = 0;
	const controls = createDashboardControls(session, {
		refresh: () => {
			refreshes += 1;
			store.refresh();
		},
		onRestart: store.restarted,
	});
	return {session, store, controls, refreshes: () => refreshes};
}

describe('nextSpeed', () => {
	it.each([
		[1, 1, 2],
		[1, -1, 0.5],
		[3, 1, 5],
		[3, -1, 2],
		[100, 1, 'max'],
		['max', 1, 'max'],
		['max', -1, 100],
		[0.1, -1, 0.1],
		[0.05, 1, 0.1],
	] as const)('%s, direction %i → %s', (speed, direction, expected) => {
		expect(nextSpeed(speed, direction)).toBe(expected);
	});
});

describe('dashboard controls on a real session', () => {
	it('p pauses and resumes; + and - step the speed; the header follows at once', async () => {
		const {session, store, controls, refreshes} = await setup();
		controls.togglePause();
		expect(session.runner.paused).toBe(true);
		expect(store.getSnapshot().header.paused).toBe(true);
		controls.togglePause();
		expect(session.runner.paused).toBe(false);
		controls.faster();
		controls.faster();
		expect(session.runner.speed).toBe(5);
		controls.slower();
		expect(store.getSnapshot().header.speed).toBe(2);
		expect(refreshes()).toBe(5);
	});

	it('] and [ change k from the next step, shown on /metrics; [ stops at 1 with a message', async () => {
		const {session, store, controls} = await setup();
		session.built.simulation.runUntil(5);
		controls.increaseK();
		expect(session.numSpecTokens).toBe(4);
		expect(store.getSnapshot().header.k).toBe(4);
		expect(store.getSnapshot().expected.unconditionalRates).toHaveLength(4);
		const text = await renderText(session.registry, {createdS: session.createdS});
		expect(text).toContain(
			'vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct",position="3"} 0.0',
		);
		// Drafts after the change are 4 tokens long.
		const before = store.getSnapshot().lifetime;
		session.built.simulation.runUntil(15);
		const after = store.refresh().lifetime;
		expect(after.numDraftTokens - before.numDraftTokens).toBeGreaterThan(3 * (after.numDrafts - before.numDrafts));
		for (let i = 0; i < 20; i++) controls.decreaseK();
		expect(session.numSpecTokens).toBe(1);
		expect(controls.decreaseK()).toBe('[ does nothing: k=1 is the smallest k');
	});

	it('] stops at MAX_NUM_SPEC_TOKENS with a message, and the engines run at that k', async () => {
		const {session, store, controls} = await setup();
		expect(session.info.maxNumSpecTokens).toBe(MAX_NUM_SPEC_TOKENS);
		const notices: Array<string | undefined> = [];
		for (let i = 0; i < MAX_NUM_SPEC_TOKENS + 5; i++) {
			notices.push(controls.increaseK());
			session.built.simulation.runUntil(session.built.simulation.now + 0.05);
		}
		expect(session.numSpecTokens).toBe(MAX_NUM_SPEC_TOKENS);
		expect(notices.filter(n => n !== undefined)).toEqual(
			Array(MAX_NUM_SPEC_TOKENS + 5 - (MAX_NUM_SPEC_TOKENS - 3)).fill(
				`] does nothing: k=${MAX_NUM_SPEC_TOKENS} is the limit (MAX_NUM_SPEC_TOKENS, the token budget and the KV cache)`,
			),
		);
		session.built.simulation.runUntil(session.built.simulation.now + 10);
		const snap = store.refresh();
		expect(snap.lifetime.numDrafts).toBeGreaterThan(0);
		expect(snap.lifetime.draftedPerPos).toHaveLength(MAX_NUM_SPEC_TOKENS);
		expect(snap.lifetime.draftedPerPos[MAX_NUM_SPEC_TOKENS - 1]).toBeGreaterThan(0);
	});

	it('] stops below the token budget: a draft and its verified token fit one step', async () => {
		const {session, controls} = await setup(testConfig({scheduler: {maxNumBatchedTokens: 12}}));
		expect(session.info.maxNumSpecTokens).toBe(11);
		for (let i = 0; i < 20; i++) controls.increaseK();
		expect(session.numSpecTokens).toBe(11);
		expect(() => session.built.simulation.runUntil(5)).not.toThrow();
	});

	it('with speculation off, [ and ] change nothing and say why', async () => {
		const {session, controls} = await setup(testConfig({speculative: {numSpecTokens: 0}}));
		expect(controls.increaseK()).toBe('[/] do nothing: speculative decoding is off (--k 0 or --method none)');
		expect(controls.decreaseK()).toBe('[/] do nothing: speculative decoding is off (--k 0 or --method none)');
		expect(session.numSpecTokens).toBe(0);
	});

	it('↑ and ↓ stop at the multiplier bounds with a message; r resets the multiplier to 1', async () => {
		const {session, store, controls} = await setup();
		const base = store.getSnapshot().expected.meanAcceptanceLength;
		const down = Array.from({length: 60}, () => controls.lowerAcceptance());
		expect(session.acceptanceScale).toBe(ACCEPTANCE_SCALE_MIN);
		expect(down.at(-1)).toBe('↓ does nothing: acceptance is at its floor ×0.10');
		expect(down.filter(n => n !== undefined).length).toBeGreaterThan(5);
		session.built.simulation.runUntil(5);
		const up = Array.from({length: 120}, () => controls.raiseAcceptance());
		expect(session.acceptanceScale).toBe(ACCEPTANCE_SCALE_MAX);
		expect(up.at(-1)).toBe('↑ does nothing: acceptance is at its ceiling ×10.00');
		session.built.simulation.runUntil(10);
		controls.reset();
		expect(session.acceptanceScale).toBe(1);
		expect(store.getSnapshot().header.acceptanceScale).toBe(1);
		expect(store.getSnapshot().expected.meanAcceptanceLength).toBeCloseTo(base, 12);
	});

	it('↑ and ↓ scale conditional acceptance; the model expectation moves with it', async () => {
		const {session, store, controls} = await setup();
		const base = store.getSnapshot().expected.meanAcceptanceLength;
		controls.raiseAcceptance();
		expect(session.acceptanceScale).toBeCloseTo(ACCEPTANCE_STEP, 12);
		expect(store.getSnapshot().header.acceptanceScale).toBeCloseTo(ACCEPTANCE_STEP, 12);
		expect(store.getSnapshot().expected.meanAcceptanceLength).toBeGreaterThan(base);
		controls.lowerAcceptance();
		controls.lowerAcceptance();
		expect(session.acceptanceScale).toBeCloseTo(1 / ACCEPTANCE_STEP, 12);
		expect(store.getSnapshot().expected.meanAcceptanceLength).toBeLessThan(base);
	});

	it('r resets counters as a restart would: new registry at 0, new _created, dashboard starts over', async () => {
		const {session, store, controls} = await setup();
		session.built.simulation.runUntil(30);
		const oldRegistry = session.registry;
		expect(store.getSnapshot().lifetime.numDrafts).toBe(0); // not refreshed since
		expect(store.refresh().lifetime.numDrafts).toBeGreaterThan(0);
		controls.reset();
		expect(session.registry).not.toBe(oldRegistry);
		expect(session.createdS).toBe(session.epochMsAt(30) / 1000);
		const text = await renderText(session.registry, {createdS: session.createdS});
		expect(text).toContain('vllm:spec_decode_num_drafts_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0');
		const snap = store.getSnapshot();
		expect(snap.lifetime.numDrafts).toBe(0);
		expect(snap.interval).toBeUndefined();
		expect(snap.history.acceptanceRate).toEqual([]);
	});
});

describe('dashboard controls after the run reached its --duration', () => {
	it('the simulation keys say the run has finished and change nothing: r keeps the result, ] keeps the k it ran with', async () => {
		const {config} = await loadPreset(DEFAULT_PRESET);
		const session = new Session(config, {seed: 0, speed: 'max', durationS: 20});
		const store = createSnapshotStore(session);
		const controls = createDashboardControls(session, {refresh: store.refresh, onRestart: store.restarted});
		await session.runner.run();
		expect(session.done).toBe(true);
		store.refresh();
		const before = store.getSnapshot();
		expect(before.lifetime.numDrafts).toBeGreaterThan(0);
		const keys = {
			p: controls.togglePause,
			'+': controls.faster,
			'-': controls.slower,
			']': controls.increaseK,
			'[': controls.decreaseK,
			'↑': controls.raiseAcceptance,
			'↓': controls.lowerAcceptance,
			r: controls.reset,
		};
		for (const [key, press] of Object.entries(keys)) expect(press(), key).toBe(`${key} does nothing: the run reached its --duration; q quits`);
		store.refresh();
		const after = store.getSnapshot();
		expect(after.lifetime.numDrafts).toBe(before.lifetime.numDrafts);
		expect(after.header.k).toBe(3);
		expect(after.header.speed).toBe('max');
		expect(after.header.acceptanceScale).toBe(1);
		expect(after.header.paused).toBe(false);
		store.close();
	});
});
