import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {OutputStream} from '../../src/output/output-stream.js';
import {UserError} from '../../src/util/user-error.js';

const root = mkdtempSync(join(tmpdir(), 'specsim-output-stream-'));

describe('OutputStream.writeAll (chunks in one vectored write, as metrics.om is written)', () => {
	it('writes every chunk in order, more chunks than one writev takes (IOV_MAX 1024) and more bytes than the stream holds', async () => {
		const chunks = Array.from({length: 3000}, (_, i) => Buffer.from(`${i}:${'x'.repeat(i % 97)}\n`));
		const path = join(root, 'many');
		const out = new OutputStream(path, 'out/many', 4096);
		await out.writeAll(chunks);
		await out.write('end\n');
		await out.end();
		expect(readFileSync(path, 'utf8')).toBe(`${chunks.map(chunk => chunk.toString()).join('')}end\n`);
	});

	it('a failed write surfaces as one line naming the file', async () => {
		const out = new OutputStream('/dev/full', 'out/metrics.om', 1024);
		const failure = await (async () => {
			await out.writeAll([Buffer.alloc(64 << 10, 120), Buffer.alloc(64 << 10, 121)]);
			await out.end();
		})().catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(UserError);
		expect(failure).toMatchObject({message: 'no space left on device writing out/metrics.om', exitCode: 1});
	});
});
