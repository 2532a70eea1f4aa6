/**
 * The serialising thread of `generate` (see `RecordPipeline` in record-pipeline.ts): renders each batch of records
 * it is sent into the bytes of `events.jsonl`, `requests.jsonl` and `vllm.log` and sends them back
 * with the batch's buffer, all transferred (nothing copied), in the order the batches came.
 */
import {parentPort} from 'node:worker_threads';
import {LineBuffer} from './line-buffer.js';
import {type BatchMessage, renderBatch} from './record-batch.js';

const out = {events: new LineBuffer(), requests: new LineBuffer(), log: new LineBuffer()};
const port = parentPort!;
port.on('message', (message: BatchMessage) => {
	const rendered = renderBatch(message, out);
	// LineBuffer's buffers are never from Node's shared pool, so each owns its ArrayBuffer.
	const transfer = [rendered.events.buffer, rendered.requests.buffer, rendered.log.buffer, message.buffer] as ArrayBuffer[];
	port.postMessage({...rendered, buffer: message.buffer}, transfer);
});
