import {fc} from '@fast-check/vitest';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {RecordPipeline, type RecordSinks} from '../../src/output/record-pipeline.js';
import {expectedFiles, item, writeItem} from './records.js';

type Files = {events: string; requests: string; log: string};

/** Sinks that keep what is written, each write taking a turn of the event loop (as a file write does). */
function memorySinks(failOn?: {file: keyof Files; write: number; error: Error}): {sinks: RecordSinks; files: Files} {
	const files: Files = {events: '', requests: '', log: ''};
	const writes = {events: 0, requests: 0, log: 0};
	const sink = (file: keyof Files) => ({
		async write(chunk: Uint8Array): Promise<void> {
			await new Promise(resolve => setImmediate(resolve));
			writes[file] += 1;
			if (failOn?.file === file && writes[file] === failOn.write) throw failOn.error;
			files[file] += Buffer.from(chunk).toString('utf8');
		},
	});
	return {sinks: {events: sink('events'), requests: sink('requests'), log: sink('log')}, files};
}

let escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
beforeEach(() => {
	escaped = [];
	process.on('unhandledRejection', onEscape);
});
afterEach(async () => {
	await new Promise(resolve => setTimeout(resolve, 20));
	process.off('unhandledRejection', onEscape);
	expect(escaped).toEqual([]);
});

/** Many small batches (each handed over by `flush(true)`): more than the pipeline keeps in flight, so the simulation side has to wait for the worker. */
const batches = fc.sample(fc.array(item, {minLength: 1, maxLength: 40}), {numRuns: 60, seed: 20261201});

describe('RecordPipeline (generate serialising on a worker thread)', () => {
	it('writes the bytes JSON.stringify gives for the records, in the order they were made, across many batches', async () => {
		const {sinks, files} = memorySinks();
		const pipeline = new RecordPipeline(sinks);
		for (const batch of batches) {
			for (const record of batch) writeItem(pipeline.records, record);
			await pipeline.flush(true);
		}
		await pipeline.finish();
		expect(files).toEqual(expectedFiles(batches.flat()));
	});

	it('a failed write surfaces from flush or finish, and later bytes are not written', async () => {
		const error = new Error('no space left on device writing out/requests.jsonl');
		const {sinks, files} = memorySinks({file: 'requests', write: 3, error});
		const pipeline = new RecordPipeline(sinks);
		const run = async (): Promise<void> => {
			for (const batch of batches) {
				writeItem(pipeline.records, {kind: 'request', request: REQUEST, engine: 99, k: 2});
				for (const record of batch) writeItem(pipeline.records, record);
				await pipeline.flush(true);
			}
			await pipeline.finish();
		};
		await expect(run()).rejects.toBe(error);
		await pipeline.destroy();
		// Two batches' requests made it; the third failed and nothing after it was written.
		expect(files.requests.split('\n').filter(line => line.startsWith('{"id":123456789,"engine":99,')).length).toBe(2);
	});

	it('flush hands nothing over until a batch is full; finish hands over the rest', async () => {
		const {sinks, files} = memorySinks();
		const pipeline = new RecordPipeline(sinks);
		writeItem(pipeline.records, {kind: 'log', line: 'one line\n'});
		await pipeline.flush();
		expect(pipeline.records.length).toBe(2);
		await pipeline.finish();
		expect(files.log).toBe('one line\n');
	});

	it('destroy stops the worker without writing what is pending and never rejects', async () => {
		const {sinks, files} = memorySinks();
		const pipeline = new RecordPipeline(sinks);
		writeItem(pipeline.records, {kind: 'log', line: 'a line\n'});
		await pipeline.flush(true);
		await pipeline.destroy();
		await pipeline.destroy();
		expect(files.log).toBe('');
		await expect(pipeline.flush()).rejects.toThrow('destroyed');
	});
});

const REQUEST = {
	id: 123456789,
	arrivalAt: 0.5,
	firstTokenAt: 0.75,
	finishedAt: 2.25,
	promptTokens: 10,
	numOutputTokens: 20,
	finishReason: 'length' as const,
	numPreemptions: 0,
	conversation: -1,
	turn: 0,
	numSpecSteps: 5,
	numDraftTokens: 10,
	numAcceptedDraftTokens: 7,
	acceptanceHistogram: [1, 2, 2],
};
