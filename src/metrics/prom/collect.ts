import type {MetricObjectWithValues, MetricValue, Registry} from 'prom-client';
import {floatToGoString} from '../../util/py-format.js';

/** One sample as prometheus_client's `Metric.samples` holds it (full sample name, labels, value). */
export type PromSample = {
	readonly name: string;
	readonly labels: Readonly<Record<string, string>>;
	readonly value: number;
};

/** One child (a label set) of a family and its samples, `_created` excluded. */
export type PromSeries = {
	/** The child's labels, without `le`. */
	readonly labels: Readonly<Record<string, string>>;
	/** Counter: `<family>_total`. Gauge: `<family>`. Histogram: `_bucket`s (`le` ascending, `+Inf` last), `_count`, `_sum`. Summary: `_count`, `_sum`. */
	readonly samples: readonly PromSample[];
	/** When this child was created (Unix seconds), if not the exposition's common creation time. */
	readonly createdS?: number;
};

/** The Prometheus types specsim exposes. */
export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** A metric family as prometheus_client's `registry.collect()` yields it. */
export type PromFamily = {
	/** Family name; a counter's never ends in `_total` (prometheus_client strips it). */
	readonly name: string;
	readonly help: string;
	readonly type: PromType;
	/** Children in creation order. */
	readonly series: readonly PromSeries[];
	/** False: no `_created` samples (a custom collector's family, e.g. `process_cpu_seconds_total`). */
	readonly created?: false;
};

type JsonValue = {value: number; labels: Record<string, string | number>; metricName?: string; createdS?: number};

/**
 * Read `registry` (through `getMetricsAsJSON`, so `collect()` hooks run) into prometheus_client's
 * shape: families in registration order, children in creation order, sample names with their
 * suffixes, `le` formatted by `floatToGoString`.
 *
 * @throws TypeError for a summary or any other type specsim does not expose.
 */
export async function collectFamilies(registry: Registry): Promise<PromFamily[]> {
	return (await registry.getMetricsAsJSON()).map(familyOf);
}

/** One metric of prom-client's `getMetricsAsJSON()` as prometheus_client's family (see {@link collectFamilies}). */
export function familyOf(metric: MetricObjectWithValues<MetricValue<string>>): PromFamily {
	const type = String(metric.type as unknown);
	const values = metric.values as unknown as readonly JsonValue[];
	const created = (metric as {created?: false}).created === false ? {created: false as const} : {};
	switch (type) {
		case 'counter': {
			const name = metric.name.endsWith('_total') ? metric.name.slice(0, -'_total'.length) : metric.name;
			return {name, help: metric.help, type, series: values.map(v => simpleSeries(`${name}_total`, v)), ...created};
		}
		case 'gauge':
			return {name: metric.name, help: metric.help, type, series: values.map(v => simpleSeries(metric.name, v)), ...created};
		case 'histogram':
			return {name: metric.name, help: metric.help, type, series: histogramSeries(metric.name, values), ...created};
		case 'summary':
			return {name: metric.name, help: metric.help, type, series: summarySeries(metric.name, values), ...created};
		default:
			throw new TypeError(`Unknown metric type ${type} for ${metric.name}`);
	}
}

function simpleSeries(sampleName: string, v: JsonValue): PromSeries {
	const labels = stringLabels(v.labels);
	return {labels, samples: [{name: sampleName, labels, value: v.value}], ...createdOf(v)};
}

const createdOf = (v: JsonValue): {createdS?: number} => (v.createdS === undefined ? {} : {createdS: v.createdS});

/**
 * A summary as prometheus_client's `Summary` exposes it: `_count`, then `_sum`, per child. It has no
 * quantiles; a prom-client summary's quantile samples are left out.
 */
function summarySeries(name: string, values: readonly JsonValue[]): PromSeries[] {
	const byKey = new Map<string, {labels: Record<string, string>; count: number; sum: number; createdS?: number}>();
	for (const v of values) {
		const labels = stringLabels(v.labels);
		if ('quantile' in labels) continue;
		const key = seriesKey(labels);
		let entry = byKey.get(key);
		if (!entry) {
			entry = {labels, count: 0, sum: 0, ...createdOf(v)};
			byKey.set(key, entry);
		}
		if (v.metricName === `${name}_count`) entry.count = v.value;
		else if (v.metricName === `${name}_sum`) entry.sum = v.value;
	}
	return [...byKey.values()].map(({labels, count, sum, createdS}) => ({
		labels,
		samples: [
			{name: `${name}_count`, labels, value: count},
			{name: `${name}_sum`, labels, value: sum},
		],
		...(createdS === undefined ? {} : {createdS}),
	}));
}

/** prom-client lists, per child, the finite buckets, `+Inf`, `_sum`, `_count`; Python has `_count` before `_sum`. */
function histogramSeries(name: string, values: readonly JsonValue[]): PromSeries[] {
	type Pending = {labels: Record<string, string>; buckets: PromSample[]; count?: number; sum?: number; createdS?: number};
	const byKey = new Map<string, Pending>();
	for (const v of values) {
		const {le, ...rest} = stringLabels(v.labels);
		const key = seriesKey(rest);
		let entry = byKey.get(key);
		if (!entry) {
			entry = {labels: rest, buckets: [], ...createdOf(v)};
			byKey.set(key, entry);
		}
		if (v.metricName === `${name}_bucket`) {
			const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
			entry.buckets.push({name: `${name}_bucket`, labels: {...rest, le: floatToGoString(bound)}, value: v.value});
		} else if (v.metricName === `${name}_count`) {
			entry.count = v.value;
		} else if (v.metricName === `${name}_sum`) {
			entry.sum = v.value;
		}
	}
	return [...byKey.values()].map(({labels, buckets, count, sum, createdS}) => ({
		labels,
		samples: [...buckets, {name: `${name}_count`, labels, value: count ?? 0}, {name: `${name}_sum`, labels, value: sum ?? 0}],
		...(createdS === undefined ? {} : {createdS}),
	}));
}

function stringLabels(labels: Record<string, string | number>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [key, value] of Object.entries(labels)) out[key] = String(value);
	return out;
}

/**
 * A key identifying a label set whatever the order of its names: `JSON.stringify` of its
 * `[name, value]` pairs sorted by name. Built without the pairs array: it runs for every series
 * of every scrape, and those arrays were a large part of `generate`'s garbage.
 */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
	const names = sortedNames(labels);
	let key = '[';
	for (let i = 0; i < names.length; i++) key += `${i > 0 ? ',' : ''}[${JSON.stringify(names[i])},${JSON.stringify(labels[names[i]!])}]`;
	return `${key}]`;
}

/**
 * A label set's names in `Array.prototype.sort` order (UTF-16 code units), sorted in place by
 * insertion: a handful of names, and `sort` allocates a work copy on every call (every sample of
 * every scrape).
 */
export function sortedNames(labels: Readonly<Record<string, string>>): string[] {
	const names = Object.keys(labels);
	for (let i = 1; i < names.length; i++) {
		const name = names[i]!;
		let j = i - 1;
		while (j >= 0 && names[j]! > name) {
			names[j + 1] = names[j]!;
			j--;
		}
		names[j + 1] = name;
	}
	return names;
}
