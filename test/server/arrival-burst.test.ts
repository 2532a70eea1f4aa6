import {afterEach, describe, expect, it} from 'vitest';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import {Session} from '../../src/runtime/session.js';
import {createOpenAiApp} from '../../src/server/openai-server.js';
import {ServeEngine} from '../../src/server/serve-engine.js';
import {loadTokenizer} from '../../src/server/text-model.js';

const MODEL = 'bench/model';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * Requests read in the same turn of the event loop were all readable at the same instant: they
 * reach the simulated engine at that instant's virtual time and join the same step, as vLLM's
 * engine core drains its whole input queue before each step, however many turns the server's
 * admission slices (32 per turn) spread their validation, tokenizing and planning over while the
 * clock runs at --speed 1. Before, each arrived when its handler got to it: a burst of 100 spread
 * over several virtual milliseconds and the last slices missed the step the first ones started.
 */
describe('a burst read in one turn', () => {
	it('arrives in the engine at one virtual time, whatever the admission slices', async () => {
		const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '0'});
		const session = new Session(resolved.config, {seed: resolved.seed, speed: 1, traceLines: []});
		const engine = new ServeEngine(session);
		loadTokenizer(); // as the server does before it listens
		const app = createOpenAiApp(session, engine, {
			servedModelNames: [MODEL],
			modelPath: MODEL,
			// However slow this machine is today, no request stops holding the clock.
			arrivalHoldLimitMs: 600_000,
		});
		const arrivals: number[] = [];
		const simulation = session.built.simulation;
		const submitAll = simulation.submitAll.bind(simulation);
		simulation.submitAll = specs => {
			const requests = submitAll(specs);
			for (const request of requests) arrivals.push(request.arrivalAt);
			return requests;
		};
		const done = session.runner.run();
		cleanups.push(async () => {
			engine.abortAll();
			engine.close();
			session.runner.stop();
			await done;
		});
		// Let the clock run a little first, so the burst does not land at time 0.
		await new Promise(resolve => setTimeout(resolve, 30));
		const body = (i: number) => JSON.stringify({model: MODEL, prompt: `burst request ${i}`, max_tokens: 2, ignore_eos: true});
		const responses = Array.from({length: 100}, (_, i) =>
			app.fetch(new Request('http://specsim.test/v1/completions', {method: 'POST', headers: {'content-type': 'application/json'}, body: body(i)})),
		);
		const statuses = await Promise.all(responses.map(async r => (await r).status));
		expect(statuses.every(s => s === 200)).toBe(true);
		expect(arrivals).toHaveLength(100);
		expect(new Set(arrivals).size).toBe(1);
		expect(arrivals[0]!).toBeGreaterThan(0);
	});
});
