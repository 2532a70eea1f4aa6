import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import type {SimConfig} from '../../src/config/schema.js';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {Session} from '../../src/runtime/session.js';
import {createDashboardControls, type DashboardControls} from '../../src/ui/controls.js';
import {createSnapshotStore} from '../../src/ui/snapshot-store.js';
import {readLifetimeCounts} from '../../src/ui/span-counts.js';
import {testConfig} from '../sim/helpers.js';

type Key = keyof DashboardControls;
const KEYS: readonly Key[] = ['togglePause', 'faster', 'slower', 'increaseK', 'decreaseK', 'raiseAcceptance', 'lowerAcceptance', 'reset'];

/**
 * A session with its store and controls, plus a record of every step's drafts checked against the
 * k in force when the step began: a k change applies from each engine's next step, so a step that
 * began after the change drafts at most the new k, and one in flight at the change at most the old.
 */
function harness(config: SimConfig) {
	const session = new Session(config, {seed: 0});
	const store = createSnapshotStore(session);
	const controls = createDashboardControls(session, {refresh: store.refresh, onRestart: store.restarted});
	const simulation = session.built.simulation;
	// (time of the change, k from then on), oldest first.
	const kHistory: Array<{at: number; k: number}> = [{at: Number.NEGATIVE_INFINITY, k: session.numSpecTokens}];
	const violations: string[] = [];
	let draftsSeen = 0;
	// Drafts per k, counted here from the step's start time alone (independently of the stats).
	const draftsSince = {numDrafts: 0, numDraftTokens: 0};
	const lines: Array<{t: number; positions: number}> = [];
	simulation.subscribe({
		onStep(out) {
			// A key pressed at virtual time T acts between chunks, after every step that began at or before T:
			// the k of a step is the one set by the last change strictly before its start.
			let idx = kHistory.length - 1;
			while (kHistory[idx]!.at >= out.startedAt) idx--;
			const stepK = kHistory[idx]!.k;
			const current = idx === kHistory.length - 1;
			for (let i = 0; i < out.numDraftPairs; i++) {
				draftsSeen += 1;
				const d = out.draftPairs[2 * i]!;
				if (d > stepK) violations.push(`engine ${out.engine} step ${out.startedAt}..${out.t}: draft of ${d} under k=${stepK}`);
				if (current) {
					draftsSince.numDrafts += 1;
					draftsSince.numDraftTokens += d;
				}
			}
		},
		onLog(_engine, t, message) {
			const rates = /Per-position acceptance rate: ([\d., ]+?), Avg/.exec(message);
			lines.push({t, positions: rates === null ? 0 : rates[1]!.split(', ').length});
		},
	});
	const press = (key: Key): void => {
		const before = session.numSpecTokens;
		controls[key]();
		if (session.numSpecTokens !== before) {
			kHistory.push({at: simulation.now, k: session.numSpecTokens});
			draftsSince.numDrafts = 0;
			draftsSince.numDraftTokens = 0;
		}
	};
	const run = (seconds: number): void => simulation.runUntil(simulation.now + seconds);
	return {session, store, controls, press, run, violations, draftsSeen: () => draftsSeen, draftsSince, lines};
}

/** Σ of a counter family's samples in the session's registry (per engine and position). */
async function counterSum(session: Session, name: string): Promise<number> {
	const metric = session.registry.getSingleMetric(name);
	if (metric === undefined) throw new Error(`no metric ${name}`);
	const {values} = await metric.get();
	return values.reduce((sum, v) => sum + v.value, 0);
}

/** Every surface agrees with the engines' counts since start (or the last reset). */
async function expectSurfacesConsistent(h: ReturnType<typeof harness>): Promise<void> {
	const snap = h.store.refresh();
	// The run's totals since start (or the last reset), whatever k each draft had.
	const life = readLifetimeCounts(h.session.metrics, h.session.now);
	// The dashboard's cumulative column: the same, or after a k change only the drafts begun since.
	if (snap.kChange === undefined) {
		expect(snap.lifetime.numDrafts).toBe(life.numDrafts);
		expect(snap.lifetime.numAcceptedTokens).toBe(life.numAcceptedTokens);
	} else {
		expect(snap.lifetime.numDrafts).toBe(h.draftsSince.numDrafts);
		expect(snap.lifetime.numDraftTokens).toBe(h.draftsSince.numDraftTokens);
	}
	expect(await counterSum(h.session, 'vllm:spec_decode_num_drafts')).toBe(life.numDrafts);
	expect(await counterSum(h.session, 'vllm:spec_decode_num_draft_tokens')).toBe(life.numDraftTokens);
	expect(await counterSum(h.session, 'vllm:spec_decode_num_accepted_tokens')).toBe(life.numAcceptedTokens);
	// Accepted tokens are Σ over positions of drafts accepted there, whatever k each draft had.
	expect(await counterSum(h.session, 'vllm:spec_decode_num_accepted_tokens_per_pos')).toBe(life.numAcceptedTokens);
	expect(snap.header.k).toBe(h.session.numSpecTokens);
	expect(snap.expected.unconditionalRates).toHaveLength(h.session.numSpecTokens);
	expect(h.violations).toEqual([]);
}

describe('every dashboard key, then simulated steps', async () => {
	const {config} = await loadPreset(DEFAULT_PRESET);
	it.each(KEYS)('%s at t=5 s, then 25 virtual seconds: no error, every surface consistent', async key => {
		const h = harness(config);
		h.run(5);
		h.press(key);
		h.run(25);
		h.press(key);
		h.run(25);
		expect(h.draftsSeen()).toBeGreaterThan(1000);
		await expectSurfacesConsistent(h);
	});

	it('[ pressed down to k=1, each followed by steps; then ] pressed up past the limit', async () => {
		const h = harness(config);
		h.run(3);
		for (let k = h.session.numSpecTokens - 1; k >= 1; k--) {
			h.press('decreaseK');
			expect(h.session.numSpecTokens).toBe(k);
			h.run(0.5);
		}
		h.press('decreaseK');
		expect(h.session.numSpecTokens).toBe(1);
		h.run(12);
		await expectSurfacesConsistent(h);
		for (let i = 0; i < 12; i++) {
			h.press('increaseK');
			h.run(0.5);
		}
		h.run(12);
		await expectSurfacesConsistent(h);
	});

	it('[ then r while a step of the old k is in flight: the fresh registry still takes it', async () => {
		const h = harness(config);
		h.run(5);
		h.press('decreaseK');
		h.press('reset');
		h.run(15);
		await expectSurfacesConsistent(h);
	});

	it.each([
		['decreaseK', 2],
		['increaseK', 4],
	] as const)("%s at t=5 s: the dashboard's cumulative column counts only drafts at the new k, labelled since the change", async (key, k) => {
		const h = harness(config);
		h.run(5);
		h.press(key);
		h.run(30);
		const snap = h.store.refresh();
		expect(snap.kChange).toEqual({fromK: 3, toK: k, atS: 5});
		expect(snap.lifetime.durationS).toBe(30);
		expect(h.draftsSince.numDrafts).toBeGreaterThan(1000);
		expect(snap.lifetime.numDrafts).toBe(h.draftsSince.numDrafts);
		expect(snap.lifetime.numDraftTokens).toBe(h.draftsSince.numDraftTokens);
		expect(snap.lifetime.unconditionalRates).toHaveLength(k);
		expect(snap.expected.unconditionalRates).toHaveLength(k);
		// The run's own since-start totals (and /metrics) still hold every draft.
		expect(await counterSum(h.session, 'vllm:spec_decode_num_drafts')).toBeGreaterThan(snap.lifetime.numDrafts);
		// r starts everything over, at the current k.
		h.press('reset');
		h.run(5);
		const after = h.store.refresh();
		expect(after.kChange).toBeUndefined();
		expect(after.lifetime.numDrafts).toBe(await counterSum(h.session, 'vllm:spec_decode_num_drafts'));
	});

	it("[ at t=5 s: the log interval spanning the change prints both k's positions and is marked; later ones print the new k only", async () => {
		const h = harness(config);
		h.run(5);
		h.press('decreaseK');
		h.run(5);
		expect(h.store.refresh().intervalKs).toEqual([3, 2]);
		h.run(25);
		expect(h.lines.map(l => [l.t, l.positions])).toEqual([
			[10, 3],
			[20, 2],
			[30, 2],
		]);
		expect(h.store.refresh().intervalKs).toEqual([2]);
	});

	it('[ keeps the higher position series on /metrics, which stop growing; ] adds one at 0', async () => {
		const h = harness(config);
		const position = async (pos: number): Promise<number | undefined> => {
			const {values} = await h.session.registry.getSingleMetric('vllm:spec_decode_num_accepted_tokens_per_pos')!.get();
			return values.find(v => v.labels['position'] === String(pos))?.value;
		};
		h.run(5);
		h.press('decreaseK');
		h.run(1); // the steps in flight at the change complete under k=3
		const atChange = await position(2);
		expect(atChange).toBeGreaterThan(0);
		h.run(20);
		expect(await position(2)).toBe(atChange);
		expect(await position(1)).toBeGreaterThan(0);
		h.press('increaseK');
		h.press('increaseK');
		expect(await position(3)).toBe(0);
		h.run(5);
		expect(await position(3)).toBeGreaterThan(0);
		expect(await position(2)).toBeGreaterThan(atChange!);
	});

	it('[ with 3 engines: each engine switches at its own next step', async () => {
		const h = harness({...config, engines: {...config.engines, count: 3}});
		h.run(5);
		h.press('decreaseK');
		h.run(0.01);
		h.press('decreaseK');
		h.run(20);
		expect(h.session.numSpecTokens).toBe(1);
		await expectSurfacesConsistent(h);
	});
});

const stepArb = fc.oneof(
	fc.constantFrom(...KEYS).map(key => ({key}) as const),
	fc.double({min: 0.001, max: 4, noNaN: true}).map(seconds => ({seconds}) as const),
);

describe('random key sequences interleaved with steps', () => {
	fcTest.prop([fc.array(stepArb, {minLength: 1, maxLength: 30}), fc.integer({min: 1, max: 3})], {numRuns: 100, seed: 8})(
		'never throw, and every surface stays consistent',
		async (actions, engines) => {
			const h = harness(testConfig({engines: {count: engines, routing: 'round-robin'}, workload: {arrival: {kind: 'poisson', rate: 20}}}));
			for (const action of actions) {
				if ('key' in action) h.press(action.key);
				else h.run(action.seconds);
			}
			h.run(11);
			await expectSurfacesConsistent(h);
		},
	);
});
