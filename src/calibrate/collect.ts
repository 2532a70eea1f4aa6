/**
 * Line-by-line intake of calibration input: the CLI streams each source (a file, standard input,
 * a fetched `/metrics` body) through {@link CalibrationCollector}; each line is a vLLM spec-decode
 * log line (any layout), a Prometheus exposition line, or something else (ignored and counted).
 */
import {parseLogLine} from './log-line.js';
import {scrapeObservations, type SeriesFilter} from './prom-counts.js';
import {parsePromLine, ScrapeSplitter} from './prometheus.js';
import {reconstructLine} from './reconstruct.js';
import type {CalibrationWarning, Observation} from './types.js';

/** Options of {@link CalibrationCollector}. */
export type CollectOptions = {
	/** k for inputs that do not show it (V1-a/V1-b lines, scrapes without per-position series). */
	readonly assumedK?: number;
	/** Which Prometheus series to keep (summed over the rest). */
	readonly filter?: SeriesFilter;
};

/** Line counts of the intake, for the report. */
export type IntakeStats = {
	/** Source names in the order given. */
	readonly sources: readonly string[];
	/** Spec-decode log lines that parsed (used or not). */
	readonly logLines: number;
	/** Log lines with a spec-decode marker that no layout matches, plus malformed spec-decode samples. */
	readonly unparseable: number;
	/** Prometheus exposition lines seen. */
	readonly promLines: number;
	/** Prometheus scrapes holding spec-decode counters. */
	readonly scrapes: number;
	/** `DiffusionDecoding metrics:` lines (not speculative decoding; ignored). */
	readonly diffusionLines: number;
	/** Other lines (ordinary log output). */
	readonly ignoredLines: number;
};

/** What the intake produced. */
export type CollectedInput = {
	readonly observations: readonly Observation[];
	readonly warnings: readonly CalibrationWarning[];
	readonly stats: IntakeStats;
};

/** Accumulates observations from lines; see the module comment. */
export class CalibrationCollector {
	readonly #options: CollectOptions;
	readonly #observations: Observation[] = [];
	readonly #warnings: CalibrationWarning[] = [];
	readonly #splitter = new ScrapeSplitter();
	readonly #sources: string[] = [];
	#source = '';
	#logLines = 0;
	#unparseable = 0;
	#diffusion = 0;
	#ignored = 0;

	constructor(options: CollectOptions = {}) {
		this.#options = options;
	}

	/** Start reading a source (file name, `-`, URL). */
	beginSource(source: string): void {
		this.#source = source;
		this.#sources.push(source);
		this.#splitter.beginSource(source);
	}

	/** Feed one line (1-based line number within the source). */
	addLine(text: string, lineNumber: number): void {
		const origin = {source: this.#source, line: lineNumber};
		const log = parseLogLine(text);
		switch (log.kind) {
			case 'ok': {
				this.#logLines += 1;
				const {observation, warnings} = reconstructLine(
					log.printed,
					origin,
					this.#options.assumedK === undefined ? {} : {assumedK: this.#options.assumedK},
				);
				this.#warnings.push(...warnings);
				if (observation !== undefined) this.#observations.push(observation);
				return;
			}
			case 'unparseable':
				this.#unparseable += 1;
				this.#warnings.push({kind: 'unparseable', origin, message: `unparseable spec-decode line (${log.reason})`});
				return;
			case 'diffusion':
				this.#diffusion += 1;
				return;
			case 'none':
				break;
		}
		const prom = parsePromLine(text);
		if (prom.kind === 'invalid') {
			this.#unparseable += 1;
			this.#warnings.push({kind: 'unparseable', origin, message: `unparseable Prometheus sample (${prom.reason})`});
			return;
		}
		if (prom.kind === 'other') {
			if (text.trim() !== '') this.#ignored += 1;
			return;
		}
		this.#splitter.add(prom, lineNumber);
	}

	/** Finish the current source. */
	endSource(): void {
		this.#splitter.endSource();
	}

	/**
	 * Everything read so far, with the scrapes turned into observations.
	 *
	 * @throws UserError when Prometheus filters match no series.
	 */
	finish(): CollectedInput {
		const scrapes = this.#splitter.scrapes();
		const fromScrapes = scrapeObservations(scrapes, this.#options.filter ?? {}, this.#options.assumedK);
		return {
			observations: [...this.#observations, ...fromScrapes.observations],
			warnings: [...this.#warnings, ...fromScrapes.warnings],
			stats: {
				sources: [...this.#sources],
				logLines: this.#logLines,
				unparseable: this.#unparseable,
				promLines: this.#splitter.numLines,
				scrapes: scrapes.length,
				diffusionLines: this.#diffusion,
				ignoredLines: this.#ignored,
			},
		};
	}
}

/** Convenience for tests and in-memory input: collect whole texts, `{name: text}` in order. */
export function collectTexts(texts: ReadonlyArray<readonly [string, string]>, options: CollectOptions = {}): CollectedInput {
	const collector = new CalibrationCollector(options);
	for (const [name, text] of texts) {
		collector.beginSource(name);
		const lines = text.split(/\r?\n/);
		if (lines.at(-1) === '') lines.pop();
		for (const [i, line] of lines.entries()) collector.addLine(line, i + 1);
		collector.endSource();
	}
	return collector.finish();
}
