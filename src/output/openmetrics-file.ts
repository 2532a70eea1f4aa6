import {createReadStream} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {OPENMETRICS_EOF, type OpenMetricsChunk} from '../metrics/prom/exposition.js';
import {OutputStream, writeError} from './output-stream.js';
import {SPOOL_BUFFER_BYTES, ScrapeLines, type SpoolBytes} from './scrape-lines.js';

/** One series' spool file and the lines held for it; `id` names it in {@link ScrapeLines} frames. */
export type SeriesSpool = {readonly id: number; path: string; stream: OutputStream; pending: string};

/**
 * Scrape lines held in memory before they go to the spool files. A scrape adds a few lines to each
 * of hundreds of series: writing each at once costs a system call per series per scrape. Held
 * until this many bytes (UTF-16 code units) wait over all series, they go out as one write per series.
 */
const SPOOL_BUFFER_CHARS = 1 << 20;

/**
 * Many timestamped scrapes as one valid OpenMetrics file, in constant memory (at most
 * {@link SPOOL_BUFFER_CHARS} held): each series' lines are spooled to a temporary file of their own (OpenMetrics wants every series
 * contiguous and every family once), and `finish` writes family by family, each header then its
 * series files in first-seen order, then `# EOF`.
 */
export class OpenMetricsFileWriter {
	readonly #spoolDir: string;
	readonly #displayPath: string;
	readonly #families = new Map<string, {header: string; series: Map<string, SeriesSpool>}>();
	readonly #spools: SeriesSpool[] = [];
	#count = 0;
	#pendingChars = 0;
	#discarded = false;
	/**
	 * Scrape frames rendered on this thread (an `OpenMetricsScraper` given no other target): their
	 * bytes are held here and written with the held lines.
	 */
	readonly lines = new ScrapeLines();

	private constructor(spoolDir: string, displayPath: string) {
		this.#spoolDir = spoolDir;
		this.#displayPath = displayPath;
	}

	/**
	 * Spool files go in a hidden directory inside `parentDir` (same file system as the output).
	 * Failures are reported as writing `displayPath`, the file the user asked for.
	 */
	static async create(parentDir: string, displayPath: string): Promise<OpenMetricsFileWriter> {
		try {
			return new OpenMetricsFileWriter(await mkdtemp(join(parentDir, '.metrics-om-spool-')), displayPath);
		} catch (error) {
			throw writeError(error, displayPath);
		}
	}

	/** Append one scrape. */
	async add(chunks: readonly OpenMetricsChunk[]): Promise<void> {
		for (const chunk of chunks) this.append(this.series(chunk.family, chunk.header, chunk.seriesKey), chunk.lines);
		await this.endScrape();
	}

	/**
	 * The spool of one series (created on first use: families and series keep their first-seen
	 * order), for {@link append}. A caller that remembers it saves two map lookups per series per scrape.
	 */
	series(familyName: string, header: string, seriesKey: string): SeriesSpool {
		this.#refuseIfDiscarded();
		let family = this.#families.get(familyName);
		if (family === undefined) {
			family = {header, series: new Map()};
			this.#families.set(familyName, family);
		}
		let spool = family.series.get(seriesKey);
		if (spool === undefined) {
			const id = this.#count++;
			const path = join(this.#spoolDir, `${id}.om`);
			spool = {id, path, stream: new OutputStream(path, this.#displayPath), pending: ''};
			family.series.set(seriesKey, spool);
			this.#spools.push(spool);
		}
		return spool;
	}

	/** Append one scrape's lines of a series (held in memory until {@link endScrape} finds enough). */
	append(spool: SeriesSpool, lines: string): void {
		this.#refuseIfDiscarded();
		spool.pending += lines;
		this.#pendingChars += lines.length;
	}

	/** After a scrape's lines: write the held lines out once there are enough of them. */
	async endScrape(): Promise<void> {
		if (this.#pendingChars >= SPOOL_BUFFER_CHARS || this.lines.pendingBytes >= SPOOL_BUFFER_BYTES) await this.#flush();
	}

	/**
	 * Append rendered scrape bytes ({@link ScrapeLines.take}, here or from the serialising thread)
	 * to their series' spool files: one write per series, all at once.
	 */
	async writeSpools(rendered: SpoolBytes): Promise<void> {
		this.#refuseIfDiscarded();
		const {ids, ends, bytes} = rendered;
		const writes: Array<Promise<void>> = [];
		for (let i = 0; i < ids.length; i++) writes.push(this.#spools[ids[i]!]!.stream.write(bytes.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!)));
		await Promise.all(writes);
	}

	#refuseIfDiscarded(): void {
		if (this.#discarded) throw writeError(Object.assign(new Error('the spool was discarded'), {code: 'ERR_STREAM_DESTROYED'}), this.#displayPath);
	}

	/** Write every series' held lines to its spool file. */
	async #flush(): Promise<void> {
		if (this.lines.pendingBytes > 0) await this.writeSpools(this.lines.take());
		this.#pendingChars = 0;
		for (const family of this.#families.values()) {
			for (const spool of family.series.values()) {
				if (spool.pending === '') continue;
				const lines = spool.pending;
				spool.pending = '';
				await spool.stream.write(lines);
			}
		}
	}

	/** Write the whole exposition to `out` and delete the spool. */
	async finish(out: Pick<OutputStream, 'write'>): Promise<void> {
		await this.#flush();
		// Closed all at once (one after the other, each close waited for a round trip to the disk thread).
		await Promise.all([...this.#families.values()].flatMap(family => [...family.series.values()].map(spool => spool.stream.end())));
		for (const family of this.#families.values()) {
			await out.write(family.header);
			for (const spool of family.series.values()) {
				try {
					// Bytes as they are: no decoding to a string and encoding back.
					for await (const chunk of createReadStream(spool.path)) await out.write(chunk as Buffer);
				} catch (error) {
					throw writeError(error, this.#displayPath);
				}
			}
		}
		await out.write(OPENMETRICS_EOF);
		await this.discard();
	}

	/**
	 * Delete the spool (also on failure, also while writes of a scrape are still in flight): every
	 * spool stream is destroyed and closed before the directory goes, so no write lands in a deleted
	 * directory and no late error escapes.
	 */
	async discard(): Promise<void> {
		this.#discarded = true;
		const streams = [...this.#families.values()].flatMap(family => [...family.series.values()].map(spool => spool.stream));
		await Promise.all(streams.map(stream => stream.destroy()));
		await rm(this.#spoolDir, {recursive: true, force: true});
	}
}
