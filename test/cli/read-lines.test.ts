import {createWriteStream, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readLines} from '../../src/cli/io/read-lines.js';
import {MAX_LINE_CHARS} from '../../src/util/limits.js';
import {UserError} from '../../src/util/user-error.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-read-lines-'));

async function collect(path: string, maxLineChars?: number): Promise<string[]> {
	const lines: string[] = [];
	for await (const line of readLines(path, maxLineChars)) lines.push(line);
	return lines;
}

/** Write two good lines, then one line of `length` characters streamed in 64 KiB pieces, then a newline. */
async function writeWithLongLine(path: string, length: number): Promise<void> {
	const out = createWriteStream(path);
	out.write('{"ok": 1}\n{"ok": 2}\n');
	const piece = 'x'.repeat(65_536);
	for (let left = length; left > 0; left -= piece.length) {
		if (!out.write(left >= piece.length ? piece : piece.slice(0, left))) await new Promise<void>(resolve => out.once('drain', () => resolve()));
	}
	out.end('\n{"ok": 4}\n');
	await new Promise<void>(resolve => out.once('finish', () => resolve()));
}

describe('readLines', () => {
	it('splits at LF and CRLF, keeps blank lines, and yields a last line without a newline', async () => {
		const path = join(dir, 'mixed.txt');
		writeFileSync(path, 'a\r\nb\n\nc');
		expect(await collect(path)).toEqual(['a', 'b', '', 'c']);
	});

	it('reads a line of exactly the maximum length', async () => {
		const path = join(dir, 'exact.txt');
		writeFileSync(path, `${'y'.repeat(100)}\r\nz\n`);
		expect(await collect(path, 100)).toEqual(['y'.repeat(100), 'z']);
	});

	it('refuses a line longer than MAX_LINE_CHARS with one line naming the file and line', async () => {
		const path = join(dir, 'oversize.jsonl');
		await writeWithLongLine(path, MAX_LINE_CHARS + 1);
		const seen: string[] = [];
		const read = async () => {
			for await (const line of readLines(path)) seen.push(line);
		};
		await expect(read()).rejects.toThrow(
			new UserError(`${path}:3: line is longer than ${MAX_LINE_CHARS} characters (the most a line may have); is this the right file?`),
		);
		expect(seen).toEqual(['{"ok": 1}', '{"ok": 2}']);
	});

	it('refuses an oversize last line that has no newline', async () => {
		const path = join(dir, 'no-newline.txt');
		writeFileSync(path, `ok\n${'w'.repeat(101)}`);
		await expect(collect(path, 100)).rejects.toThrow(`${path}:2: line is longer than 100 characters`);
	});
});
