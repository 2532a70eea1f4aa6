import type {HistogramConfiguration, MetricObjectWithValues, MetricValueWithName} from 'prom-client';
import {Histogram} from './prom-client.js';
import {BucketHistogram} from '../stats/histogram.js';
import type {DirectMetric} from './direct-metric.js';

/** A histogram child that takes a count: one step often gives many requests the same latency. */
export type BulkHistogramChild = {observe(value: number, count?: number): void};

/**
 * A prom-client `Histogram` whose children accumulate in typed arrays. prom-client's own
 * `labels(...).observe(v)` hashes and validates the label set on every call; here a child is a
 * {@link BucketHistogram} (binary search, no allocation) and `observe(v, n)` adds n observations
 * at once. The registry reads it through `get()`, in prom-client's exact value layout, so
 * everything that reads registries (exposition, reader) sees an ordinary histogram.
 */
export class BulkHistogram extends Histogram<string> implements DirectMetric {
	// Plain (not #private) fields: prom-client's constructor calls reset() before subclass fields exist.
	private readonly bounds: readonly number[];
	private readonly children = new Map<string, {labels: Record<string, string>; histogram: BucketHistogram}>();
	private readonly metricName: string;
	private readonly helpText: string;

	constructor(configuration: HistogramConfiguration<string> & {buckets: number[]}) {
		super(configuration);
		this.bounds = [...configuration.buckets];
		this.metricName = configuration.name;
		this.helpText = configuration.help;
	}

	/** Add a child at 0 (every bucket present, like `zero()`); `key` identifies it. */
	child(key: string, labels: Record<string, string>): BulkHistogramChild {
		const histogram = new BucketHistogram(this.bounds);
		this.children.set(key, {labels, histogram});
		// The histogram itself, not a wrapper: a call fewer per observation, on every engine step.
		return histogram;
	}

	/** Children so far: they are only ever added, so their number tells the samples' shape. */
	sampleShape(): number {
		return this.children.size;
	}

	/** How many samples {@link get} gives (and {@link readValues} writes). */
	get numValues(): number {
		return this.children.size * (this.bounds.length + 3);
	}

	/**
	 * The values of {@link get}'s samples, in its order, into `out` (at least {@link numValues}
	 * long), with no object per sample: what `metrics.om`'s scraper reads at every scrape.
	 */
	readValues(out: Float64Array): void {
		let at = 0;
		for (const {histogram} of this.children.values()) {
			histogram.cumulative(out.subarray(at, at + histogram.counts.length));
			at += this.bounds.length;
			out[at++] = histogram.count;
			out[at++] = histogram.sum;
			out[at++] = histogram.count;
		}
	}

	override async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
		const values: Array<MetricValueWithName<string>> = [];
		const bucketName = `${this.metricName}_bucket`;
		for (const {labels, histogram} of this.children.values()) {
			const cumulative = histogram.cumulative();
			for (const [i, le] of this.bounds.entries()) values.push({labels: {...labels, le}, value: cumulative[i]!, metricName: bucketName});
			values.push({labels: {...labels, le: '+Inf'}, value: histogram.count, metricName: bucketName});
			values.push({labels, value: histogram.sum, metricName: `${this.metricName}_sum`});
			values.push({labels, value: histogram.count, metricName: `${this.metricName}_count`});
		}
		const result = {name: this.metricName, help: this.helpText, type: 'histogram', values, aggregator: 'sum'};
		return result as unknown as MetricObjectWithValues<MetricValueWithName<string>>;
	}

	override reset(): void {
		// Called by prom-client's constructor before `children` exists.
		for (const {histogram} of this.children?.values() ?? []) histogram.reset();
	}
}
