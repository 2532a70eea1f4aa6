/**
 * vLLM's `vllm/v1/metrics/reader.py` (`LLM.get_metrics()` → `get_metrics_snapshot()`): the
 * registry read back as typed values. The UI, `--json` and tests read through this, so they see
 * exactly what `/metrics` exposes.
 */
import type {Registry} from 'prom-client';
import {collectFamilies, seriesKey, type PromFamily, type PromSample} from './prom/collect.js';

type Labels = Readonly<Record<string, string>>;

/** `Counter`: a counter child, value truncated to an integer (`int(value)`). */
export type Counter = {readonly kind: 'counter'; readonly name: string; readonly labels: Labels; readonly value: number};
/** `Gauge`: a gauge child, value as a float. */
export type Gauge = {readonly kind: 'gauge'; readonly name: string; readonly labels: Labels; readonly value: number};
/**
 * `Vector`: "an ordered array of integer counters", not a Prometheus type; it models the
 * per-position families, one per label set without `position`.
 */
export type Vector = {readonly kind: 'vector'; readonly name: string; readonly labels: Labels; readonly values: readonly number[]};
/** `Histogram`: integer `count` and buckets (keyed by the exposed `le`, `+Inf` included), float `sum`. */
export type Histogram = {
	readonly kind: 'histogram';
	readonly name: string;
	readonly labels: Labels;
	readonly count: number;
	readonly sum: number;
	readonly buckets: Readonly<Record<string, number>>;
};
/** `Metric`: one entry of the snapshot. */
export type Metric = Counter | Gauge | Vector | Histogram;

/** Counter families the reader turns into {@link Vector}s (M-newest reads both). */
export const VECTOR_FAMILIES: ReadonlySet<string> = new Set([
	'vllm:spec_decode_num_accepted_tokens_per_pos',
	'vllm:spec_decode_num_draft_tokens_per_pos',
]);

/**
 * `get_metrics_snapshot()` on `registry`: families whose name starts with `vllm:`, names without
 * `_total`, `_created` ignored.
 */
export async function getMetrics(registry: Registry): Promise<Metric[]> {
	return readFamilies(await collectFamilies(registry));
}

/** The pure part of {@link getMetrics}. */
export function readFamilies(families: readonly PromFamily[]): Metric[] {
	const collected: Metric[] = [];
	for (const family of families) {
		if (!family.name.startsWith('vllm:')) continue;
		const samples = family.series.flatMap(series => series.samples);
		switch (family.type) {
			case 'gauge':
				for (const s of samples) collected.push({kind: 'gauge', name: family.name, labels: s.labels, value: s.value});
				break;
			case 'counter': {
				const totals = samples.filter(s => s.name === `${family.name}_total`);
				if (VECTOR_FAMILIES.has(family.name)) {
					for (const [labels, values] of digestPerPosition(totals)) {
						collected.push({kind: 'vector', name: family.name, labels, values});
					}
				} else {
					for (const s of totals) collected.push({kind: 'counter', name: family.name, labels: s.labels, value: Math.trunc(s.value)});
				}
				break;
			}
			case 'histogram':
				collected.push(...digestHistogram(family.name, samples));
				break;
			default:
				// vLLM's reader asserts on any other type.
				throw new TypeError(`Unknown metric type ${family.type} for ${family.name}`);
		}
	}
	return collected;
}

/** `_digest_num_accepted_by_pos_samples`: group by labels minus `position`; length = global max position + 1. */
function digestPerPosition(samples: readonly PromSample[]): Array<[Labels, number[]]> {
	let maxPos = 0;
	const groups = new Map<string, {labels: Labels; byPos: Map<number, number>}>();
	for (const s of samples) {
		const {position, ...labels} = s.labels;
		const pos = Number.parseInt(position ?? '', 10);
		if (!Number.isInteger(pos) || pos < 0) {
			throw new RangeError(`position label must be a non-negative integer, got ${String(position)}`);
		}
		maxPos = Math.max(maxPos, pos);
		const key = seriesKey(labels);
		let group = groups.get(key);
		if (!group) {
			group = {labels, byPos: new Map()};
			groups.set(key, group);
		}
		group.byPos.set(pos, Math.trunc(s.value));
	}
	return [...groups.values()].map(({labels, byPos}) => {
		const values = new Array<number>(maxPos + 1).fill(0);
		for (const [pos, value] of byPos) values[pos] = value;
		return [labels, values];
	});
}

/** `_digest_histogram`: buckets keyed by `le` (ints), `count` int, `sum` float, grouped by labels minus `le`. */
function digestHistogram(name: string, samples: readonly PromSample[]): Histogram[] {
	const groups = new Map<string, {labels: Labels; buckets: Record<string, number>; count: number; sum: number}>();
	const groupOf = (labels: Labels) => {
		const key = seriesKey(labels);
		let group = groups.get(key);
		if (!group) {
			group = {labels, buckets: {}, count: 0, sum: 0};
			groups.set(key, group);
		}
		return group;
	};
	for (const s of samples) {
		if (s.name === `${name}_bucket`) {
			const {le, ...labels} = s.labels;
			groupOf(labels).buckets[le ?? ''] = Math.trunc(s.value);
		} else if (s.name === `${name}_count`) {
			groupOf(s.labels).count = Math.trunc(s.value);
		} else if (s.name === `${name}_sum`) {
			groupOf(s.labels).sum = s.value;
		}
	}
	return [...groups.values()].map(({labels, buckets, count, sum}) => ({kind: 'histogram', name, labels, count, sum, buckets}));
}
