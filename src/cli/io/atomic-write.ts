import {randomBytes} from 'node:crypto';
import {createWriteStream, type WriteStream} from 'node:fs';
import {rename, rm, writeFile} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';

/** A sibling temporary name, so the final rename stays on one file system and is atomic. */
export function temporaryPathFor(path: string): string {
	return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Write `content` to `path` through a temporary file and a rename: readers never see half a file. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
	const temporary = temporaryPathFor(path);
	try {
		await writeFile(temporary, content);
		await rename(temporary, path);
	} catch (error) {
		await rm(temporary, {force: true});
		throw error;
	}
}

/**
 * A streamed file that appears under its final name only on `commit()`; `abort()` (or a crash)
 * leaves at most a hidden temporary file, never a partial file with the final name.
 */
export class AtomicFileStream {
	readonly path: string;
	readonly temporaryPath: string;
	readonly #stream: WriteStream;

	constructor(path: string) {
		this.path = path;
		this.temporaryPath = temporaryPathFor(path);
		this.#stream = createWriteStream(this.temporaryPath);
	}

	/** Write a chunk; resolves once the stream can take more (back-pressure). */
	async write(chunk: string): Promise<void> {
		if (!this.#stream.write(chunk)) await new Promise<void>(resolve => this.#stream.once('drain', resolve));
	}

	async #close(): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.#stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
		});
	}

	/** Flush, close and rename into place. */
	async commit(): Promise<void> {
		await this.#close();
		await rename(this.temporaryPath, this.path);
	}

	/** Close and delete the temporary file. */
	async abort(): Promise<void> {
		await this.#close().catch(() => undefined);
		await rm(this.temporaryPath, {force: true});
	}
}
