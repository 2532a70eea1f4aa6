import {once} from 'node:events';
import {mkdtempSync, openSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {RecordPipeline} from '../../src/output/record-pipeline.js';
import {startRecordWorkerEarly, stopUnusedRecordWorker, takeRecordWorker} from '../../src/output/record-worker-start.js';
import {runCli} from '../../src/cli/program.js';

describe("generate's record serialising thread, started before the command loads", () => {
	it('is the thread the next pipeline takes, and that pipeline writes its files through it', async () => {
		const early = startRecordWorkerEarly();
		expect(startRecordWorkerEarly()).toBe(early);
		const dir = mkdtempSync(join(tmpdir(), 'specsim-record-worker-start-'));
		const file = (name: string) => ({fd: openSync(join(dir, name), 'w'), displayPath: name});
		const pipeline = new RecordPipeline({files: {events: file('events'), requests: file('requests'), log: file('log')}});
		const exited = once(early, 'exit');
		pipeline.records.logText('a line\n');
		await pipeline.finish();
		await exited;
		expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('a line\n');
		// Taken: a second pipeline would start a thread of its own.
		const next = takeRecordWorker().worker;
		expect(next).not.toBe(early);
		await next.terminate();
	});

	it('ends when no pipeline took it', async () => {
		const early = startRecordWorkerEarly();
		const exited = once(early, 'exit');
		await stopUnusedRecordWorker();
		await exited;
	});

	it('a generate that stops at a usage error ends the thread it started', async () => {
		// The CLI's start finds this thread already started and uses it.
		const early = startRecordWorkerEarly();
		const exited = once(early, 'exit');
		const stderr: string[] = [];
		const code = await runCli(['generate', '--duration', '1m'], {stdout: () => undefined, stderr: text => void stderr.push(text)});
		expect({code, stderr}).toEqual({code: 2, stderr: ["specsim: required option '--out <dir>' not specified\n"]});
		await exited;
	});
});
