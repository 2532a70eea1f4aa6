import {describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {renderText} from '../../src/metrics/prom/exposition.js';
import {Session} from '../../src/runtime/session.js';
import {ACCEPTANCE_STEP, MAX_K, createDashboardControls, nextSpeed} from '../../src/ui/controls.js';
import {createSnapshotStore} from '../../src/ui/snapshot-store.js';

async function setup() {
	const {config} = await loadPreset(DEFAULT_PRESET);
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

	it('] and [ change k from the next step, shown on /metrics, within 1..MAX_K', async () => {
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
		for (let i = 0; i < 10; i++) controls.increaseK();
		expect(session.numSpecTokens).toBe(MAX_K);
		for (let i = 0; i < 20; i++) controls.decreaseK();
		expect(session.numSpecTokens).toBe(1);
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
