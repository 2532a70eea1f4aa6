import type {Worker} from 'node:worker_threads';
import {type BatchMessage, RecordBatchWriter} from './record-batch.js';
import type {SpoolBytes} from './scrape-lines.js';
import {spawnWorker} from './spawn-worker.js';

/**
 * Where a pipeline's rendered bytes go, in order (an {@link OutputStream} each); `spools` takes the
 * `metrics.om` scrapes written to {@link RecordPipeline.records} (an `OpenMetricsFileWriter`).
 */
export type RecordSinks = {
	readonly events: {write(chunk: Uint8Array): Promise<void>};
	readonly requests: {write(chunk: Uint8Array): Promise<void>};
	readonly log: {write(chunk: Uint8Array): Promise<void>};
	readonly spools?: {writeSpools(rendered: SpoolBytes): Promise<void>};
};

/**
 * What the worker sends back for a batch: the three files' bytes and the batch's buffer, and the
 * scrapes' spool bytes once enough are held (always after the last batch).
 */
type Rendered = {events: Uint8Array; requests: Uint8Array; log: Uint8Array; buffer: ArrayBuffer; spools?: SpoolBytes};

/**
 * Batches handed to the worker and not yet written: the simulation runs ahead of the serialising
 * thread by at most this many (bounded memory; the rest of the time both cores work).
 */
const MAX_IN_FLIGHT = 4;

/** A batch buffer's size in bytes: {@link RecordPipeline.flush} hands a batch over once it holds this much. */
const BATCH_BYTES = 2 << 20;

/**
 * Values a batch holds before it is handed over. Each hand-over wakes the worker thread, and each
 * write of its bytes a thread of libuv's pool; on a busy machine every wake-up can cost the
 * simulation its core for a while, so batches are large (a few hundred per virtual hour at 20
 * QPS, not one per chunk of virtual time).
 */
const BATCH_VALUES = BATCH_BYTES / Float64Array.BYTES_PER_ELEMENT - 4096;

/**
 * `generate`'s record output on two threads: the simulation appends records to {@link records} (a
 * few numbers each, no object, no text), {@link flush} hands the batch to a worker thread that
 * serialises it (`record-worker.ts`), and the bytes it sends back are written here, to the
 * streams, in batch order. Serialising was most of `generate`'s time; now it overlaps with the
 * simulation on the second core. The files are the same bytes whatever the timing: one worker,
 * batches rendered and written strictly in the order they were made. File I/O stays on this
 * thread (its errors surface as before, from {@link flush} or {@link finish}).
 */
export class RecordPipeline {
	/** Where the simulation writes records; handed over at each {@link flush}. */
	readonly records = new RecordBatchWriter(new ArrayBuffer(BATCH_BYTES));
	readonly #worker: Worker;
	readonly #sinks: RecordSinks;
	readonly #spare: ArrayBuffer[] = [];
	#inFlight = 0;
	#writing: Promise<void> = Promise.resolve();
	#error: unknown;
	#stopped = false;
	#wake: (() => void) | undefined;

	constructor(sinks: RecordSinks) {
		this.#sinks = sinks;
		this.#worker = spawnWorker(import.meta.url, 'record-worker');
		this.#worker.on('message', (rendered: Rendered) => this.#onRendered(rendered));
		this.#worker.on('error', error => this.#fail(error));
		this.#worker.on('exit', code => {
			if (!this.#stopped) this.#fail(new Error(`the record serialising thread exited with code ${code}`));
		});
	}

	#fail(error: unknown): void {
		this.#error ??= error;
		this.#notify();
	}

	#notify(): void {
		const wake = this.#wake;
		this.#wake = undefined;
		wake?.();
	}

	#onRendered(rendered: Rendered): void {
		const sinks = this.#sinks;
		this.#writing = this.#writing
			.then(async () => {
				if (this.#error !== undefined) return;
				if (rendered.events.length > 0) await sinks.events.write(rendered.events);
				if (rendered.requests.length > 0) await sinks.requests.write(rendered.requests);
				if (rendered.log.length > 0) await sinks.log.write(rendered.log);
				if (rendered.spools !== undefined && rendered.spools.ids.length > 0) {
					if (sinks.spools === undefined) throw new Error('metrics.om scrapes were written to a record pipeline without a spool sink');
					await sinks.spools.writeSpools(rendered.spools);
				}
			})
			.catch(error => {
				this.#error ??= error;
			})
			.finally(() => {
				this.#inFlight -= 1;
				this.#spare.push(rendered.buffer);
				this.#notify();
			});
	}

	async #changed(): Promise<void> {
		await new Promise<void>(resolve => {
			this.#wake = resolve;
		});
	}

	#check(): void {
		if (this.#error !== undefined) throw this.#error;
	}

	/**
	 * Hand the records written so far to the worker once they fill a batch (`force`: whatever
	 * there is). Waits while {@link MAX_IN_FLIGHT} batches are still being serialised or written
	 * (back-pressure from the disk reaches the simulation here). Rejects with the first write failure.
	 */
	async flush(force = false): Promise<void> {
		await this.#handOver(force, false);
	}

	async #handOver(force: boolean, final: boolean): Promise<void> {
		this.#check();
		if (!final && (this.records.length === 0 || (!force && this.records.length < BATCH_VALUES))) return;
		while (this.#inFlight >= MAX_IN_FLIGHT) {
			await this.#changed();
			this.#check();
		}
		const message: BatchMessage = this.records.take(this.#spare.pop() ?? new ArrayBuffer(BATCH_BYTES), final);
		this.#worker.postMessage(message, [message.buffer]);
		this.#inFlight += 1;
	}

	/** Flush, wait until every batch is written, stop the worker. Rejects with the first write failure. */
	async finish(): Promise<void> {
		await this.#handOver(true, true);
		while (this.#inFlight > 0) {
			await this.#changed();
			this.#check();
		}
		await this.#stop();
	}

	/** Stop the worker without writing what is pending; never rejects. */
	async destroy(): Promise<void> {
		this.#error ??= new Error('destroyed');
		await this.#stop();
		await this.#writing;
	}

	async #stop(): Promise<void> {
		if (this.#stopped) return;
		this.#stopped = true;
		await this.#worker.terminate();
	}
}
