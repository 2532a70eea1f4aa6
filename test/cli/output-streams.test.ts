import {existsSync, mkdtempSync, readdirSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {OpenMetricsFileWriter} from '../../src/output/openmetrics-file.js';
import type {OpenMetricsChunk} from '../../src/metrics/prom/exposition.js';
import {cli} from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'specsim-output-streams-'));

/** Errors that escaped to the process (an `'error'` event nobody listened to). */
let escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
beforeEach(() => {
	escaped = [];
	process.on('uncaughtException', onEscape);
	process.on('unhandledRejection', onEscape);
});
afterEach(() => {
	process.off('uncaughtException', onEscape);
	process.off('unhandledRejection', onEscape);
});

/** Let pending file-system callbacks run (a late `'error'` event would fire here). */
const settle = async (): Promise<void> => {
	for (let i = 0; i < 5; i++) await new Promise(resolve => setTimeout(resolve, 10));
};

/** 40 series; `repeat` lines each (2,000 make a scrape of over a million characters, which the writer sends to disk at once). */
const scrape = (value: number, repeat = 50): OpenMetricsChunk[] =>
	Array.from({length: 40}, (_, i) => ({
		family: `f${i % 8}`,
		header: `# TYPE f${i % 8} gauge\n`,
		seriesKey: `f${i % 8}{s="${i}"}`,
		lines: `f${i % 8}{s="${i}"} ${value} ${value}.0\n`.repeat(repeat),
	}));

const spoolDirs = (dir: string): string[] => readdirSync(dir).filter(name => name.startsWith('.metrics-om-spool-'));

describe('OpenMetricsFileWriter.discard', () => {
	it('discarding while a scrape is still being written raises no stray error and removes the spool', async () => {
		for (let round = 0; round < 20; round++) {
			const dir = mkdtempSync(join(root, 'discard-'));
			// Memory bound 0: every scrape goes to the spool files at once.
			const writer = await OpenMetricsFileWriter.create(dir, join(dir, 'metrics.om'), 0);
			// Enough lines to go out at once (over 1 MiB held).
			await writer.add(scrape(0, 2000));
			// Wait until every spool file is open, so the next scrape's writes reach the disk at once.
			const spool = join(dir, spoolDirs(dir)[0]!);
			while (readdirSync(spool).length < 40) await new Promise(resolve => setTimeout(resolve, 1));
			await new Promise(resolve => setTimeout(resolve, 5));
			// The scrape's writes start, and the spool is discarded while they are in flight.
			const adding = writer.add(scrape(1, 2000)).then(
				() => 'the scrape was written',
				(error: Error) => error.message,
			);
			await writer.discard();
			expect(await adding).toBe(`interrupted writing ${join(dir, 'metrics.om')}`);
			expect(readdirSync(dir)).toEqual([]);
		}
		await settle();
		expect(escaped).toEqual([]);
	});

	it('refuses a scrape after discard instead of writing into a deleted directory', async () => {
		const dir = mkdtempSync(join(root, 'late-'));
		const writer = await OpenMetricsFileWriter.create(dir, join(dir, 'metrics.om'));
		await writer.discard();
		await expect(writer.add(scrape(0))).rejects.toThrow(`interrupted writing ${join(dir, 'metrics.om')}`);
		expect(readdirSync(dir)).toEqual([]);
	});
});

describe('generate fails mid-run (bad trace line right after the first scrape)', () => {
	it('ends with one line and no stray error, 20 times in a row, leaving no file behind', async () => {
		const trace = join(root, 'bad.jsonl');
		writeFileSync(
			trace,
			'{"arrival_time": 0, "prompt_tokens": 10, "output_tokens": 5}\n{"arrival_time": 1, "prompt_tokens": 10, "output_tokens": -3}\n',
		);
		for (let round = 0; round < 20; round++) {
			const out = join(root, `bad-${round}`);
			const result = await cli('generate', '--out', out, '--duration', '10s', '--trace', trace);
			expect(result).toEqual({code: 2, stdout: '', stderr: `specsim: ${trace}:2: output_tokens must be a positive integer, got -3\n`});
			expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
		}
		await settle();
		expect(escaped).toEqual([]);
	});
});
