import type {Metric, Registry} from 'prom-client';
import {BucketHistogram} from '../stats/histogram.js';
import type {DirectMetric} from './direct-metric.js';

/**
 * The families of vLLM's API server that are not vLLM's own: prometheus_client's process
 * collector (`process_*`, registered in the default `REGISTRY` before vLLM's families) and the
 * default instrumentation of prometheus-fastapi-instrumentator (`http_*`, created when vLLM's
 * FastAPI app starts, after the engine's families). Names, HELP texts (trailing spaces included),
 * label names, buckets and creation order are the libraries' (docs/vllm-metrics.md).
 */

/** `prometheus_fastapi_instrumentator.metrics.default`'s `latency_highr_buckets`. */
export const HTTP_LATENCY_HIGHR_BUCKETS: readonly number[] = Object.freeze([
	0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10, 30, 60,
]);
/** `latency_lowr_buckets` of the same function. */
export const HTTP_LATENCY_LOWR_BUCKETS: readonly number[] = Object.freeze([0.1, 0.5, 1]);

/**
 * The handlers vLLM excludes from the instrumentator (`vllm/entrypoints/serve/instrumentator/metrics.py`):
 * scrapes and probes are never counted. The instrumentator matches them as regular expressions
 * searched anywhere in the route, so `/metrics` also excludes `/metrics/...`.
 */
export const HTTP_EXCLUDED_HANDLERS: readonly string[] = Object.freeze(['/metrics', '/health', '/load', '/ping', '/version', '/server_info']);

/** One request as the instrumentator's `Info` sees it when the response is complete. */
export type HttpObservation = {
	/** `request.method`. */
	readonly method: string;
	/** The matched route's path (`/v1/chat/completions`), or `none` for a path no route matches. */
	readonly handler: string;
	/** The HTTP status code; exposed grouped (`2xx`), as `should_group_status_codes` defaults to. */
	readonly status: number;
	/** Seconds from the request's arrival to the end of its response (streaming included). */
	readonly durationS: number;
	/** The request's `Content-Length` header, 0 without one. */
	readonly requestBytes: number;
	/** The response's `Content-Length` header, 0 without one (a streamed response). */
	readonly responseBytes: number;
	/** When the request was observed (Unix seconds): the `_created` of a series it creates. */
	readonly atS: number;
};

/** What prometheus_client's `ProcessCollector` reads from `/proc/<pid>/{stat,limits,fd}`. */
export type ProcessStats = {
	readonly virtualMemoryBytes: number;
	readonly residentMemoryBytes: number;
	/** Unix seconds. */
	readonly startTimeS: number;
	/** User + system CPU seconds. */
	readonly cpuSeconds: number;
	readonly openFds: number;
	readonly maxFds: number;
};

/** The API server's families in one registry. */
export type ServerProm = {
	/** Count one request, unless its handler is excluded. */
	observeHttp(request: HttpObservation): void;
};

/**
 * What a {@link ServerFamily} reads its samples with: prom-client's JSON layout, and optionally
 * just how many samples there are and their values in that order (the scrapes' fast path; the
 * count must change whenever the samples' names or labels do, as it does when a child appears).
 */
export type SampleReader = (() => JsonValue[]) & {count?: () => number; values?: (out: Float64Array) => void};

/** One sample in prom-client's JSON layout, with the creation time of its child (Unix seconds). */
export type JsonValue = {labels: Record<string, string>; value: number; metricName?: string; createdS?: number};
type JsonFamily = {name: string; help: string; type: string; values: JsonValue[]; aggregator: 'sum'; created?: false};

/**
 * A family read through prom-client's registry (`get()` in prom-client's JSON layout) but kept by
 * specsim: children carry the time they were created, and a family can opt out of `_created`
 * (prometheus_client's `*MetricFamily` objects of a custom collector have none). `read()` lists
 * the children in creation order and children are never removed, so the number of samples tells
 * their shape ({@link DirectMetric}).
 */
export class ServerFamily implements DirectMetric {
	readonly name: string;
	readonly help: string;
	readonly type: 'counter' | 'gauge' | 'histogram' | 'summary';
	readonly #read: SampleReader;
	readonly #created: boolean;

	constructor(name: string, help: string, type: ServerFamily['type'], read: SampleReader, created = true) {
		this.name = name;
		this.help = help;
		this.type = type;
		this.#read = read;
		this.#created = created;
	}

	#last: JsonValue[] = [];

	sampleShape(): number {
		if (this.#read.count !== undefined) return this.#read.count();
		this.#last = this.#read();
		return this.#last.length;
	}

	get numValues(): number {
		return this.#read.count !== undefined ? this.#read.count() : this.#last.length;
	}

	readValues(out: Float64Array): void {
		if (this.#read.values !== undefined) {
			this.#read.values(out);
			return;
		}
		const last = this.#last;
		for (let i = 0; i < last.length; i++) out[i] = last[i]!.value;
	}

	async get(): Promise<JsonFamily> {
		const family: JsonFamily = {name: this.name, help: this.help, type: this.type, values: this.#read(), aggregator: 'sum'};
		if (!this.#created) family.created = false;
		return family;
	}

	/** prom-client's registry calls it on `resetMetrics()`; these families are never reset that way. */
	reset(): void {}
}

/** Register a {@link ServerFamily} in `registry`, after every family already there. */
export function registerFamily(registry: Registry, family: ServerFamily): void {
	if (registry.getSingleMetric(family.name) !== undefined) throw new TypeError(`registry already has a metric named ${family.name}`);
	registry.registerMetric(family as unknown as Metric<string>);
}

/**
 * Register prometheus_client's process collector in `registry`: six families read from `read()`
 * at every scrape, in the collector's order; no family when `read()` returns undefined (no
 * `/proc`, as on macOS). `process_cpu_seconds_total` has no `_created` sample (a custom
 * collector's family).
 */
export function registerProcessFamilies(registry: Registry, read: () => ProcessStats | undefined): void {
	let last: ProcessStats | undefined;
	// One read per scrape: the first family reads, the others reuse it.
	const gauge = (name: string, help: string, pick: (s: ProcessStats) => number, first = false) =>
		new ServerFamily(
			name,
			help,
			'gauge',
			() => {
				if (first) last = read();
				return last === undefined ? [] : [{labels: {}, value: pick(last)}];
			},
			false,
		);
	const families = [
		gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', s => s.virtualMemoryBytes, true),
		gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', s => s.residentMemoryBytes),
		gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', s => s.startTimeS),
		new ServerFamily(
			'process_cpu_seconds',
			'Total user and system CPU time spent in seconds.',
			'counter',
			() => (last === undefined ? [] : [{labels: {}, value: last.cpuSeconds}]),
			false,
		),
		gauge('process_open_fds', 'Number of open file descriptors.', s => s.openFds),
		gauge('process_max_fds', 'Maximum number of open file descriptors.', s => s.maxFds),
	];
	for (const family of families) registerFamily(registry, family);
}

type SummaryChild = {labels: Record<string, string>; count: number; sum: number; createdS: number};
/** A histogram child of a {@link ServerFamily}; `createdS` undefined: the exposition's common creation time. */
export type HistogramChild = {labels: Record<string, string>; histogram: BucketHistogram; createdS: number | undefined};

const created = (createdAt: number | undefined): {createdS?: number} => (createdAt === undefined ? {} : {createdS: createdAt});

/**
 * The samples of histogram children in prom-client's JSON layout (buckets, `+Inf`, count, sum), and
 * for the scrapes of `generate` their number and values alone (no object per sample: a scrape
 * reads them 241 times an hour, the high-resolution latency histogram has 24 buckets).
 */
export const histogramValues = (name: string, bounds: readonly number[], children: () => Iterable<HistogramChild>): SampleReader => {
	const read = (): JsonValue[] => {
		const values: JsonValue[] = [];
		for (const {labels, histogram, createdS: at} of children()) {
			const cumulative = histogram.cumulative();
			for (const [i, le] of bounds.entries())
				values.push({labels: {...labels, le: String(le)}, value: cumulative[i]!, metricName: `${name}_bucket`, ...created(at)});
			values.push({labels: {...labels, le: '+Inf'}, value: histogram.count, metricName: `${name}_bucket`, ...created(at)});
			values.push({labels, value: histogram.count, metricName: `${name}_count`, ...created(at)});
			values.push({labels, value: histogram.sum, metricName: `${name}_sum`, ...created(at)});
		}
		return values;
	};
	const perChild = bounds.length + 3;
	let scratch = new Float64Array(bounds.length + 1);
	return Object.assign(read, {
		count(): number {
			let n = 0;
			for (const _ of children()) n += perChild;
			return n;
		},
		values(out: Float64Array): void {
			let at = 0;
			for (const {histogram} of children()) {
				if (scratch.length < histogram.counts.length) scratch = new Float64Array(histogram.counts.length);
				const cumulative = histogram.cumulative(scratch);
				for (let i = 0; i < bounds.length; i++) out[at++] = cumulative[i]!;
				out[at++] = histogram.count;
				out[at++] = histogram.count;
				out[at++] = histogram.sum;
			}
		},
	});
};

const serverProms = new WeakMap<Registry, ServerProm>();

/** The {@link ServerProm} registered in `registry` by {@link registerHttpFamilies}, if any. */
export function serverPromOf(registry: Registry): ServerProm | undefined {
	return serverProms.get(registry);
}

/**
 * Register prometheus-fastapi-instrumentator's default metrics in `registry`, as vLLM's
 * `Instrumentator(excluded_handlers=[...]).add().instrument(app)` does: `http_requests_total`
 * (`method`, `status`, `handler`), `http_request_size_bytes` and `http_response_size_bytes`
 * (summaries by `handler`, no quantiles), `http_request_duration_highr_seconds` (no labels, many
 * buckets) and `http_request_duration_seconds` (`method`, `handler`; buckets 0.1, 0.5, 1).
 * Labelled series appear with a handler's first request; the unlabelled histogram exists from the
 * start, created at `createdS` (Unix seconds; undefined: the exposition's own creation time).
 */
export function registerHttpFamilies(registry: Registry, createdS?: number): ServerProm {
	const totals = new Map<string, {labels: Record<string, string>; value: number; createdS: number}>();
	const requestSizes = new Map<string, SummaryChild>();
	const responseSizes = new Map<string, SummaryChild>();
	const highr: HistogramChild = {labels: {}, histogram: new BucketHistogram(HTTP_LATENCY_HIGHR_BUCKETS), createdS};
	const lowr = new Map<string, HistogramChild>();
	const summaryValues = (name: string, children: Map<string, SummaryChild>) => (): JsonValue[] =>
		[...children.values()].flatMap(c => [
			{labels: c.labels, value: c.count, metricName: `${name}_count`, createdS: c.createdS},
			{labels: c.labels, value: c.sum, metricName: `${name}_sum`, createdS: c.createdS},
		]);
	registerFamily(
		registry,
		new ServerFamily('http_requests_total', 'Total number of requests by method, status and handler.', 'counter', () =>
			[...totals.values()].map(t => ({labels: t.labels, value: t.value, createdS: t.createdS})),
		),
	);
	const sizeHelp = (what: string) =>
		`Content length of ${what} by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. `;
	registerFamily(
		registry,
		new ServerFamily('http_request_size_bytes', sizeHelp('incoming requests'), 'summary', summaryValues('http_request_size_bytes', requestSizes)),
	);
	registerFamily(
		registry,
		new ServerFamily('http_response_size_bytes', sizeHelp('outgoing responses'), 'summary', summaryValues('http_response_size_bytes', responseSizes)),
	);
	registerFamily(
		registry,
		new ServerFamily(
			'http_request_duration_highr_seconds',
			'Latency with many buckets but no API specific labels. Made for more accurate percentile calculations. ',
			'histogram',
			histogramValues('http_request_duration_highr_seconds', HTTP_LATENCY_HIGHR_BUCKETS, () => [highr]),
		),
	);
	registerFamily(
		registry,
		new ServerFamily(
			'http_request_duration_seconds',
			'Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ',
			'histogram',
			histogramValues('http_request_duration_seconds', HTTP_LATENCY_LOWR_BUCKETS, () => lowr.values()),
		),
	);

	/** One method, status class and handler's children (resolved once: a request then costs no string and no hashing). */
	type Route = {
		readonly total: {value: number};
		readonly requestSize: SummaryChild;
		readonly responseSize: SummaryChild;
		readonly lowr: HistogramChild;
	};
	/** Handler -> method -> status code -> its children, or null for an excluded handler. */
	const routes = new Map<string, Map<string, Map<number, Route | null>>>();
	const route = (r: HttpObservation): Route | null => {
		if (HTTP_EXCLUDED_HANDLERS.some(excluded => r.handler.includes(excluded))) return null;
		const status = `${String(r.status)[0]}xx`;
		const totalKey = `${r.method}\u0000${status}\u0000${r.handler}`;
		let total = totals.get(totalKey);
		if (total === undefined) {
			total = {labels: {method: r.method, status, handler: r.handler}, value: 0, createdS: r.atS};
			totals.set(totalKey, total);
		}
		const lowrKey = `${r.method}\u0000${r.handler}`;
		let lowrChild = lowr.get(lowrKey);
		if (lowrChild === undefined) {
			lowrChild = {labels: {method: r.method, handler: r.handler}, histogram: new BucketHistogram(HTTP_LATENCY_LOWR_BUCKETS), createdS: r.atS};
			lowr.set(lowrKey, lowrChild);
		}
		return {
			total,
			requestSize: summaryChild(requestSizes, r.handler, r.atS),
			responseSize: summaryChild(responseSizes, r.handler, r.atS),
			lowr: lowrChild,
		};
	};
	const summaryChild = (children: Map<string, SummaryChild>, handler: string, atS: number): SummaryChild => {
		let child = children.get(handler);
		if (child === undefined) {
			child = {labels: {handler}, count: 0, sum: 0, createdS: atS};
			children.set(handler, child);
		}
		return child;
	};
	const prom: ServerProm = {
		observeHttp(r: HttpObservation): void {
			let byMethod = routes.get(r.handler);
			if (byMethod === undefined) {
				byMethod = new Map();
				routes.set(r.handler, byMethod);
			}
			let byStatus = byMethod.get(r.method);
			if (byStatus === undefined) {
				byStatus = new Map();
				byMethod.set(r.method, byStatus);
			}
			let found = byStatus.get(r.status);
			if (found === undefined) {
				found = route(r);
				byStatus.set(r.status, found);
			}
			if (found === null) return;
			found.total.value += 1;
			found.requestSize.count += 1;
			found.requestSize.sum += r.requestBytes;
			found.responseSize.count += 1;
			found.responseSize.sum += r.responseBytes;
			highr.histogram.observe(r.durationS, 1);
			found.lowr.histogram.observe(r.durationS, 1);
		},
	};
	serverProms.set(registry, prom);
	return prom;
}
