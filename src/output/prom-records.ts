import type {SleepOperation} from '../engine/faults.js';
import type {StepWork} from '../engine/step-work.js';
import type {PromShape, PromStepView, EngineFeed} from '../metrics/prom/attach.js';
import {renderText} from '../metrics/prom/exposition.js';
import {Registry} from '../metrics/prom/prom-client.js';
import {createSimulatedProm, type RefusedRequestFields, type ServerFeed, type ServerRequestFields} from '../metrics/prom/simulated-server.js';
import type {FinishedRequestFields} from '../sim/finished-request.js';
import {OpenMetricsScraper, type ScrapeSpools} from './openmetrics-scraper.js';
import type {PromRecords} from './record-batch.js';
import type {ScrapeLines} from './scrape-lines.js';

/**
 * What `generate`'s serialising thread builds its registry from (plain data, sent with the files):
 * the same registry a `Session` with the simulated server builds.
 */
export type PromInit = {
	readonly shape: PromShape;
	readonly showHiddenMetrics: boolean;
	/** Wall-clock milliseconds of virtual time 0. */
	readonly startEpochMs: number;
	/** `_created` of the HTTP families' unlabelled histogram (the session's start, Unix seconds). */
	readonly serverCreatedS: number;
	/** `_created` of the scrapes and the exposition; undefined: `--no-created`. */
	readonly createdS: number | undefined;
};

/** A series of `metrics.om` first seen on the serialising thread: the writer on the main thread numbers it next. */
export type SeriesDeclaration = readonly [familyName: string, header: string, seriesKey: string];

/**
 * Numbers series in first-seen order as `OpenMetricsFileWriter.series` does (families, then series
 * within each), and keeps the new ones for the main thread's writer, which, given them in order,
 * gives them the same numbers.
 */
export class SpoolIds implements ScrapeSpools {
	readonly lines: ScrapeLines;
	readonly #families = new Map<string, Map<string, {readonly id: number}>>();
	#count = 0;
	#declared: SeriesDeclaration[] = [];

	constructor(lines: ScrapeLines) {
		this.lines = lines;
	}

	series(familyName: string, header: string, seriesKey: string): {readonly id: number} {
		let family = this.#families.get(familyName);
		if (family === undefined) {
			family = new Map();
			this.#families.set(familyName, family);
		}
		let spool = family.get(seriesKey);
		if (spool === undefined) {
			spool = {id: this.#count++};
			family.set(seriesKey, spool);
			this.#declared.push([familyName, header, seriesKey]);
		}
		return spool;
	}

	async endScrape(): Promise<void> {}

	/** The series first seen since the last call. */
	takeDeclared(): SeriesDeclaration[] | undefined {
		if (this.#declared.length === 0) return undefined;
		const declared = this.#declared;
		this.#declared = [];
		return declared;
	}
}

/**
 * `generate`'s Prometheus side on its serialising thread: the registry (process collector, vLLM's
 * engine families, the HTTP families) fed from the batches' records by the same feeds a live
 * session's simulation feeds, its scrapes rendered for `metrics.om` at the points the simulation
 * asked for them, and at the end `metrics.prom`.
 */
export class PromRecordsFeed implements PromRecords {
	readonly spools: SpoolIds;
	readonly #registry = new Registry();
	readonly #engine: EngineFeed;
	readonly #server: ServerFeed;
	readonly #scraper: OpenMetricsScraper;
	readonly #createdS: number | undefined;
	/** The simulation's clock as of the records read (the process collector's CPU seconds). */
	#now = 0;
	#scrapeAt: number | undefined;

	constructor(init: PromInit, scrapes: ScrapeLines) {
		const epochS = (t: number): number => (init.startEpochMs + t * 1000) / 1000;
		const feeds = createSimulatedProm(init.shape, this.#registry, {
			showHiddenMetrics: init.showHiddenMetrics,
			epochS,
			now: () => this.#now,
			createdS: init.serverCreatedS,
		});
		this.#engine = feeds.engine;
		this.#server = feeds.server;
		this.#createdS = init.createdS;
		this.spools = new SpoolIds(scrapes);
		this.#scraper = new OpenMetricsScraper(this.#registry, this.spools);
	}

	step(view: PromStepView, work: StepWork | undefined): void {
		this.#engine.step(view, work);
		this.#server.step(view);
	}

	finished(engine: number, request: FinishedRequestFields & ServerRequestFields): void {
		this.#engine.finished(engine, request);
		this.#server.finished(request);
	}

	refused(spec: RefusedRequestFields, responseBytes: number): void {
		this.#server.refused(spec, responseBytes);
	}

	sleepState(engine: number, level: number): void {
		this.#engine.sleepState(engine, level);
	}

	sleepOperation(operation: SleepOperation, t: number, phase: 'begin' | 'end', durationS: number): void {
		this.#engine.sleepOperation(operation, t, phase, durationS);
	}

	eviction(engine: number, lifetimeS: number, idleS: number, gaps: ArrayLike<number>, numGaps: number): void {
		this.#engine.eviction(engine, lifetimeS, idleS, gaps, numGaps);
	}

	scrape(t: number, timestampS: number): void {
		this.#now = t;
		this.#scrapeAt = timestampS;
	}

	clock(t: number): void {
		this.#now = t;
	}

	/** Take the scrape the last records asked for, if any. */
	async takeScrape(): Promise<void> {
		const timestampS = this.#scrapeAt;
		if (timestampS === undefined) return;
		this.#scrapeAt = undefined;
		await this.#scraper.scrape(timestampS, this.#createdS);
	}

	/** `metrics.prom`: the registry's final exposition. */
	async exposition(): Promise<string> {
		return await renderText(this.#registry, this.#createdS === undefined ? {} : {createdS: this.#createdS});
	}
}
