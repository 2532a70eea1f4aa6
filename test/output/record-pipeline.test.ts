import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fc} from '@fast-check/vitest';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {RecordPipeline, type RecordSinks} from '../../src/output/record-pipeline.js';
import {UserError} from '../../src/util/user-error.js';
import {expectedFiles, item, writeItem} from './records.js';

type Files = {events: string; requests: string; log: string};
const FILES = ['events', 'requests', 'log'] as const;

const root = mkdtempSync(join(tmpdir(), 'specsim-record-pipeline-'));
let dirs = 0;

/**
 * Real files for the worker thread to write, named `out/<file>.jsonl` in errors; `fail` replaces
 * one file's descriptor by one whose writes fail (`/dev/full`: ENOSPC, as on a full disk; a file
 * opened read-only: EBADF). `read` closes the descriptors and returns what the files hold.
 */
function fileSinks(fail?: {file: keyof Files; path: '/dev/full' | 'read-only'}): {sinks: RecordSinks; read: () => Files} {
	const dir = join(root, String(dirs++));
	mkdirSync(dir);
	const open = (file: keyof Files): number => {
		const path = join(dir, file);
		if (fail?.file !== file) return openSync(path, 'w');
		if (fail.path === '/dev/full') return openSync('/dev/full', 'w');
		writeFileSync(path, '');
		return openSync(path, 'r');
	};
	const fds = {events: open('events'), requests: open('requests'), log: open('log')};
	const sink = (file: keyof Files) => ({fd: fds[file], displayPath: `out/${file}.jsonl`});
	return {
		sinks: {files: {events: sink('events'), requests: sink('requests'), log: sink('log')}},
		read() {
			for (const file of FILES) closeSync(fds[file]);
			const text = (file: keyof Files): string => (existsSync(join(dir, file)) && fail?.file !== file ? readFileSync(join(dir, file), 'utf8') : '');
			return {events: text('events'), requests: text('requests'), log: text('log')};
		},
	};
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

describe('RecordPipeline (generate serialising and writing on a worker thread)', () => {
	it('writes the bytes JSON.stringify gives for the records, in the order they were made, across many batches', async () => {
		const {sinks, read} = fileSinks();
		const pipeline = new RecordPipeline(sinks);
		for (const batch of batches) {
			for (const record of batch) writeItem(pipeline.records, record);
			await pipeline.flush(true);
		}
		await pipeline.finish();
		expect(read()).toEqual(expectedFiles(batches.flat()));
	});

	it('a full disk (ENOSPC from the worker thread) surfaces from flush or finish as one line naming the file, and nothing after it is written', async () => {
		const {sinks, read} = fileSinks({file: 'requests', path: '/dev/full'});
		const pipeline = new RecordPipeline(sinks);
		const run = async (): Promise<void> => {
			for (const [i, batch] of batches.entries()) {
				writeItem(pipeline.records, {kind: 'event', line: `batch ${i}\n`});
				writeItem(pipeline.records, {kind: 'request', request: REQUEST, engine: 99, k: 2});
				for (const record of batch) writeItem(pipeline.records, record);
				await pipeline.flush(true);
			}
			await pipeline.finish();
		};
		const failure = await run().catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(UserError);
		expect(failure).toMatchObject({message: 'no space left on device writing out/requests.jsonl', exitCode: 1});
		await pipeline.destroy();
		// The first batch's events went out before its requests failed; no later batch was written, nor the first one's log.
		const files = read();
		expect(files.events.split('\n').filter(line => line.startsWith('batch '))).toEqual(['batch 0']);
		expect(files.log).toBe('');
	});

	it('any other failed write names the file and keeps the system error', async () => {
		const {sinks, read} = fileSinks({file: 'log', path: 'read-only'});
		const pipeline = new RecordPipeline(sinks);
		writeItem(pipeline.records, {kind: 'log', line: 'a line\n'});
		await expect(pipeline.finish()).rejects.toThrow(/^EBADF: bad file descriptor, write writing out\/log\.jsonl$/);
		await pipeline.destroy();
		read();
	});

	it('flush hands nothing over until a batch is full; finish hands over the rest', async () => {
		const {sinks, read} = fileSinks();
		const pipeline = new RecordPipeline(sinks);
		writeItem(pipeline.records, {kind: 'log', line: 'one line\n'});
		await pipeline.flush();
		expect(pipeline.records.length).toBe(2);
		await pipeline.finish();
		expect(read().log).toBe('one line\n');
	});

	it('destroy stops the worker without writing what is pending and never rejects', async () => {
		const {sinks, read} = fileSinks();
		const pipeline = new RecordPipeline(sinks);
		writeItem(pipeline.records, {kind: 'log', line: 'a line\n'});
		await pipeline.destroy();
		await pipeline.destroy();
		expect(read().log).toBe('');
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
