import {format} from 'node:util';
import type {Metric, MetricObjectWithValues, MetricValue} from 'prom-client';
import type {DirectMetric} from './direct-metric.js';
import type {Registry} from './prom-client.js';

/** A child's value cell, `buffer[index]`, which the simulation writes (see `PendingSlot` in registry-families.ts). */
export type Slot = {readonly labels: Readonly<Record<string, string>>; readonly buffer: Float64Array; readonly index: number};

type Json = MetricObjectWithValues<MetricValue<string>>;

/** A slot's pending increment, taken (the cell is zeroed), with the checks of prom-client's `Counter.inc`. */
function take(slot: Slot): number {
	const delta = slot.buffer[slot.index]!;
	if (delta && !Number.isFinite(delta)) throw new TypeError(`Value is not a valid number: ${format(delta)}`);
	if (delta < 0) throw new Error('It is not possible to decrease a counter');
	slot.buffer[slot.index] = 0;
	return delta;
}

/**
 * A counter or gauge family whose children are slots: the simulation writes a child's cell (one
 * Float64Array store, no label hashing). At each collection a counter moves the pending
 * increments in (zeroing the cells) and a gauge takes the cells' values: the same children,
 * order, values and checks as prom-client's `Counter` and `Gauge` with a `collect()` hook calling
 * `inc(labels, delta)` or `set(labels, value)` per slot, without hashing every label set at every
 * scrape. As in prom-client's hash map, a labelled child appears at the first collection after its
 * slot was added (new ones in slot order) and stays; an unlabelled family has its one child, at
 * 0, from the start. prom-client's registry reads it through `get()`; a scraper reads it directly
 * ({@link DirectMetric}).
 */
export class SlotFamily implements DirectMetric {
	readonly name: string;
	readonly help: string;
	readonly type: 'counter' | 'gauge';
	readonly #slots: readonly Slot[];
	readonly #unlabelled: boolean;
	readonly #seen = new Set<Slot>();
	#exposed: Slot[] = [];
	#values = new Float64Array(8);
	/** Changes whenever a child appears or all go. */
	#shape = 0;

	/** `slots`: the family's slots in child order; the caller adds to it (ordered by group) and never removes one. */
	constructor(type: SlotFamily['type'], name: string, help: string, unlabelled: boolean, slots: readonly Slot[]) {
		this.type = type;
		this.name = name;
		this.help = help;
		this.#unlabelled = unlabelled;
		this.#slots = slots;
	}

	/** Create one and register it in `registry` (after every metric already there). */
	static register(registry: Registry, type: SlotFamily['type'], name: string, help: string, unlabelled: boolean, slots: readonly Slot[]): SlotFamily {
		const family = new SlotFamily(type, name, help, unlabelled, slots);
		registry.registerMetric(family as unknown as Metric<string>);
		return family;
	}

	sampleShape(): number {
		const values = this.#values;
		const exposed = this.#exposed;
		if (this.#unlabelled) {
			for (const slot of this.#slots) values[0] = this.type === 'counter' ? values[0]! + take(slot) : slot.buffer[slot.index]!;
			return this.#shape;
		}
		if (this.type === 'counter') for (let i = 0; i < exposed.length; i++) values[i] = values[i]! + take(exposed[i]!);
		else for (let i = 0; i < exposed.length; i++) values[i] = exposed[i]!.buffer[exposed[i]!.index]!;
		if (exposed.length < this.#slots.length) this.#exposeNew();
		return this.#shape;
	}

	/** Expose the slots that have no child yet, in slot order, each at its first value (a counter's increment is taken). */
	#exposeNew(): void {
		for (const slot of this.#slots) {
			if (this.#seen.has(slot)) continue;
			this.#seen.add(slot);
			const at = this.#exposed.length;
			this.#exposed.push(slot);
			if (at >= this.#values.length) {
				const grown = new Float64Array(2 * this.#values.length);
				grown.set(this.#values);
				this.#values = grown;
			}
			this.#values[at] = this.type === 'counter' ? take(slot) : slot.buffer[slot.index]!;
			this.#shape++;
		}
	}

	get numValues(): number {
		return this.#unlabelled ? 1 : this.#exposed.length;
	}

	readValues(out: Float64Array): void {
		out.set(this.#values.subarray(0, this.numValues));
	}

	async get(): Promise<Json> {
		this.sampleShape();
		const values = this.#unlabelled
			? [{value: this.#values[0]!, labels: {}}]
			: this.#exposed.map((slot, i) => ({value: this.#values[i]!, labels: slot.labels}));
		return {help: this.help, name: this.name, type: this.type, values, aggregator: 'sum'} as unknown as Json;
	}

	/** As prom-client's `reset()` (`registry.resetMetrics()`): every labelled child goes until its next collection, an unlabelled one is 0. */
	reset(): void {
		this.#exposed = [];
		this.#seen.clear();
		this.#values.fill(0);
		this.#shape++;
	}
}
