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

	/**
	 * A client streaming back to back sends its next request when it reads the end of its last
	 * stream: written before the step's other chunks, that request reaches a server still writing
	 * them and waits (the floor server of `test/bench/serve-floor.ts` measured request written →
	 * read p50 2.1 ms so, 0.6 ms with the ending streams written last). The streams' frames are
	 * queued in the order the step reports them, so the finished requests come last.
	 */
	it("reports a step's finished requests after the tokens of every request still running", async () => {
		const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '3'});
		const session = new Session(resolved.config, {seed: resolved.seed, speed: 'max', waitWhenIdle: true, traceLines: []});
		const simulation = session.built.simulation;
		const engine = new ServeEngine(session);
		const order: Array<{name: string; event: 'tokens' | 'finish'; t: number}> = [];
		const listener = (name: string) => ({
			onTokens: (_g: LiveGeneration, _n: number, t: number) => void order.push({name, event: 'tokens', t}),
			onFinish: (g: LiveGeneration) => void order.push({name, event: 'finish', t: g.request.finishedAt}),
		});
		// Submitted first, so the engine schedules it ahead of the others in every step.
		const short = engine.start(params('short', 12), listener('short'));
		engine.start(params('long-1', 200), listener('long-1'));
		engine.start(params('long-2', 200), listener('long-2'));
		while (short.result === undefined) simulation.runUntil(simulation.now + 0.001);
		const t = order.find(o => o.event === 'finish')!.t;
		const last = order.filter(o => o.t === t);
		// The step that finished it: its own token report (which sends nothing), the running ones, its finish.
		expect(last.map(o => `${o.name} ${o.event}`)).toEqual(['short tokens', 'long-1 tokens', 'long-2 tokens', 'short finish']);
		engine.close();
	});

	/**
	 * The step's outcome goes to the serve engine first: the simulation's interval loggers and every
	 * observer (the Prometheus feed, the dashboard's metrics, the server log), subscribed before the
	 * server, hear it after the new streams' first tokens were told (and, in the server, written).
	 */
	it("tells a step's first tokens before the simulation's loggers and observers hear the step", async () => {
		const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '3'});
		const session = new Session(resolved.config, {
			seed: resolved.seed,
			speed: 'max',
			waitWhenIdle: true,
			traceLines: [],
			server: {readProcess: () => undefined},
		});
		const simulation = session.built.simulation;
		const events: string[] = [];
		// An observer subscribed before the serve engine exists, as the session's Prometheus feed is.
		session.subscribe({onStep: outcome => void (outcome.numTokenRequests > 0 && events.push('observer'))});
		// The `Engine 000:` line's logger, which hears every step.
		const logger = simulation.engineLoggers[0]!;
		const observe = logger.observeIteration.bind(logger);
		logger.observeIteration = (...args) => {
			events.push('logger');
			observe(...args);
		};
		const engine = new ServeEngine(session, {afterFirstTokens: () => events.push('first tokens')});
		const generation = engine.start(params('a', 20), {onTokens: () => void events.push('tokens')});
		while (generation.numTokens === 0) simulation.runUntil(simulation.now + 0.001);
		const first = events.indexOf('first tokens');
		expect(events.slice(first - 1, first + 1)).toEqual(['tokens', 'first tokens']);
		expect(events.indexOf('observer')).toBeGreaterThan(first);
		expect(events.indexOf('logger')).toBeGreaterThan(first);
		engine.close();
	});
});
