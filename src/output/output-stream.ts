import {createWriteStream, type WriteStream} from 'node:fs';
import {EXIT_RUNTIME, UserError} from '../util/user-error.js';
import {describeFsError} from '../util/fs-error.js';

/**
 * An I/O failure while writing `path` as one line for the user (`no space left on device writing
 * out/events.jsonl`), exit 1. `path` is the name the user knows (the final file), not a temporary.
 */
export function writeError(error: unknown, path: string): UserError {
	if (error instanceof UserError) return error;
	return new UserError(`${describeFsError(error)} writing ${path}`, EXIT_RUNTIME);
}

/**
 * Bytes a dataset file's stream may hold before {@link OutputStream.write} waits for the disk.
 * With Node's 16 KiB default `generate` waited for a write round trip at almost every flush, the
 * simulation standing still while the disk wrote; a few MiB let the writes overlap the
 * simulation, and memory stays bounded.
 */
export const DATASET_HIGH_WATER_MARK = 4 << 20;

/**
 * A file write stream that never raises an unhandled `'error'` event. A bare `fs.WriteStream`
 * emits `'error'` for a failed open, a full disk, or a write that was still in flight when it was
 * destroyed (`ERR_STREAM_DESTROYED`); with no listener, Node turns that into an uncaught exception
 * and a stack trace. Here the first error is kept and surfaces, as a {@link UserError} naming
 * `displayPath`, from the next `write` or `end`; `destroy` waits until the file is closed, so a
 * caller can delete it right after.
 */
export class OutputStream {
	readonly displayPath: string;
	readonly #stream: WriteStream;
	#error: unknown;
	#closed = false;
	readonly #whenClosed: Promise<void>;

	/** `highWaterMark`: bytes held before {@link write} waits (Node's default unless given). */
	constructor(path: string, displayPath = path, highWaterMark?: number) {
		this.displayPath = displayPath;
		this.#stream = createWriteStream(path, highWaterMark === undefined ? {} : {highWaterMark});
		this.#stream.on('error', error => {
			this.#error ??= error;
		});
		this.#whenClosed = new Promise(resolve =>
			this.#stream.once('close', () => {
				this.#closed = true;
				resolve();
			}),
		);
	}

	#fail(): UserError {
		return writeError(this.#error ?? Object.assign(new Error('closed'), {code: 'ERR_STREAM_DESTROYED'}), this.displayPath);
	}

	/** Write a chunk; resolves once the stream can take more (back-pressure), rejects if the file failed. */
	async write(chunk: string | Uint8Array): Promise<void> {
		if (this.#error !== undefined || this.#closed || this.#stream.destroyed) throw this.#fail();
		if (!this.#stream.write(chunk)) await this.#drained();
	}

	/**
	 * Write `chunks` in order as one vectored write (the stream corked while they are added): no
	 * copy of them into one buffer first. Resolves as {@link write} does.
	 */
	async writeAll(chunks: readonly Uint8Array[]): Promise<void> {
		if (this.#error !== undefined || this.#closed || this.#stream.destroyed) throw this.#fail();
		this.#stream.cork();
		let room = true;
		for (const chunk of chunks) room = this.#stream.write(chunk);
		this.#stream.uncork();
		if (!room) await this.#drained();
	}

	/** Resolves once the stream can take more, rejects if the file failed. */
	async #drained(): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			const done = (): void => {
				this.#stream.off('drain', done);
				this.#stream.off('error', done);
				this.#stream.off('close', done);
				if (this.#error !== undefined || this.#stream.destroyed) reject(this.#fail());
				else resolve();
			};
			this.#stream.on('drain', done);
			this.#stream.on('error', done);
			this.#stream.on('close', done);
		});
	}

	/** Flush everything and close the file; rejects if any write failed. */
	async end(): Promise<void> {
		if (this.#error !== undefined || this.#stream.destroyed) {
			await this.destroy();
			throw this.#fail();
		}
		this.#stream.end();
		await this.#whenClosed;
		if (this.#error !== undefined) throw this.#fail();
	}

	/** Drop pending writes and close the file; never rejects. Resolves once the file descriptor is closed. */
	async destroy(): Promise<void> {
		if (!this.#closed) this.#stream.destroy();
		await this.#whenClosed;
	}
}
