import {execFileSync} from 'node:child_process';
import {createReadStream, mkdtempSync, readdirSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {writeFileAtomic} from '../../src/cli/io/atomic-write.js';

const root = mkdtempSync(join(tmpdir(), 'specsim-atomic-write-'));

describe('writeFileAtomic onto something that is not a regular file', () => {
	it('writes into a FIFO (-o /dev/stdout, a named pipe) instead of renaming a regular file over it', async () => {
		const fifo = join(root, 'pipe');
		execFileSync('mkfifo', [fifo]);
		let read = '';
		const reader = new Promise<void>((resolve, reject) => {
			createReadStream(fifo, 'utf8')
				.on('data', chunk => {
					read += chunk;
				})
				.on('end', resolve)
				.on('error', reject);
		});
		await writeFileAtomic(fifo, 'the preset\n');
		await reader;
		expect(read).toBe('the preset\n');
		// Still the pipe, and no temporary beside it (a rename would have left a regular file).
		expect(statSync(fifo).isFIFO()).toBe(true);
		expect(readdirSync(root)).toEqual(['pipe']);
	});

	it('a device that fails the write (/dev/full) is one error naming it, and the device is left alone', async () => {
		await expect(writeFileAtomic('/dev/full', 'x')).rejects.toThrow('no space left on device writing /dev/full');
		expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
	});
});
