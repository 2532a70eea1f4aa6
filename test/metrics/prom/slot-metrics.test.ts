import {fc, test} from '@fast-check/vitest';
import {Counter, Gauge, Registry} from 'prom-client';
import {describe, expect, it} from 'vitest';
import {isDirectMetric} from '../../../src/metrics/prom/direct-metric.js';
import {addCounterSlot, addGaugeSlot, counterFamily, gaugeFamily} from '../../../src/metrics/prom/registry-families.js';
import {SlotFamily} from '../../../src/metrics/prom/slot-metrics.js';

type Slot = {labels: Record<string, string>; buffer: Float64Array; index: number; group: number};

/**
 * What the slot families did before they read their slots themselves: prom-client's own Counter and
 * Gauge with a `collect()` hook calling `inc(labels, delta)` (zeroing the cell) or `set(labels,
 * value)` per slot, slots ordered by group then addition. The reference the slot metrics must equal.
 */
function reference(registry: Registry, kind: 'counter' | 'gauge', labelNames: string[], slots: Slot[]): Counter | Gauge {
	if (kind === 'counter') {
		const counter: Counter = new Counter({
			name: 'ref_counter',
			help: 'Reference.',
			labelNames,
			registers: [registry],
			collect() {
				for (const slot of slots) {
					const delta = slot.buffer[slot.index]!;
					slot.buffer[slot.index] = 0;
					counter.inc(slot.labels, delta);
				}
			},
		});
		return counter;
	}
	const gauge: Gauge = new Gauge({
		name: 'ref_gauge',
		help: 'Reference.',
		labelNames,
		registers: [registry],
		collect() {
			for (const slot of slots) gauge.set(slot.labels, slot.buffer[slot.index]!);
		},
	});
	return gauge;
}

/** A script: add a slot (its engine label and group), write a value into a slot's cell, or collect. */
const op = fc.oneof(
	fc.record({kind: fc.constant('add' as const), group: fc.integer({min: 0, max: 2})}),
	fc.record({
		kind: fc.constant('write' as const),
		slot: fc.nat(),
		value: fc.oneof(fc.nat({max: 1000}), fc.double({min: 0, max: 1e12, noNaN: true}), fc.constant(-0)),
	}),
	fc.constant({kind: 'collect' as const}),
);

describe('slot counters and gauges (registry-families)', () => {
	test.prop([fc.constantFrom('counter' as const, 'gauge' as const), fc.boolean(), fc.array(op, {maxLength: 40})])(
		"give what prom-client's Counter and Gauge with a collect hook give: children, order, values, after every collection",
		async (kind, labelled, script) => {
			const registry = new Registry();
			const labelNames = labelled ? ['engine'] : [];
			const spec = {name: `specsim_${kind}`, help: 'Under test.', labelNames};
			const family = kind === 'counter' ? counterFamily(registry, spec) : gaugeFamily(registry, spec);
			const refSlots: Slot[] = [];
			const ref = reference(new Registry(), kind, labelNames, refSlots);
			const ours: Float64Array[] = [];
			const theirs: Float64Array[] = [];
			for (const step of script) {
				if (step.kind === 'add') {
					// An unlabelled family takes one child.
					if (!labelled && ours.length === 1) continue;
					const labels: Record<string, string> = labelled ? {engine: String(ours.length)} : {};
					ours.push(new Float64Array(1));
					theirs.push(new Float64Array(1));
					if (family.kind === 'counter') addCounterSlot(family, labels, ours.at(-1)!, 0, step.group);
					else if (family.kind === 'gauge') addGaugeSlot(family, labels, ours.at(-1)!, 0, step.group);
					let at = refSlots.length;
					while (at > 0 && refSlots[at - 1]!.group > step.group) at--;
					refSlots.splice(at, 0, {labels, buffer: theirs.at(-1)!, index: 0, group: step.group});
				} else if (step.kind === 'write' && ours.length > 0) {
					const i = step.slot % ours.length;
					if (kind === 'counter') {
						ours[i]![0]! += step.value;
						theirs[i]![0]! += step.value;
					} else {
						ours[i]![0] = step.value;
						theirs[i]![0] = step.value;
					}
				} else if (step.kind === 'collect') {
					const got = await family.metric.get();
					const want = await ref.get();
					expect(got.values).toEqual(want.values);
					for (const [i, v] of want.values.entries()) expect(Object.is(got.values[i]!.value, v.value)).toBe(true);
					expect({name: got.name, help: got.help, type: got.type}).toEqual({name: spec.name, help: spec.help, type: kind});
					// The cells the collection took are zeroed alike.
					expect(ours.map(b => b[0])).toEqual(theirs.map(b => b[0]));
				}
			}
		},
	);

	it('read directly give the values of get(), with a shape that changes exactly when a child appears', async () => {
		const registry = new Registry();
		const family = counterFamily(registry, {name: 'c', help: 'C.', labelNames: ['engine']});
		const metric = family.metric;
		expect(isDirectMetric(metric)).toBe(true);
		const a = new Float64Array(2);
		addCounterSlot(family, {engine: '0'}, a, 0, 1);
		const first = metric.sampleShape();
		a[0] = 3;
		expect(metric.sampleShape()).toBe(first);
		const out = new Float64Array(metric.numValues);
		metric.readValues(out);
		expect([...out]).toEqual([3]);
		// A child of a lower group added later still comes after the children already exposed, as in prom-client.
		addCounterSlot(family, {engine: '1'}, a, 1, 0);
		a[1] = 2;
		const second = metric.sampleShape();
		expect(second).not.toBe(first);
		const out2 = new Float64Array(metric.numValues);
		metric.readValues(out2);
		expect([...out2]).toEqual([3, 2]);
		expect((await metric.get()).values).toEqual([
			{value: 3, labels: {engine: '0'}},
			{value: 2, labels: {engine: '1'}},
		]);
		expect(metric.sampleShape()).toBe(second);
	});

	it('registered, is what the registry exposes', async () => {
		const registry = new Registry();
		const family = counterFamily(registry, {name: 'n', help: 'N.', labelNames: ['engine']});
		addCounterSlot(family, {engine: '0'}, Float64Array.of(2), 0);
		expect(registry.getSingleMetric('n')).toBe(family.metric);
		expect(await registry.metrics()).toBe('# HELP n N.\n# TYPE n counter\nn{engine="0"} 2\n');
	});

	it('refuse what prom-client refuses: a counter going down or an infinite increment', async () => {
		const counter = new SlotFamily('counter', 'c', 'C.', false, [{labels: {engine: '0'}, buffer: Float64Array.of(-1), index: 0}]);
		await expect(counter.get()).rejects.toThrow('It is not possible to decrease a counter');
		const infinite = new SlotFamily('counter', 'd', 'D.', true, [{labels: {}, buffer: Float64Array.of(Number.POSITIVE_INFINITY), index: 0}]);
		await expect(infinite.get()).rejects.toThrow('Value is not a valid number: Infinity');
		const gauge = new SlotFamily('gauge', 'g', 'G.', true, []);
		expect((await gauge.get()).values).toEqual([{value: 0, labels: {}}]);
	});
});
