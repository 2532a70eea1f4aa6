import type {MetricObjectWithValues, MetricValue, Registry} from 'prom-client';
import {familyOf} from '../metrics/prom/collect.js';
import {type DirectMetric, isDirectMetric} from '../metrics/prom/direct-metric.js';
import {formatOpenMetricsScrape, samplePrefix} from '../metrics/prom/exposition.js';
import {floatToGoString} from '../util/py-format.js';
import type {ScrapeFrames} from './scrape-lines.js';

/**
 * Where a scraper's series go: an `OpenMetricsFileWriter`, or on `generate`'s serialising thread a
 * {@link SpoolIds} that numbers them the same way for the writer on the main thread.
 */
export type ScrapeSpools = {
	/** The spool of a series (numbered in first-seen order). */
	series(familyName: string, header: string, seriesKey: string): {readonly id: number};
	/** After a scrape's lines. */
	endScrape(): Promise<void>;
	/** Where the scrapes are rendered when the scraper is given no other target. */
	readonly lines: ScrapeFrames;
};

type Metric = MetricObjectWithValues<MetricValue<string>>;
/** A metric as registered (prom-client types `getMetricsAsArray` without its `get`). */
type RegisteredMetric = {get(): Promise<unknown>};
type Value = {value: number; labels: Record<string, string | number>; metricName?: string; createdS?: number};

/** One series of a family as the scrapes write it: where its lines go, and which values feed them. */
type SeriesLayout = {
	readonly spool: {readonly id: number};
	/** Per sample line: the index in the metric's `values` its value comes from, or -1 for a constant 0. */
	readonly sources: Int32Array;
	/** Whether a scrape writes anything for it (an empty series only carries HELP and TYPE). */
	readonly written: boolean;
};

/** What a metric looked like when its layout was made; the layout serves while the metric still looks so. */
type MetricLayout = {
	/** The registered metric, and for a {@link DirectMetric} the shape of its samples then (else -1). */
	readonly metric: RegisteredMetric;
	shape: number;
	readonly name: string;
	readonly help: string;
	readonly type: string;
	readonly createdS: number | undefined;
	readonly metricNames: ReadonlyArray<string | undefined>;
	readonly labelNames: ReadonlyArray<readonly string[]>;
	readonly labelValues: ReadonlyArray<ReadonlyArray<string | number>>;
	readonly valueCreatedS: ReadonlyArray<number | undefined>;
	readonly series: readonly SeriesLayout[];
};

/**
 * The timestamped scrapes of `generate`'s `metrics.om`, with the text that does not change from one
 * scrape to the next made once. Rendering every scrape from scratch (prometheus_client's shape for
 * each family, each sample's sorted and escaped labels, a key per series, a chunk object per
 * series) was most of the cost of a scrape; the label sets stay the same for hours. Here each
 * metric of the registry keeps a layout: per series its spool, each line's prefix and which
 * value feeds it. A scrape checks that every metric still has the same samples with the same
 * labels and emits only the values, as {@link ScrapeFrames}. specsim's own metrics (the vLLM
 * families, the API server's) are {@link DirectMetric}s: the check is their shape token and their
 * values are read directly, without prom-client's asynchronous `get()` and its object per sample;
 * any other metric is read through `get()` and compared label by label. The text is made
 * from them (`prefix + value + timestamp`) by {@link ScrapeLines}, on this thread (the writer's)
 * or on `generate`'s serialising thread. A metric that changed (a child appeared) gets a new
 * layout from the general path ({@link familyOf}, {@link formatOpenMetricsScrape}), so the bytes
 * are always those of `renderOpenMetricsScrape` added to the writer. The metrics are read one by
 * one as `Registry.getMetricsAsJSON` reads them, without its default labels (specsim sets none).
 */
export class OpenMetricsScraper {
	readonly #registry: Registry;
	readonly #writer: ScrapeSpools;
	readonly #layouts: Array<MetricLayout | undefined> = [];
	/** One series' values of the current scrape, handed to {@link ScrapeFrames.values}. */
	#scratch = new Float64Array(64);
	/** One metric's values of the current scrape, in prom-client's order. */
	#values = new Float64Array(256);

	/** Scrapes of `registry` rendered by `writer`'s lines (its `ScrapeLines`). */
	constructor(registry: Registry, writer: ScrapeSpools) {
		this.#registry = registry;
		this.#writer = writer;
	}

	/** Append one scrape of the registry, every sample stamped `timestampS`; `createdS` as in `OpenMetricsOptions`. */
	async scrape(timestampS: number, createdS: number | undefined): Promise<void> {
		const metrics = this.#registry.getMetricsAsArray() as unknown as readonly RegisteredMetric[];
		const frames = this.#writer.lines;
		frames.scrape(timestampS);
		for (let m = 0; m < metrics.length; m++) {
			const metric = metrics[m]!;
			let layout = this.#layouts[m];
			let values = this.#values;
			if (
				layout !== undefined &&
				layout.metric === metric &&
				layout.createdS === createdS &&
				isDirectMetric(metric) &&
				metric.sampleShape() === layout.shape
			) {
				if (values.length < metric.numValues) values = this.#values = new Float64Array(2 * metric.numValues);
				metric.readValues(values);
			} else {
				const json = (await metric.get()) as Metric;
				const jsonValues = json.values as unknown as readonly Value[];
				if (layout === undefined || layout.metric !== metric || !matches(layout, json, jsonValues, createdS)) {
					layout = this.#layout(metric, json, jsonValues, createdS);
					this.#layouts[m] = layout;
				}
				layout.shape = isDirectMetric(metric) ? metric.sampleShape() : -1;
				if (values.length < jsonValues.length) values = this.#values = new Float64Array(2 * jsonValues.length);
				for (let i = 0; i < jsonValues.length; i++) values[i] = jsonValues[i]!.value;
			}
			for (const series of layout.series) {
				if (!series.written) continue;
				const {sources} = series;
				const count = sources.length;
				if (count > this.#scratch.length) this.#scratch = new Float64Array(2 * count);
				const scratch = this.#scratch;
				for (let i = 0; i < count; i++) {
					const source = sources[i]!;
					scratch[i] = source < 0 ? 0 : values[source]!;
				}
				frames.values(series.spool.id, scratch, count);
			}
		}
		this.#layouts.length = metrics.length;
		await this.#writer.endScrape();
	}

	/**
	 * A metric's layout through the general path: the family rendered once with each value replaced
	 * by its index + 1 tells which value feeds which line (0: a sample with no value, written as 0).
	 */
	#layout(registered: RegisteredMetric, metric: Metric, values: readonly Value[], createdS: number | undefined): MetricLayout {
		const probe = {...metric, values: values.map((v, i) => ({...v, value: i + 1}))} as unknown as Metric;
		const family = familyOf(probe);
		const chunks = formatOpenMetricsScrape([family], createdS === undefined ? {} : {createdS});
		const withCreated = createdS !== undefined && family.type !== 'gauge' && family.created !== false;
		let series: SeriesLayout[];
		if (family.series.length === 0) {
			// prometheus_client writes the HELP and TYPE of a family without children: an empty series carries them.
			series = [{spool: this.#writer.series(family.name, chunks[0]!.header, chunks[0]!.seriesKey), sources: new Int32Array(0), written: false}];
		} else {
			series = family.series.map((s, i) => {
				const spool = this.#writer.series(family.name, chunks[i]!.header, chunks[i]!.seriesKey);
				const created = withCreated ? `${samplePrefix(`${family.name}_created`, s.labels)}${floatToGoString(s.createdS ?? createdS)}` : undefined;
				this.#writer.lines.series(
					spool.id,
					s.samples.map(sample => samplePrefix(sample.name, sample.labels)),
					created,
				);
				return {spool, sources: Int32Array.from(s.samples, sample => sample.value - 1), written: s.samples.length > 0 || created !== undefined};
			});
		}
		return {
			metric: registered,
			shape: -1,
			name: metric.name,
			help: metric.help,
			type: String(metric.type as unknown),
			createdS,
			metricNames: values.map(v => v.metricName),
			labelNames: values.map(v => Object.keys(v.labels)),
			labelValues: values.map(v => Object.values(v.labels)),
			valueCreatedS: values.map(v => v.createdS),
			series,
		};
	}
}

/** Whether `metric` has exactly the samples (names, labels in order, creation times) `layout` was made from. */
function matches(layout: MetricLayout, metric: Metric, values: readonly Value[], createdS: number | undefined): boolean {
	if (metric.name !== layout.name || metric.help !== layout.help || String(metric.type as unknown) !== layout.type) return false;
	if (createdS !== layout.createdS || values.length !== layout.metricNames.length) return false;
	for (let j = 0; j < values.length; j++) {
		const v = values[j]!;
		if (v.metricName !== layout.metricNames[j] || v.createdS !== layout.valueCreatedS[j]) return false;
		const names = layout.labelNames[j]!;
		const expected = layout.labelValues[j]!;
		let n = 0;
		for (const name in v.labels) {
			if (n >= names.length || name !== names[n] || v.labels[name] !== expected[n]) return false;
			n++;
		}
		if (n !== names.length) return false;
	}
	return true;
}
