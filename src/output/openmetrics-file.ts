import {createReadStream} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {OPENMETRICS_EOF, type OpenMetricsChunk} from '../metrics/prom/exposition.js';
import {OutputStream, writeError} from './output-stream.js';
import {SPOOL_BUFFER_BYTES, ScrapeLines, type SpoolBytes} from './scrape-lines.js';

/**
 * One series: its bytes held in memory, or once the writer spilled, its spool file; `id` names it
 * in {@link ScrapeLines} frames. Opaque outside this module.
 */
export type SeriesSpool = {readonly id: number; held: Uint8Array[]; stream: OutputStream | undefined; pending: string};

/**
 * Scrape lines held as strings before they are added to the series' bytes (the general path,
 * {@link OpenMetricsFileWriter.add}): converted in bulk, as {@link SPOOL_BUFFER_BYTES} for rendered bytes.
 */
const SPOOL_BUFFER_CHARS = 1 << 20;

/**
 * Bytes of scrapes the writer keeps in memory before it spills them to spool files. An hour of the
 * default preset at 20 QPS (about 12 MiB) stays below it and never touches the disk before
 * `metrics.om` itself: no spool file per series to create, write, read back and delete. Small, as
 * the process's memory must not grow with the simulated duration by more than this.
 */
export const DEFAULT_MEMORY_BYTES = 16 << 20;

/**
 * Many timestamped scrapes as one valid OpenMetrics file, in constant memory: OpenMetrics wants
 * every series contiguous and every family once, so each series' lines are kept apart until
 * `finish` writes family by family, each header then its series in first-seen order, then `# EOF`.
 * They are kept in memory up to a bound ({@link DEFAULT_MEMORY_BYTES}); beyond it every series
 * gets a temporary spool file of its own and its lines go there (at most
 * {@link SPOOL_BUFFER_BYTES} or {@link SPOOL_BUFFER_CHARS} held before each write).
 */
export class OpenMetricsFileWriter {
	readonly #parentDir: string;
	readonly #displayPath: string;
	readonly #memoryBytes: number;
	readonly #families = new Map<string, {header: string; series: Map<string, SeriesSpool>}>();
	readonly #spools: SeriesSpool[] = [];
	#pendingChars = 0;
	#heldBytes = 0;
	/** The spool directory, once the held bytes went over the bound. */
	#spoolDir: Promise<string> | undefined;
	#discarded = false;
	/**
	 * Scrape frames rendered on this thread (an `OpenMetricsScraper` given no other target): their
	 * bytes are held here and added with the held lines.
	 */
	readonly lines = new ScrapeLines();

	private constructor(parentDir: string, displayPath: string, memoryBytes: number) {
		this.#parentDir = parentDir;
		this.#displayPath = displayPath;
		this.#memoryBytes = memoryBytes;
	}

	/**
	 * Spool files, if any, go in a hidden directory inside `parentDir` (same file system as the
	 * output). Failures are reported as writing `displayPath`, the file the user asked for.
	 * `memoryBytes`: what is held in memory before spilling (tests spill at once with 0).
	 */
	static async create(parentDir: string, displayPath: string, memoryBytes = DEFAULT_MEMORY_BYTES): Promise<OpenMetricsFileWriter> {
		return new OpenMetricsFileWriter(parentDir, displayPath, memoryBytes);
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
			spool = {id: this.#spools.length, held: [], stream: undefined, pending: ''};
			family.series.set(seriesKey, spool);
			this.#spools.push(spool);
		}
		return spool;
	}

	/** Append one scrape's lines of a series (held until {@link endScrape} finds enough). */
	append(spool: SeriesSpool, lines: string): void {
		this.#refuseIfDiscarded();
		spool.pending += lines;
		this.#pendingChars += lines.length;
	}

	/** After a scrape's lines: move the held lines on once there are enough of them. */
	async endScrape(): Promise<void> {
		if (this.#pendingChars >= SPOOL_BUFFER_CHARS || this.lines.pendingBytes >= SPOOL_BUFFER_BYTES) await this.#flush();
	}

	/**
	 * Append rendered scrape bytes ({@link ScrapeLines.take}, here or from the serialising thread)
	 * to their series: held in memory, or written to the spool files (one write per series, all at once).
	 */
	async writeSpools(rendered: SpoolBytes): Promise<void> {
		this.#refuseIfDiscarded();
		const {ids, ends, bytes} = rendered;
		for (let i = 0; i < ids.length; i++) this.#hold(this.#spools[ids[i]!]!, bytes.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!));
		if (this.#spoolDir !== undefined || this.#heldBytes > this.#memoryBytes) await this.#spill();
	}

	#hold(spool: SeriesSpool, bytes: Uint8Array): void {
		if (bytes.length === 0) return;
		spool.held.push(bytes);
		this.#heldBytes += bytes.length;
	}

	/** Write every series' held bytes to its spool file (created at the first spill). */
	async #spill(): Promise<void> {
		let dir: string;
		try {
			this.#spoolDir ??= mkdtemp(join(this.#parentDir, '.metrics-om-spool-'));
			dir = await this.#spoolDir;
		} catch (error) {
			throw writeError(error, this.#displayPath);
		}
		this.#refuseIfDiscarded();
		const writes: Array<Promise<void>> = [];
		for (const spool of this.#spools) {
			spool.stream ??= new OutputStream(join(dir, `${spool.id}.om`), this.#displayPath);
			if (spool.held.length === 0) continue;
			// One write per series (each write that must wait for the disk adds listeners to its stream).
			const bytes = spool.held.length === 1 ? spool.held[0]! : Buffer.concat(spool.held);
			spool.held = [];
			writes.push(spool.stream.write(bytes));
		}
		this.#heldBytes = 0;
		await Promise.all(writes);
	}

	#refuseIfDiscarded(): void {
		if (this.#discarded) throw writeError(Object.assign(new Error('the spool was discarded'), {code: 'ERR_STREAM_DESTROYED'}), this.#displayPath);
	}

	/** Move every series' held lines on (to its bytes, and to its spool file once spilled). */
	async #flush(): Promise<void> {
		if (this.lines.pendingBytes > 0) await this.writeSpools(this.lines.take());
		if (this.#pendingChars === 0) return;
		this.#pendingChars = 0;
		for (const spool of this.#spools) {
			if (spool.pending === '') continue;
			this.#hold(spool, Buffer.from(spool.pending, 'utf8'));
			spool.pending = '';
		}
		if (this.#spoolDir !== undefined || this.#heldBytes > this.#memoryBytes) await this.#spill();
	}

	/** Write the whole exposition to `out` and delete the spool. */
	async finish(out: Pick<OutputStream, 'write' | 'writeAll'>): Promise<void> {
		await this.#flush();
		if (this.#spoolDir === undefined) {
			// All in memory: the held pieces as they are, in one vectored write (an hour's 12 MiB were
			// copied into one buffer per family first, at the end of the run).
			const parts: Uint8Array[] = [];
			for (const family of this.#families.values()) {
				parts.push(Buffer.from(family.header, 'utf8'));
				for (const spool of family.series.values()) for (const held of spool.held) parts.push(held);
			}
			await out.writeAll(parts);
		} else {
			// Closed all at once (one after the other, each close waited for a round trip to the disk thread).
			await Promise.all(this.#spools.map(spool => spool.stream?.end()));
			const dir = await this.#spoolDir;
			for (const family of this.#families.values()) {
				await out.write(family.header);
				for (const spool of family.series.values()) {
					try {
						// Bytes as they are: no decoding to a string and encoding back.
						for await (const chunk of createReadStream(join(dir, `${spool.id}.om`))) await out.write(chunk as Buffer);
					} catch (error) {
						throw writeError(error, this.#displayPath);
					}
				}
			}
		}
		await out.write(OPENMETRICS_EOF);
		await this.discard();
	}

	/**
	 * Drop what is held and delete the spool (also on failure, also while writes of a scrape are
	 * still in flight): every spool stream is destroyed and closed before the directory goes, so
	 * no write lands in a deleted directory and no late error escapes.
	 */
	async discard(): Promise<void> {
		this.#discarded = true;
		for (const spool of this.#spools) spool.held = [];
		this.#heldBytes = 0;
		await Promise.all(this.#spools.map(spool => spool.stream?.destroy()));
		const dir = await this.#spoolDir?.catch(() => undefined);
		if (dir !== undefined) await rm(dir, {recursive: true, force: true});
	}
}
