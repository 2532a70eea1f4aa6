import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {DATASET_FILES} from '../../src/cli/commands/generate.js';
import {runCli} from '../../src/cli/program.js';
import {SAMPLE_LINES} from '../calibrate/samples.js';
import {disk} from './full-disk.js';
import {cli} from './run-cli.js';

vi.mock('node:fs', async importOriginal => {
	const fs = await importOriginal<typeof import('node:fs')>();
	const {onFullDisk} = await import('./full-disk.js');
	const createWriteStream = ((...args: Parameters<typeof fs.createWriteStream>) =>
		onFullDisk(fs.createWriteStream(...args))) as typeof fs.createWriteStream;
	return {...fs, createWriteStream, default: {...fs, createWriteStream}};
});
vi.mock('node:fs/promises', async importOriginal => {
	const fs = await importOriginal<typeof import('node:fs/promises')>();
	const {writeFileOnFullDisk} = await import('./full-disk.js');
	const writeFile = writeFileOnFullDisk(fs.writeFile as (path: string, data: string) => Promise<void>) as typeof fs.writeFile;
	return {...fs, writeFile, default: {...fs, writeFile}};
});

const root = mkdtempSync(join(tmpdir(), 'specsim-full-disk-'));
const args = (out: string, ...extra: string[]) => ['generate', '--out', out, '--duration', '2m', '--qps', '6', ...extra];
/**
 * The line for a full disk met writing metrics.om: of the files a run streams, only metrics.om is
 * written on this thread, and the mock counts its bytes as they are written. events.jsonl,
 * requests.jsonl and vllm.log are written by the record pipeline's worker thread, which this mock
 * does not reach (their full disk is a real one: test/output/record-pipeline.test.ts).
 */
const fullDiskLine = (out: string): string => `specsim: no space left on device writing ${join(out, 'metrics.om')}\n`;
const read = (dir: string) => Object.fromEntries(readdirSync(dir).map(f => [f, readFileSync(join(dir, f), 'utf8')]));

let escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
beforeEach(() => {
	escaped = [];
	disk.budget = Number.POSITIVE_INFINITY;
	process.on('uncaughtException', onEscape);
	process.on('unhandledRejection', onEscape);
});
afterEach(async () => {
	for (let i = 0; i < 5; i++) await new Promise(resolve => setTimeout(resolve, 10));
	process.off('uncaughtException', onEscape);
	process.off('unhandledRejection', onEscape);
	expect(escaped).toEqual([]);
});

describe('generate on a full disk', () => {
	it('ends with one line naming the file, exit 1, and removes every temporary file', async () => {
		const out = join(root, 'full');
		disk.budget = 100_000;
		const result = await cli(...args(out));
		expect(result).toMatchObject({code: 1, stdout: ''});
		expect(result.stderr).toBe(fullDiskLine(out));
		expect(existsSync(out)).toBe(false);
	});

	it('names the file whose write failed (the final exposition here) and cleans up', async () => {
		const out = join(root, 'full-late');
		const free = join(root, 'free');
		expect((await cli(...args(free))).code).toBe(0);
		// Room for what this thread writes before metrics.prom (metrics.om: a short run's scrapes are
		// held in memory, not spooled to disk), not for it.
		disk.budget = Buffer.byteLength(read(free)['metrics.om']!) + 10;
		const result = await cli(...args(out));
		expect(result).toEqual({code: 1, stdout: '', stderr: `specsim: no space left on device writing ${join(out, 'metrics.prom')}\n`});
		expect(existsSync(out)).toBe(false);
	});

	it('leaves an earlier dataset as it was when --force runs out of space', async () => {
		const out = join(root, 'keep-on-full');
		expect((await cli(...args(out))).code).toBe(0);
		const before = read(out);
		disk.budget = 100_000;
		const result = await cli(...args(out, '--force', '--seed', '7'));
		expect(result.code).toBe(1);
		expect(result.stderr).toBe(fullDiskLine(out));
		expect(read(out)).toEqual(before);
	});
});

describe('generate --force replaces a dataset atomically', () => {
	it('an interrupted --force run leaves the earlier dataset whole; SIGTERM exits 143', async () => {
		const out = join(root, 'keep-on-interrupt');
		expect((await cli(...args(out))).code).toBe(0);
		const before = read(out);
		let stderr = '';
		const env = {
			isTTY: false,
			isStderrTTY: false,
			onSignal: (handler: (signal?: NodeJS.Signals) => void) => {
				handler('SIGTERM');
				return () => undefined;
			},
		};
		const code = await runCli(
			args(out, '--force', '--seed', '7'),
			{
				stdout: () => undefined,
				stderr: text => {
					stderr += text;
				},
			},
			env,
		);
		expect(code).toBe(143);
		expect(stderr).toBe('specsim: interrupted: no dataset was written (partial files removed; an earlier dataset is left as it was)\n');
		expect(read(out)).toEqual(before);
	});

	it('a completed --force run replaces every file and keeps files that are not ours', async () => {
		const out = join(root, 'replace');
		expect((await cli(...args(out))).code).toBe(0);
		writeFileSync(join(out, 'notes.txt'), 'mine');
		const first = read(out);
		expect((await cli(...args(out, '--force', '--seed', '7'))).code).toBe(0);
		const second = read(out);
		expect(Object.keys(second).sort()).toEqual([...DATASET_FILES, 'notes.txt'].sort());
		expect(second['notes.txt']).toBe('mine');
		for (const file of DATASET_FILES) expect(second[file], file).not.toBe(first[file]);
		expect(readdirSync(out).filter(name => name.startsWith('.'))).toEqual([]);
	});
});

describe('calibrate -o', () => {
	const logText = `${SAMPLE_LINES.zmarty}\n${SAMPLE_LINES.zmarty}\n`;
	const input = join(root, 'run.log');

	it('into a missing directory or onto a directory is a usage error naming -o (exit 2), before any work', async () => {
		writeFileSync(input, logText);
		const missing = join(root, 'no-such-dir', 'preset.json');
		expect(await cli('calibrate', input, '-o', missing)).toEqual({
			code: 2,
			stdout: '',
			stderr: `specsim: -o ${missing}: directory ${join(root, 'no-such-dir')} does not exist\n`,
		});
		const directory = join(root, 'a-directory');
		mkdirSync(directory);
		expect(await cli('calibrate', input, '-o', directory)).toEqual({
			code: 2,
			stdout: '',
			stderr: `specsim: -o ${directory}: is a directory, expected a file\n`,
		});
	});

	it('onto a full disk fails with one line (exit 1) and leaves no temporary file', async () => {
		writeFileSync(input, logText);
		const dir = join(root, 'calibrate-full');
		mkdirSync(dir);
		const out = join(dir, 'preset.json');
		disk.budget = 100;
		expect(await cli('calibrate', input, '-o', out)).toEqual({code: 1, stdout: '', stderr: `specsim: no space left on device writing ${out}\n`});
		expect(readdirSync(dir)).toEqual([]);
	});
});
