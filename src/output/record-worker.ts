/**
 * The serialising thread of `generate` (see `RecordPipeline` in record-pipeline.ts): renders each
 * batch of records it is sent into the bytes of `events.jsonl`, `requests.jsonl` and `vllm.log`
 * and writes them itself, to the files whose descriptors its first message gives, in the order the
 * batches came; then it sends the batch's buffer back (transferred, nothing copied), with the
 * first write failure if there was one. The `metrics.om` scrapes in the batches are rendered too;
 * their bytes go back to the main thread once about `SPOOL_BUFFER_BYTES` are held, and after the
 * final batch. The three line buffers are reused from batch to batch: nothing is allocated per
 * batch, and no file's bytes ever reach the simulation's thread (whose garbage collector they
 * kept busy: every buffer it received counted as memory to reclaim).
 */
import {parentPort} from 'node:worker_threads';
import {LineBuffer} from './line-buffer.js';
import {PromRecordsFeed} from './prom-records.js';
import {type BatchMessage, type BatchOutput, renderBatchInto} from './record-batch.js';
import type {ExpositionMessage, RecordFileDescriptors, RecordWorkerMessage, RecordWriteFailure, RenderedMessage} from './record-pipeline.js';
import {SPOOL_BUFFER_BYTES, ScrapeLines} from './scrape-lines.js';

/** The files, from the pipeline's first message (the thread may start before they are open). */
let fds: RecordFileDescriptors = {events: -1, requests: -1, log: -1};
const out: BatchOutput = {events: new LineBuffer(1 << 20), requests: new LineBuffer(1 << 20), log: new LineBuffer(1 << 16)};
const scrapes = new ScrapeLines();
const port = parentPort!;
/** After a failed write nothing more is written (the run is over; the main thread cleans up). */
let failed = false;
/** The Prometheus side, when the pipeline's first message asked for one. */
let prom: PromRecordsFeed | undefined;
/** Batches are read one after the other: a scrape in one is taken (asynchronously) before reading on. */
let reading: Promise<void> = Promise.resolve();

/** Write the three buffers to their files; the first failure, as plain data the main thread can rebuild. */
function writeFiles(): RecordWriteFailure | undefined {
	for (const file of ['events', 'requests', 'log'] as const) {
		try {
			out[file].writeTo(fds[file]);
		} catch (error) {
			const {code, message} = error as NodeJS.ErrnoException;
			return {file, message, ...(code === undefined ? {} : {code})};
		}
	}
	return undefined;
}

port.on('message', (received: RecordWorkerMessage) => {
	if ('files' in received) {
		fds = received.files;
		if (received.prom !== undefined) prom = new PromRecordsFeed(received.prom, scrapes);
		return;
	}
	// A failure here (a bug, not a write) ends the thread with an uncaught error: the pipeline reports it.
	reading = reading.then(async () => {
		await read(received);
	});
});

async function read(message: BatchMessage): Promise<void> {
	if (failed) {
		port.postMessage({buffer: message.buffer} satisfies RenderedMessage, [message.buffer]);
		return;
	}
	let at = 0;
	do {
		at = renderBatchInto(message, out, prom, at);
		await prom?.takeScrape();
	} while (at < message.length);
	let reply: RenderedMessage = {buffer: message.buffer};
	const failure = writeFiles();
	if (failure !== undefined) {
		failed = true;
		reply = {...reply, failure};
	}
	const series = prom?.spools.takeDeclared();
	if (series !== undefined) reply = {...reply, series};
	const transfer: ArrayBuffer[] = [message.buffer];
	if (message.final === true || scrapes.pendingBytes >= SPOOL_BUFFER_BYTES) {
		const spools = scrapes.take();
		transfer.push(spools.ids.buffer as ArrayBuffer, spools.ends.buffer as ArrayBuffer, spools.bytes.buffer as ArrayBuffer);
		reply = {...reply, spools};
	}
	port.postMessage(reply, transfer);
	// metrics.prom after the last batch's reply: the main thread finishes metrics.om meanwhile.
	if (message.final === true && prom !== undefined && !failed) port.postMessage({exposition: await prom.exposition()} satisfies ExpositionMessage);
}
