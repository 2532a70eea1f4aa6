import type {Registry} from './prom-client.js';
import {SlotFamily} from './slot-metrics.js';
import {BulkHistogram, type BulkHistogramChild} from './bulk-histogram.js';

/** A label set in label-name order (the order vLLM passes `labelnames`). */
export type LabelSet = Readonly<Record<string, string>>;

/** What a family is declared with; two declarations of one name in one registry must agree. */
export type FamilySpec = {
	readonly name: string;
	readonly help: string;
	readonly labelNames: readonly string[];
};

/**
 * One counter child whose increments accumulate in `buffer[index]` and reach prom-client only when
 * the registry is collected (scraped). prom-client's `counter.labels(...).inc(v)` hashes and
 * validates the label set on every call; a pending slot costs one Float64Array add per step.
 * `group` orders the children's first appearance (lower first, then registration order).
 */
export type PendingSlot = {
	readonly labels: LabelSet;
	readonly buffer: Float64Array;
	readonly index: number;
	readonly group: number;
};

/** A counter family and its pending children. */
export type CounterFamily = {kind: 'counter'; spec: FamilySpec; metric: SlotFamily; slots: PendingSlot[]; keys: Set<string>};
/** A gauge family and its children, each reading its value from a buffer slot at collection. */
export type GaugeFamily = {kind: 'gauge'; spec: FamilySpec; metric: SlotFamily; slots: PendingSlot[]; keys: Set<string>};
/** A histogram family and its bucket bounds. */
export type HistogramFamily = {
	kind: 'histogram';
	spec: FamilySpec;
	buckets: readonly number[];
	metric: BulkHistogram;
	keys: Set<string>;
};
/** Any family specsim creates. */
export type Family = CounterFamily | GaugeFamily | HistogramFamily;

/** Families specsim created, per registry: several engines get-or-create the same family. */
const familiesByRegistry = new WeakMap<Registry, Map<string, Family>>();

/** A histogram child: `observe(value, count = 1)`, no label hashing. */
export type HistogramChild = BulkHistogramChild;

/** Get or create the counter family `spec.name` in `registry`. */
export function counterFamily(registry: Registry, spec: FamilySpec): CounterFamily {
	const existing = lookup(registry, spec, 'counter');
	if (existing) return existing as CounterFamily;
	const slots: PendingSlot[] = [];
	const metric = SlotFamily.register(registry, 'counter', spec.name, spec.help, spec.labelNames.length === 0, slots);
	const family: CounterFamily = {kind: 'counter', spec, metric, slots, keys: new Set()};
	remember(registry, family);
	return family;
}

/** Get or create the gauge family `spec.name` in `registry`. */
export function gaugeFamily(registry: Registry, spec: FamilySpec): GaugeFamily {
	const existing = lookup(registry, spec, 'gauge');
	if (existing) return existing as GaugeFamily;
	const slots: PendingSlot[] = [];
	const metric = SlotFamily.register(registry, 'gauge', spec.name, spec.help, spec.labelNames.length === 0, slots);
	const family: GaugeFamily = {kind: 'gauge', spec, metric, slots, keys: new Set()};
	remember(registry, family);
	return family;
}

/** Get or create the histogram family `spec.name` (finite, increasing `buckets`; `+Inf` is implied). */
export function histogramFamily(registry: Registry, spec: FamilySpec, buckets: readonly number[]): HistogramFamily {
	const existing = lookup(registry, spec, 'histogram') as HistogramFamily | undefined;
	if (existing) {
		if (existing.buckets.length !== buckets.length || existing.buckets.some((b, i) => b !== buckets[i])) {
			throw new RangeError(
				`${spec.name} is already registered in this registry with buckets [${existing.buckets.join(', ')}], got [${buckets.join(', ')}]`,
			);
		}
		return existing;
	}
	const metric = new BulkHistogram({
		name: spec.name,
		help: spec.help,
		labelNames: [...spec.labelNames],
		buckets: [...buckets],
		registers: [registry],
	});
	const family: HistogramFamily = {kind: 'histogram', spec, buckets: [...buckets], metric, keys: new Set()};
	remember(registry, family);
	return family;
}

/**
 * Add a counter child that reads its increments from `buffer[index]` (which the caller adds to and
 * this module zeroes at each collection). The child is exposed at 0 from the first scrape on.
 *
 * @throws RangeError if the family already has a child with these labels (e.g. the same engine twice).
 */
export function addCounterSlot(family: CounterFamily, labels: LabelSet, buffer: Float64Array, index: number, group = 0): void {
	claim(family, labels);
	insertSlot(family.slots, {labels, buffer, index, group});
}

/**
 * Add a gauge child whose value is `buffer[index]` at each collection (the caller writes it; a
 * write costs one Float64Array store, no label hashing). Children appear ordered by `group`, then
 * registration, like counter slots: vLLM creates labelled gauges reason-major across engines.
 *
 * @throws RangeError if the family already has a child with these labels.
 */
export function addGaugeSlot(family: GaugeFamily, labels: LabelSet, buffer: Float64Array, index: number, group = 0): void {
	claim(family, labels);
	insertSlot(family.slots, {labels, buffer, index, group});
}

function insertSlot(slots: PendingSlot[], slot: PendingSlot): void {
	let at = slots.length;
	while (at > 0 && slots[at - 1]!.group > slot.group) at--;
	slots.splice(at, 0, slot);
}

/** Add a histogram child with every bucket at 0. */
export function addHistogramChild(family: HistogramFamily, labels: LabelSet): HistogramChild {
	const key = claim(family, labels);
	return family.metric.child(key, {...labels});
}

function lookup(registry: Registry, spec: FamilySpec, kind: Family['kind']): Family | undefined {
	let family = familiesByRegistry.get(registry)?.get(spec.name);
	if (family && registry.getSingleMetric(spec.name) !== family.metric) {
		// The registry was cleared (or the metric removed) since: forget the stale family.
		familiesByRegistry.get(registry)?.delete(spec.name);
		family = undefined;
	}
	if (!family) {
		if (registry.getSingleMetric(spec.name)) {
			throw new TypeError(`registry already has a metric named ${spec.name} that specsim did not create`);
		}
		return undefined;
	}
	if (family.kind !== kind) {
		throw new RangeError(`${spec.name} is already registered in this registry as a ${family.kind}, not a ${kind}`);
	}
	if (family.spec.help !== spec.help) {
		throw new RangeError(`${spec.name} is already registered in this registry with help "${family.spec.help}", got "${spec.help}"`);
	}
	if (family.spec.labelNames.join(',') !== spec.labelNames.join(',')) {
		throw new RangeError(
			`${spec.name} is already registered in this registry with labels [${family.spec.labelNames.join(', ')}], got [${spec.labelNames.join(', ')}]`,
		);
	}
	return family;
}

function remember(registry: Registry, family: Family): void {
	let families = familiesByRegistry.get(registry);
	if (!families) {
		families = new Map();
		familiesByRegistry.set(registry, families);
	}
	families.set(family.spec.name, family);
}

function claim(family: Family, labels: LabelSet): string {
	const names = Object.keys(labels);
	if (names.join(',') !== family.spec.labelNames.join(',')) {
		throw new RangeError(`${family.spec.name} takes labels [${family.spec.labelNames.join(', ')}], got [${names.join(', ')}]`);
	}
	const key = JSON.stringify(family.spec.labelNames.map(name => labels[name]));
	if (family.keys.has(key)) {
		throw new RangeError(`${family.spec.name} already has a series with labels ${JSON.stringify(labels)} in this registry`);
	}
	family.keys.add(key);
	return key;
}
