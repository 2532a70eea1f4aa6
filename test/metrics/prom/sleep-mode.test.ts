import {describe, expect, it} from 'vitest';
import {sleepyConfig as config} from '../../helpers/sleepy-config.js';
import {sleepSeconds, wakeSeconds} from '../../../src/engine/faults.js';
import {attachPrometheus} from '../../../src/metrics/prom/attach.js';
import {collectFamilies} from '../../../src/metrics/prom/collect.js';
import {buildSimulation} from '../../../src/sim/build.js';

const WEIGHT_BYTES = 8_030_261_248 * 2;

type Read = {count: Record<string, number>; sum: Record<string, number>; inFlight: Record<string, number>; labelNames: string[]};

async function read(registry: Parameters<typeof collectFamilies>[0]): Promise<Read | undefined> {
	const families = await collectFamilies(registry);
	const duration = families.find(f => f.name === 'vllm:sleep_mode_operation_duration_seconds');
	const gauge = families.find(f => f.name === 'vllm:sleep_mode_operations_in_flight');
	if (duration === undefined || gauge === undefined) {
		expect(duration).toBe(gauge);
		return undefined;
	}
	// Created by the first operation: after every family the engines registered.
	expect(families.at(-2)).toBe(duration);
	expect(families.at(-1)).toBe(gauge);
	const out: Read = {count: {}, sum: {}, inFlight: {}, labelNames: []};
	for (const series of duration.series) {
		out.labelNames.push(...Object.keys(series.labels));
		for (const sample of series.samples) {
			if (sample.name.endsWith('_count')) out.count[series.labels['operation']!] = sample.value;
			if (sample.name.endsWith('_sum')) out.sum[series.labels['operation']!] = sample.value;
		}
	}
	for (const series of gauge.series) out.inFlight[series.labels['operation']!] = series.samples[0]!.value;
	return out;
}

describe('vllm:sleep_mode_operation_* from the scheduled sleeps', () => {
	it('times each call of the schedule once, whatever the engines it covers, with the modelled durations', async () => {
		const built = buildSimulation(
			config([
				{startS: 10, endS: 20, level: 1},
				{startS: 30, endS: 40, level: 2, engine: 1},
			]),
			{seed: 1},
		);
		const prom = attachPrometheus(built);
		built.simulation.runUntil(5);
		// Nothing dispatched yet: vLLM creates the families with the first operation.
		expect(await read(prom.registry)).toBeUndefined();
		built.simulation.runUntil(50);
		const r = (await read(prom.registry))!;
		expect(r.count).toEqual({sleep: 2, wake: 2});
		expect(r.sum['sleep']).toBeCloseTo(sleepSeconds(1, WEIGHT_BYTES) + sleepSeconds(2, WEIGHT_BYTES), 12);
		expect(r.sum['wake']).toBeCloseTo(wakeSeconds(1, WEIGHT_BYTES) + wakeSeconds(2, WEIGHT_BYTES), 12);
		expect(r.inFlight).toEqual({sleep: 0, release_kv_cache_memory: 0, wake: 0});
		// The frontend's families: only the operation label.
		expect(new Set(r.labelNames)).toEqual(new Set(['operation']));
	});

	it('keeps a wait-mode sleep in flight while running requests drain, and counts the drain in its duration', async () => {
		const built = buildSimulation(config([{startS: 20, endS: 200, level: 1, mode: 'wait'}]), {seed: 2});
		const prom = attachPrometheus(built);
		let sleptAt: number | undefined;
		built.simulation.subscribe({
			onSleepState(engine, t, level) {
				if (level > 0 && engine === 1) sleptAt = t;
			},
		});
		built.simulation.runUntil(20.001);
		expect((await read(prom.registry))!.inFlight['sleep']).toBe(1);
		built.simulation.runUntil(150);
		const r = (await read(prom.registry))!;
		expect(sleptAt).toBeGreaterThan(20.001);
		expect(r.inFlight['sleep']).toBe(0);
		expect(r.count).toEqual({sleep: 1});
		// Both engines drained; the call returned when the later one fell asleep.
		expect(r.sum['sleep']).toBeGreaterThanOrEqual(sleptAt! - 20 + sleepSeconds(1, WEIGHT_BYTES) - 1e-9);
	});

	it('ends a wait-mode sleep that a wake-up cancels before the drain finished', async () => {
		const built = buildSimulation(config([{startS: 20, endS: 20.01, level: 1, mode: 'wait'}]), {seed: 3});
		const prom = attachPrometheus(built);
		built.simulation.runUntil(30);
		const r = (await read(prom.registry))!;
		expect(r.count).toEqual({sleep: 1, wake: 1});
		expect(r.sum['sleep']).toBeCloseTo(0.01, 9);
		expect(r.inFlight).toEqual({sleep: 0, release_kv_cache_memory: 0, wake: 0});
	});
});
