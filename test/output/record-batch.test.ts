import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {type RenderedBatch, RecordBatchWriter, renderBatch} from '../../src/output/record-batch.js';
import {type Item, item, expectedFiles, writeItem} from './records.js';

/** Render every batch of `batches` (each a list of records) through one writer whose buffer starts tiny, so it grows. */
function roundTrip(batches: readonly (readonly Item[])[]): {events: string; requests: string; log: string} {
	const writer = new RecordBatchWriter(new ArrayBuffer(16));
	const files = {events: '', requests: '', log: ''};
	const add = (rendered: RenderedBatch): void => {
		for (const key of ['events', 'requests', 'log'] as const) files[key] += Buffer.from(rendered[key]).toString('utf8');
	};
	for (const batch of batches) {
		for (const record of batch) writeItem(writer, record);
		add(renderBatch(writer.take(new ArrayBuffer(8))));
	}
	return files;
}

describe('record batches (generate hands records to its serialising thread this way)', () => {
	test.prop([fc.array(fc.array(item, {maxLength: 30}), {maxLength: 6})], {numRuns: 300, seed: 20261201})(
		'render to the bytes JSON.stringify gives for the same records, in order, whatever the batching',
		batches => {
			expect(roundTrip(batches)).toEqual(expectedFiles(batches.flat()));
		},
	);

	it('an empty batch renders to nothing', () => {
		const writer = new RecordBatchWriter();
		const message = writer.take(new ArrayBuffer(8));
		expect(message.length).toBe(0);
		const rendered = renderBatch(message);
		expect([rendered.events.length, rendered.requests.length, rendered.log.length]).toEqual([0, 0, 0]);
	});

	it('refuses a batch it cannot read instead of writing garbage', () => {
		expect(() => renderBatch({buffer: new Float64Array([99, 1, 2]).buffer, length: 3, strings: []})).toThrow(/unknown opcode 99 at 0/);
	});
});
