import {createReadStream, createWriteStream, type WriteStream} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {OPENMETRICS_EOF, type OpenMetricsChunk} from '../metrics/prom/exposition.js';
import type {AtomicFileStream} from '../cli/io/atomic-write.js';

type SeriesSpool = {path: string; stream: WriteStream};

/**
 * Many timestamped scrapes as one valid OpenMetrics file, in constant memory: each series'
 * lines are spooled to a temporary file of their own (OpenMetrics wants every series
 * contiguous and every family once), and `finish` writes family by family, each header then its
 * series files in first-seen order, then `# EOF`.
 */
export class OpenMetricsFileWriter {
	readonly #spoolDir: string;
	readonly #families = new Map<string, {header: string; series: Map<string, SeriesSpool>}>();
	#count = 0;

	private constructor(spoolDir: string) {
		this.#spoolDir = spoolDir;
	}

	/** Spool files go in a hidden directory inside `parentDir` (same file system as the output). */
	static async create(parentDir: string): Promise<OpenMetricsFileWriter> {
		return new OpenMetricsFileWriter(await mkdtemp(join(parentDir, '.metrics-om-spool-')));
	}

	/** Append one scrape. */
	async add(chunks: readonly OpenMetricsChunk[]): Promise<void> {
		for (const chunk of chunks) {
			let family = this.#families.get(chunk.family);
			if (family === undefined) {
				family = {header: chunk.header, series: new Map()};
				this.#families.set(chunk.family, family);
			}
			let spool = family.series.get(chunk.seriesKey);
			if (spool === undefined) {
				const path = join(this.#spoolDir, `${this.#count++}.om`);
				spool = {path, stream: createWriteStream(path)};
				family.series.set(chunk.seriesKey, spool);
			}
			if (!spool.stream.write(chunk.lines)) await new Promise<void>(resolve => spool.stream.once('drain', resolve));
		}
	}

	/** Write the whole exposition to `out` and delete the spool. */
	async finish(out: AtomicFileStream): Promise<void> {
		for (const family of this.#families.values()) {
			for (const spool of family.series.values()) await closeStream(spool.stream);
		}
		for (const family of this.#families.values()) {
			await out.write(family.header);
			for (const spool of family.series.values()) {
				for await (const chunk of createReadStream(spool.path, {encoding: 'utf8'})) await out.write(chunk as string);
			}
		}
		await out.write(OPENMETRICS_EOF);
		await this.discard();
	}

	/** Delete the spool (also on failure). */
	async discard(): Promise<void> {
		for (const family of this.#families.values()) for (const spool of family.series.values()) spool.stream.destroy();
		await rm(this.#spoolDir, {recursive: true, force: true});
	}
}

function closeStream(stream: WriteStream): Promise<void> {
	return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
