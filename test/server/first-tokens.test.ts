import {describe, expect, it} from 'vitest';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import {Session} from '../../src/runtime/session.js';
import {type GenerationParams, type LiveGeneration, ServeEngine} from '../../src/server/serve-engine.js';

const params = (key: string, maxTokens: number): GenerationParams => ({
	promptTokens: 8,
	maxTokens,
	minTokens: 0,
	ignoreEos: true,
	stop: [],
	temperature: 1,
	key,
});

/**
 * A step's report tells the requests whose first tokens it carries before the running ones, and
 * calls `afterFirstTokens` between the two (the server writes their first frames there): a new
 * stream's first token waits neither for the running streams' chunks nor for the engine's next
 * step.
 */
describe('ServeEngine step report', () => {
	it('reports first tokens, then afterFirstTokens (engine not stepping yet), then the running requests', async () => {
		const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '3'});
		const session = new Session(resolved.config, {seed: resolved.seed, speed: 'max', waitWhenIdle: true, traceLines: []});
		const simulation = session.built.simulation;
		const stepEngine = session.built.engines[0]!;
		const seen: Array<{running: number; fresh: number[]; busy: boolean}> = [];
		let running: LiveGeneration | undefined;
		let fresh: LiveGeneration[] = [];
		const engine = new ServeEngine(session, {
			afterFirstTokens: () => seen.push({running: running?.numTokens ?? -1, fresh: fresh.map(g => g.numTokens), busy: stepEngine.busy}),
		});
		const order: Array<{name: string; t: number; total: number}> = [];
		const listener = (name: string) => ({onTokens: (g: LiveGeneration, _n: number, t: number) => void order.push({name, t, total: g.numTokens})});
		running = engine.start(params('running', 200), listener('running'));
		simulation.runUntil(simulation.now + 0.5);
		const before = running.numTokens;
		expect(before).toBeGreaterThan(1);
		expect(seen.length).toBe(1);
		seen.length = 0;
		order.length = 0;
		// Two choices of one request and a second request, all new, beside the running one.
		fresh = engine.startAll([params('a', 50), params('b', 50)], listener('ab'));
		fresh.push(engine.start(params('c', 50), listener('c')));
		while (fresh.some(g => g.numTokens === 0)) simulation.runUntil(simulation.now + 0.001);
		// One step gave all three their first tokens (they were submitted together, the engine had room).
		expect(seen.length).toBe(1);
		const [call] = seen;
		expect(call!.fresh.every(n => n > 0)).toBe(true);
		// The running request had not been told of that step yet, and the engine had not begun its next step.
		expect(call!.busy).toBe(false);
		// That step's reports: the new requests (choices in the step's order), then the running one,
		// which the engine scheduled first.
		const t = order.find(o => o.name === 'c')!.t;
		expect(order.filter(o => o.t === t).map(o => o.name)).toEqual(['ab', 'ab', 'c', 'running']);
		// When afterFirstTokens ran, the running request still had its tokens from before that step.
		const runningThen = order.find(o => o.name === 'running' && o.t === t)!;
		expect(call!.running).toBeLessThan(runningThen.total);
		expect(call!.running).toBe(order.filter(o => o.name === 'running' && o.t < t).at(-1)?.total ?? before);
		engine.close();
	});
});
