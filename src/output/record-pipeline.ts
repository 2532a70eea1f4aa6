import type {Worker} from 'node:worker_threads';
import {writeError} from './output-stream.js';
import {type BatchMessage, RecordBatchWriter} from './record-batch.js';
import {takeRecordWorker} from './record-worker-start.js';
import type {PromInit, SeriesDeclaration} from './prom-records.js';
import type {SpoolBytes} from './scrape-lines.js';

/** The three streamed files of a dataset. */
type RecordFile = 'events' | 'requests' | 'log';

/** The open file descriptors the serialising thread writes `events.jsonl`, `requests.jsonl` and `vllm.log` to. */
export type RecordFileDescriptors = Readonly<Record<RecordFile, number>>;

/** What the serialising thread is sent: first its files (and what to build its Prometheus side from, if any), then batches. */
export type RecordWorkerMessage = {readonly files: RecordFileDescriptors; readonly prom?: PromInit} | BatchMessage;

/**
 * Where a pipeline's bytes go: each streamed file by its descriptor (written on the serialising
 * thread) and the name a failure reports (the file the user asked for, not a temporary);
 * `spools` takes the `metrics.om` scrapes written to {@link RecordPipeline.records} (an
 * `OpenMetricsFileWriter`), on this thread.
 */
export type RecordSinks = {
	readonly files: Readonly<Record<RecordFile, {readonly fd: number; readonly displayPath: string}>>;
	readonly spools?: {
		writeSpools(rendered: SpoolBytes): Promise<void>;
		series(familyName: string, header: string, seriesKey: string): {readonly id: number};
	};
};

/** A write the serialising thread could not make: the file and the error, as plain data. */
export type RecordWriteFailure = {readonly file: RecordFile; readonly message: string; readonly code?: string};

/**
 * What the worker sends back for a batch: the batch's buffer, its first write failure, and the
 * scrapes' spool bytes once enough are held (always after the last batch).
 */
export type RenderedMessage = {
	readonly buffer: ArrayBuffer;
	readonly failure?: RecordWriteFailure;
	readonly spools?: SpoolBytes;
	/** `metrics.om` series the thread's scrapes saw first while reading the batch, in order (with a Prometheus side). */
	readonly series?: readonly SeriesDeclaration[];
};

/** With a Prometheus side, after the final batch's {@link RenderedMessage}: `metrics.prom`. */
export type ExpositionMessage = {readonly exposition: string};

/**
 * Batches handed to the worker and not yet written: the simulation runs ahead of the serialising
 * thread by at most this many (bounded memory; the rest of the time both cores work).
 */
const MAX_IN_FLIGHT = 4;

/** A batch buffer's size in bytes: {@link RecordPipeline.flush} hands a batch over once it holds three quarters of this. */
const BATCH_BYTES = 4 << 20;

/**
 * Values a batch holds before it is handed over. Each hand-over wakes the worker thread; on a busy
 * machine every wake-up can cost the simulation its core for a while, so batches are large (about
 * forty per virtual hour at 20 QPS, not one per chunk of virtual time). A quarter of the
 * buffer is left for the records of the chunk that crosses the mark, so a batch seldom outgrows
 * its buffer (a larger one would be allocated and copied).
 */
const BATCH_VALUES = ((BATCH_BYTES / Float64Array.BYTES_PER_ELEMENT) * 3) / 4;

/**
 * Values a batch holds before it is handed over to a worker with nothing left to do. What the
 * worker still holds when the simulation ends is on the critical path (the process waits for its
 * last bytes): a worker that keeps up gets batches of about a quarter of {@link BATCH_VALUES}, so
 * the last one takes a few milliseconds to render, not a large batch's tens.
 */
const IDLE_BATCH_VALUES = BATCH_VALUES / 4;

/**
 * `generate`'s record output on two threads: the simulation appends records to {@link records} (a
 * few numbers each, no object, no text), {@link flush} hands the batch to a worker thread that
 * serialises it (`record-worker.ts`) and writes the bytes to the files itself; only the buffer
 * (and the `metrics.om` scrapes' bytes) come back. Serialising was most of `generate`'s time; now
 * it and the writes overlap with the simulation on the second core, and the simulation's thread
 * never holds a file's bytes. The files are the same bytes whatever the timing: one worker,
 * batches rendered and written strictly in the order they were made. A failed write surfaces
 * here, from {@link flush} or {@link finish}, as a one-line error naming the file.
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
	#exposition: string | undefined;
	readonly #withProm: boolean;

	/**
	 * `prom`: the serialising thread also builds `generate`'s registry and feeds it from the
	 * Prometheus records ({@link RecordBatchWriter.promStep} and the others), takes the scrapes
	 * asked for into `sinks.spools` and renders the final exposition ({@link exposition}).
	 */
	constructor(sinks: RecordSinks, prom?: PromInit) {
		this.#sinks = sinks;
		this.#withProm = prom !== undefined;
		const {events, requests, log} = sinks.files;
		// Usually started before generate's modules were loaded (record-worker-start.ts), and ready by now.
		const {worker, failure} = takeRecordWorker();
		this.#worker = worker;
		this.#worker.on('message', (message: RenderedMessage | ExpositionMessage) => {
			if ('exposition' in message) {
				this.#exposition = message.exposition;
				this.#notify();
			} else this.#onRendered(message);
		});
		this.#worker.on('error', error => this.#fail(error));
		this.#worker.on('exit', code => {
			if (!this.#stopped) this.#fail(new Error(`the record serialising thread exited with code ${code}`));
		});
		if (failure() !== undefined) this.#fail(failure());
		const files: RecordWorkerMessage = {files: {events: events.fd, requests: requests.fd, log: log.fd}, ...(prom === undefined ? {} : {prom})};
		this.#worker.postMessage(files);
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

	#onRendered(rendered: RenderedMessage): void {
		if (rendered.failure !== undefined) {
			const {file, message, code} = rendered.failure;
			this.#error ??= writeError(Object.assign(new Error(message), code === undefined ? {} : {code}), this.#sinks.files[file].displayPath);
		}
		const sink = this.#sinks.spools;
		// Numbered now, in order, as the thread numbered them (the spool bytes below refer to them).
		if (rendered.series !== undefined && this.#error === undefined) {
			if (sink === undefined) this.#error = new Error('metrics.om series were declared to a record pipeline without a spool sink');
			else for (const [family, header, key] of rendered.series) sink.series(family, header, key);
		}
		const {spools} = rendered;
		if (spools === undefined || spools.ids.length === 0) {
			this.#returned(rendered.buffer);
			return;
		}
		this.#writing = this.#writing
			.then(async () => {
				if (this.#error !== undefined) return;
				if (sink === undefined) throw new Error('metrics.om scrapes were written to a record pipeline without a spool sink');
				await sink.writeSpools(spools);
			})
			.catch(error => {
				this.#error ??= error;
			})
			.finally(() => this.#returned(rendered.buffer));
	}

	/** A batch is done with: its buffer serves again. */
	#returned(buffer: ArrayBuffer): void {
		this.#inFlight -= 1;
		this.#spare.push(buffer);
		this.#notify();
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
	 * Hand the records written so far to the worker once they fill a batch (a quarter of one when
	 * the worker is idle; `force`: whatever there is). Waits while {@link MAX_IN_FLIGHT} batches are still being serialised or written
	 * (back-pressure from the disk reaches the simulation here). Rejects with the first write failure.
	 */
	async flush(force = false): Promise<void> {
		await this.#handOver(force, false);
	}

	async #handOver(force: boolean, final: boolean): Promise<void> {
		this.#check();
		const wanted = this.#inFlight === 0 ? IDLE_BATCH_VALUES : BATCH_VALUES;
		if (!final && (this.records.length === 0 || (!force && this.records.length < wanted))) return;
		while (this.#inFlight >= MAX_IN_FLIGHT) {
			await this.#changed();
			this.#check();
		}
		const message: BatchMessage = this.records.take(this.#spare.pop() ?? new ArrayBuffer(BATCH_BYTES), final);
		this.#worker.postMessage(message satisfies RecordWorkerMessage, [message.buffer]);
		this.#inFlight += 1;
	}

	/**
	 * `metrics.prom` as the serialising thread renders it after the final batch (with a Prometheus
	 * side, after {@link finish}), then stop the worker. Rejects with the first failure.
	 */
	async exposition(): Promise<string> {
		if (!this.#withProm) throw new Error('a record pipeline without a Prometheus side has no exposition');
		while (this.#exposition === undefined) {
			this.#check();
			await this.#changed();
		}
		await this.#stop();
		return this.#exposition;
	}

	/**
	 * Flush, wait until every batch is written, stop the worker (with a Prometheus side, once
	 * {@link exposition} has its text). Rejects with the first write failure.
	 */
	async finish(): Promise<void> {
		await this.#handOver(true, true);
		while (this.#inFlight > 0) {
			await this.#changed();
			this.#check();
		}
		if (!this.#withProm) await this.#stop();
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
