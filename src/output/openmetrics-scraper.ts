import type {MetricObjectWithValues, MetricValue, Registry} from 'prom-client';
import {familyOf} from '../metrics/prom/collect.js';
import {formatOpenMetricsScrape, samplePrefix} from '../metrics/prom/exposition.js';
import {floatToGoString, formatPythonRepr} from '../util/py-format.js';
import type {OpenMetricsFileWriter, SeriesSpool} from './openmetrics-file.js';

type Metric = MetricObjectWithValues<MetricValue<string>>;
type Value = {value: number; labels: Record<string, string | number>; metricName?: string; createdS?: number};

/** One series of a family as the scrapes write it: where its lines go, and how each is made. */
type SeriesLayout = {
	readonly spool: SeriesSpool;
	/** Per sample line: the text before its value (`name{labels} `). */
	readonly prefixes: readonly string[];
	/** Per sample line: the index in the metric's `values` its value comes from, or -1 for a constant 0. */
	readonly sources: Int32Array;
	/** `name_created{labels} value`, without timestamp and newline, when the series has one. */
	readonly created: string | undefined;
};

/** What a metric looked like when its layout was made; the layout serves while the metric still looks so. */
type MetricLayout = {
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
 * labels (no allocation) and writes `prefix + value + timestamp`; a metric that changed (a child
 * appeared) gets a new layout from the general path ({@link familyOf}, {@link formatOpenMetricsScrape}),
 * so the bytes are always those of `renderOpenMetricsScrape` added to the writer.
 */
export class OpenMetricsScraper {
	readonly #registry: Registry;
	readonly #writer: OpenMetricsFileWriter;
	readonly #layouts: Array<MetricLayout | undefined> = [];

	constructor(registry: Registry, writer: OpenMetricsFileWriter) {
		this.#registry = registry;
		this.#writer = writer;
	}

	/** Append one scrape of the registry, every sample stamped `timestampS`; `createdS` as in `OpenMetricsOptions`. */
	async scrape(timestampS: number, createdS: number | undefined): Promise<void> {
		const metrics = await this.#registry.getMetricsAsJSON();
		const timestamp = ` ${formatPythonRepr(timestampS)}\n`;
		const writer = this.#writer;
		for (let m = 0; m < metrics.length; m++) {
			const metric = metrics[m]!;
			const values = metric.values as unknown as readonly Value[];
			let layout = this.#layouts[m];
			if (layout === undefined || !matches(layout, metric, values, createdS)) {
				layout = this.#layout(metric, values, createdS);
				this.#layouts[m] = layout;
			}
			for (const series of layout.series) {
				const {prefixes, sources} = series;
				let lines = '';
				for (let i = 0; i < prefixes.length; i++) {
					const source = sources[i]!;
					lines += `${prefixes[i]!}${goFloat(source < 0 ? 0 : values[source]!.value)}${timestamp}`;
				}
				if (series.created !== undefined) lines += `${series.created}${timestamp}`;
				writer.append(series.spool, lines);
			}
		}
		this.#layouts.length = metrics.length;
		await writer.endScrape();
	}

	/**
	 * A metric's layout through the general path: the family rendered once with each value replaced
	 * by its index + 1 tells which value feeds which line (0: a sample with no value, written as 0).
	 */
	#layout(metric: Metric, values: readonly Value[], createdS: number | undefined): MetricLayout {
		const probe = {...metric, values: values.map((v, i) => ({...v, value: i + 1}))} as unknown as Metric;
		const family = familyOf(probe);
		const chunks = formatOpenMetricsScrape([family], createdS === undefined ? {} : {createdS});
		const withCreated = createdS !== undefined && family.type !== 'gauge' && family.created !== false;
		let series: SeriesLayout[];
		if (family.series.length === 0) {
			// prometheus_client writes the HELP and TYPE of a family without children: an empty series carries them.
			series = [
				{
					spool: this.#writer.series(family.name, chunks[0]!.header, chunks[0]!.seriesKey),
					prefixes: [],
					sources: new Int32Array(0),
					created: undefined,
				},
			];
		} else {
			series = family.series.map((s, i) => ({
				spool: this.#writer.series(family.name, chunks[i]!.header, chunks[i]!.seriesKey),
				prefixes: s.samples.map(sample => samplePrefix(sample.name, sample.labels)),
				sources: Int32Array.from(s.samples, sample => sample.value - 1),
				created: withCreated ? `${samplePrefix(`${family.name}_created`, s.labels)}${floatToGoString(s.createdS ?? createdS)}` : undefined,
			}));
		}
		return {
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

/**
 * `floatToGoString(x)`, with the values most samples hold (counts: integers from 0 below a
 * million, which print as `<digits>.0`) made without the general shortest-digits path.
 */
export function goFloat(x: number): string {
	if (Number.isInteger(x) && x < 1e6 && (x > 0 || (x === 0 && !Object.is(x, -0)))) return `${x}.0`;
	return floatToGoString(x);
}
