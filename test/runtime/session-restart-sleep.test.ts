import {describe, expect, it} from 'vitest';
import {sleepyConfig as config} from '../helpers/sleepy-config.js';
import {collectFamilies} from '../../src/metrics/prom/collect.js';
import {renderText} from '../../src/metrics/prom/exposition.js';
import {Session} from '../../src/runtime/session.js';

const DURATION = 'vllm:sleep_mode_operation_duration_seconds';
const IN_FLIGHT = 'vllm:sleep_mode_operations_in_flight';

type Read = {names: string[]; count: Record<string, number>; inFlight: Record<string, number>};

async function read(session: Session): Promise<Read> {
	const families = await collectFamilies(session.registry);
	const out: Read = {names: families.map(f => f.name), count: {}, inFlight: {}};
	for (const series of families.find(f => f.name === DURATION)?.series ?? [])
		for (const sample of series.samples) if (sample.name.endsWith('_count')) out.count[series.labels['operation']!] = sample.value;
	for (const series of families.find(f => f.name === IN_FLIGHT)?.series ?? []) out.inFlight[series.labels['operation']!] = series.samples[0]!.value;
	return out;
}

describe("Session.restart keeps the sleep-mode families the API server created (the dashboard's r)", () => {
	it('exposes them after a restart, reset (no observations, nothing in flight), after the HTTP families, and counts the next call from 0', async () => {
		const session = new Session(
			config([
				{startS: 10, endS: 20, level: 1},
				{startS: 40, endS: 50, level: 1},
			]),
			{seed: 1, server: {readProcess: () => undefined}},
		);
		session.built.simulation.runUntil(25);
		const before = await read(session);
		expect(before.count).toEqual({sleep: 1, wake: 1});
		session.restart();
		const after = await read(session);
		// Still there, in the same place: after every other family (the HTTP ones included).
		expect(after.names.slice(-2)).toEqual([DURATION, IN_FLIGHT]);
		expect(after.names).toEqual(before.names);
		expect(after.count).toEqual({});
		expect(after.inFlight).toEqual({sleep: 0, release_kv_cache_memory: 0, wake: 0});
		const text = await renderText(session.registry, {createdS: session.createdS});
		expect(text).toContain(`# HELP ${DURATION} Duration of one sleep-mode operation.\n# TYPE ${DURATION} histogram\n# HELP ${IN_FLIGHT}`);
		session.built.simulation.runUntil(60);
		expect((await read(session)).count).toEqual({sleep: 1, wake: 1});
	});

	it('keeps a call in flight across the restart: the gauge stays 1 and returns to 0, never -1', async () => {
		const session = new Session(config([{startS: 20, endS: 200, level: 1, mode: 'wait'}]), {seed: 2});
		session.built.simulation.runUntil(20.001);
		expect((await read(session)).inFlight['sleep']).toBe(1);
		session.restart();
		expect((await read(session)).inFlight).toEqual({sleep: 1, release_kv_cache_memory: 0, wake: 0});
		session.built.simulation.runUntil(150);
		const r = await read(session);
		expect(r.inFlight).toEqual({sleep: 0, release_kv_cache_memory: 0, wake: 0});
		expect(r.count).toEqual({sleep: 1});
	});

	it('does not create them at a restart before any sleep-mode call, as vLLM creates them with the first call', async () => {
		const session = new Session(config([{startS: 40, endS: 50, level: 1}]), {seed: 3});
		session.built.simulation.runUntil(5);
		session.restart();
		const r = await read(session);
		expect(r.names).not.toContain(DURATION);
		expect(r.names).not.toContain(IN_FLIGHT);
	});
});
