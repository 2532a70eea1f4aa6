/**
 * The serialising thread of `generate` (see `RecordPipeline` in record-pipeline.ts): renders each batch of records
 * it is sent into the bytes of `events.jsonl`, `requests.jsonl` and `vllm.log` and sends them back
 * with the batch's buffer, all transferred (nothing copied), in the order the batches came. The
 * `metrics.om` scrapes in the batches are rendered too; their bytes go back once about
 * `SPOOL_BUFFER_BYTES` are held (one write per series' spool file then), and after the final batch.
 */
import {parentPort} from 'node:worker_threads';
import {LineBuffer} from './line-buffer.js';
import {type BatchMessage, renderBatch} from './record-batch.js';
import {SPOOL_BUFFER_BYTES, ScrapeLines} from './scrape-lines.js';

const out = {events: new LineBuffer(), requests: new LineBuffer(), log: new LineBuffer()};
const scrapes = new ScrapeLines();
const port = parentPort!;
port.on('message', (message: BatchMessage) => {
	const rendered = renderBatch(message, out, scrapes);
	// LineBuffer's buffers are never from Node's shared pool, so each owns its ArrayBuffer.
	const transfer = [rendered.events.buffer, rendered.requests.buffer, rendered.log.buffer, message.buffer] as ArrayBuffer[];
	if (message.final === true || scrapes.pendingBytes >= SPOOL_BUFFER_BYTES) {
		const spools = scrapes.take();
		transfer.push(spools.ids.buffer as ArrayBuffer, spools.ends.buffer as ArrayBuffer, spools.bytes.buffer as ArrayBuffer);
		port.postMessage({...rendered, buffer: message.buffer, spools}, transfer);
	} else port.postMessage({...rendered, buffer: message.buffer}, transfer);
});
