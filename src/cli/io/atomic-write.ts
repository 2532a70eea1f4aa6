import {randomBytes} from 'node:crypto';
import {rename, rm, writeFile} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {OutputStream, writeError} from '../../output/output-stream.js';

/** A sibling temporary name, so the final rename stays on one file system and is atomic. */
export function temporaryPathFor(path: string): string {
	return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Write `content` to `path` through a temporary file and a rename: readers never see half a file.
 * A failure (full disk, missing directory) removes the temporary and becomes a one-line
 * {@link UserError} naming `displayPath` (exit 1).
 */
export async function writeFileAtomic(path: string, content: string, displayPath = path): Promise<void> {
	const temporary = temporaryPathFor(path);
	try {
		await writeFile(temporary, content);
		await rename(temporary, path);
	} catch (error) {
		await rm(temporary, {force: true});
		throw writeError(error, displayPath);
	}
}

/**
 * A streamed file that appears under its final name only on `commit()`; `abort()` (or a crash)
 * leaves at most a hidden temporary file, never a partial file with the final name. Failures are
 * one-line {@link UserError}s naming `displayPath`.
 */
export class AtomicFileStream {
	readonly path: string;
	readonly temporaryPath: string;
	readonly #stream: OutputStream;

	constructor(path: string, displayPath = path) {
		this.path = path;
		this.temporaryPath = temporaryPathFor(path);
		this.#stream = new OutputStream(this.temporaryPath, displayPath);
	}

	/** Write a chunk; resolves once the stream can take more (back-pressure). */
	write(chunk: string): Promise<void> {
		return this.#stream.write(chunk);
	}

	/** Flush, close and rename into place. */
	async commit(): Promise<void> {
		await this.#stream.end();
		try {
			await rename(this.temporaryPath, this.path);
		} catch (error) {
			throw writeError(error, this.#stream.displayPath);
		}
	}

	/** Close (dropping pending writes) and delete the temporary file. */
	async abort(): Promise<void> {
		await this.#stream.destroy();
		await rm(this.temporaryPath, {force: true});
	}
}
