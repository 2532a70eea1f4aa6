/**
 * Render a prom-client registry byte for byte as Python's prometheus_client does (what vLLM's
 * `/metrics` serves): `prometheus_client.exposition.generate_latest` (text 0.0.4) and
 * `prometheus_client.openmetrics.exposition.generate_latest` (OpenMetrics 1.0.0). prom-client's own
 * text differs: `10` instead of `10.0`, no `_total` on counters, no `_created` series.
 */
import type {Registry} from 'prom-client';
import {floatToGoString, formatPythonRepr} from '../../util/py-format.js';
import {collectFamilies, seriesKey, sortedNames, type PromFamily, type PromSample} from './collect.js';

/** `prometheus_client.exposition.CONTENT_TYPE_LATEST`. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** `prometheus_client.openmetrics.exposition.CONTENT_TYPE_LATEST`. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
/** The line that ends an OpenMetrics exposition. */
export const OPENMETRICS_EOF = '# EOF\n';

/** Options of {@link renderText}. */
export type TextOptions = {
	/**
	 * Creation time (seconds since the epoch) of every counter and histogram child: when given,
	 * each such family gets prometheus_client's trailing `<family>_created` gauge block (what a
	 * single-process vLLM shows). Omit it for multiprocess mode or `disable_created_metrics()`.
	 */
	readonly createdS?: number;
};

/** Options of {@link renderOpenMetrics} and {@link renderOpenMetricsScrape}. */
export type OpenMetricsOptions = {
	/** Creation time of every counter and histogram child; adds a `_created` sample to each. */
	readonly createdS?: number;
	/** Timestamp (seconds, printed as Python's `repr(float)`) appended to every sample. */
	readonly timestampS?: number;
};

/** `prometheus_client.exposition.generate_latest(registry)` for `registry`. */
export async function renderText(registry: Registry, options: TextOptions = {}): Promise<string> {
	return formatText(await collectFamilies(registry), options);
}

/** The pure part of {@link renderText}. */
export function formatText(families: readonly PromFamily[], options: TextOptions = {}): string {
	const {createdS} = options;
	const help = (text: string): string => text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
	let out = '';
	for (const family of families) {
		const exposedName = family.type === 'counter' ? `${family.name}_total` : family.name;
		out += `# HELP ${exposedName} ${help(family.help)}\n# TYPE ${exposedName} ${family.type}\n`;
		for (const series of family.series) {
			for (const sample of series.samples) out += sampleLine(sample, '');
		}
		if (createdS !== undefined && family.type !== 'gauge' && family.created !== false && family.series.length > 0) {
			const createdName = `${family.name}_created`;
			out += `# HELP ${createdName} ${help(family.help)}\n# TYPE ${createdName} gauge\n`;
			for (const series of family.series) out += sampleLine({name: createdName, labels: series.labels, value: series.createdS ?? createdS}, '');
		}
	}
	return out;
}

/**
 * `prometheus_client.openmetrics.exposition.generate_latest(registry)`: one exposition, ending in
 * `# EOF` unless `eof` is false. Concatenating several expositions is NOT valid OpenMetrics (a
 * family may appear only once, and one series' samples must stay together): to write many scrapes
 * into one file use {@link renderOpenMetricsScrape} and group its chunks (see there).
 */
export async function renderOpenMetrics(registry: Registry, options: OpenMetricsOptions & {readonly eof?: boolean} = {}): Promise<string> {
	const chunks = formatOpenMetricsScrape(await collectFamilies(registry), options);
	let out = '';
	let family: string | undefined;
	for (const chunk of chunks) {
		if (chunk.family !== family) {
			out += chunk.header;
			family = chunk.family;
		}
		out += chunk.lines;
	}
	return options.eof === false ? out : out + OPENMETRICS_EOF;
}

/** One series' lines at one scrape, with what a writer needs to group it. */
export type OpenMetricsChunk = {
	/** Family name. A family's chunks must be written together, after its header, families in first-seen order. */
	readonly family: string;
	/** The family's `# HELP` and `# TYPE` lines, to write once, before its first series. */
	readonly header: string;
	/** Identifies the series (family and labels): its chunks must be written together, in scrape order. */
	readonly seriesKey: string;
	/** This scrape's sample lines of the series, newline-terminated (a histogram child's buckets, count, sum, created). */
	readonly lines: string;
};

/**
 * Render one scrape of `registry` as OpenMetrics chunks, one per series (family child), in
 * exposition order. This is the streaming building block for a file of many timestamped scrapes
 * (e.g. for `promtool tsdb create-blocks-from openmetrics`): OpenMetrics allows each family once and
 * requires each series' samples to be contiguous, so the scrapes cannot simply be concatenated.
 * A writer with bounded memory appends each chunk's `lines` to a temporary file per `seriesKey`
 * (remembering the first-seen order of families, their `header`, and of series within a family)
 * and at the end writes, family by family, the header and then its series files, then
 * {@link OPENMETRICS_EOF}. {@link OpenMetricsAccumulator} does the same in memory.
 */
export async function renderOpenMetricsScrape(registry: Registry, options: OpenMetricsOptions = {}): Promise<OpenMetricsChunk[]> {
	return formatOpenMetricsScrape(await collectFamilies(registry), options);
}

/** The pure part of {@link renderOpenMetricsScrape}. */
export function formatOpenMetricsScrape(families: readonly PromFamily[], options: OpenMetricsOptions = {}): OpenMetricsChunk[] {
	const {createdS, timestampS} = options;
	const timestamp = timestampS === undefined ? '' : ` ${formatPythonRepr(timestampS)}`;
	const chunks: OpenMetricsChunk[] = [];
	for (const family of families) {
		const header = `# HELP ${family.name} ${escapeValue(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
		// prometheus_client writes the HELP and TYPE of a family without children too (an HTTP family before the first request).
		if (family.series.length === 0) chunks.push({family: family.name, header, seriesKey: family.name, lines: ''});
		for (const series of family.series) {
			let lines = '';
			for (const sample of series.samples) lines += sampleLine(sample, timestamp);
			if (createdS !== undefined && family.type !== 'gauge' && family.created !== false) {
				lines += sampleLine({name: `${family.name}_created`, labels: series.labels, value: series.createdS ?? createdS}, timestamp);
			}
			chunks.push({family: family.name, header, seriesKey: `${family.name}${seriesKey(series.labels)}`, lines});
		}
	}
	return chunks;
}

/**
 * Collects {@link OpenMetricsChunk}s of many scrapes and writes them as one valid OpenMetrics
 * exposition (families and series grouped, each in first-seen order, scrapes in the order added).
 * Memory grows with the whole output (scrapes × series); for hours of scrapes prefer the
 * file-per-series writer described at {@link renderOpenMetricsScrape}.
 */
export class OpenMetricsAccumulator {
	readonly #families = new Map<string, {header: string; series: Map<string, string[]>}>();

	/** Add one scrape's chunks. */
	add(chunks: readonly OpenMetricsChunk[]): void {
		for (const chunk of chunks) {
			let family = this.#families.get(chunk.family);
			if (!family) {
				family = {header: chunk.header, series: new Map()};
				this.#families.set(chunk.family, family);
			}
			let lines = family.series.get(chunk.seriesKey);
			if (!lines) {
				lines = [];
				family.series.set(chunk.seriesKey, lines);
			}
			lines.push(chunk.lines);
		}
	}

	/** The exposition so far, ending in `# EOF`. */
	toString(): string {
		let out = '';
		for (const family of this.#families.values()) {
			out += family.header;
			for (const lines of family.series.values()) out += lines.join('');
		}
		return out + OPENMETRICS_EOF;
	}
}

/** `name{k="v",...} value[ timestamp]\n`, label names sorted, values escaped, value by floatToGoString. */
function sampleLine(sample: PromSample, timestamp: string): string {
	return `${samplePrefix(sample.name, sample.labels)}${floatToGoString(sample.value)}${timestamp}\n`;
}

/** A sample line up to its value: `name{k="v",...} ` (label names sorted, values escaped), the part a series repeats at every scrape. */
export function samplePrefix(name: string, labels: Readonly<Record<string, string>>): string {
	const names = sortedNames(labels);
	let line = name;
	for (let i = 0; i < names.length; i++) line += `${i === 0 ? '{' : ','}${names[i]!}="${escapeValue(labels[names[i]!]!)}"`;
	return `${line}${names.length === 0 ? '' : '}'} `;
}

/** Backslash, newline and double quote, backslash-escaped (label values; OpenMetrics HELP). */
function escapeValue(text: string): string {
	return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}
