import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-output-paths-'));

describe('sweep --plot: a path that cannot be written is refused before the sweep runs', () => {
	it('a missing directory: one line naming --plot and the directory, exit 2, no table', async () => {
		const plot = join(dir, 'missing', 'sweep.svg');
		const result = await cli('sweep', '--k', '1', '--duration', '2s', '--workers', '1', '--plot', plot);
		expect(result).toEqual({code: 2, stdout: '', stderr: `specsim: --plot ${plot}: directory ${join(dir, 'missing')} does not exist\n`});
	});

	it('a directory named like an SVG file: one line, exit 2, no table', async () => {
		const plot = join(dir, 'already-a-directory.svg');
		mkdirSync(plot);
		const result = await cli('sweep', '--k', '1', '--duration', '2s', '--workers', '1', '--plot', plot);
		expect(result).toEqual({code: 2, stdout: '', stderr: `specsim: --plot ${plot}: is a directory, expected a file\n`});
	});
});

describe('generate --out: a directory that cannot be made is one line, exit 2', () => {
	it('a path that is a file: refused as a file, not reported as EEXIST from mkdir', async () => {
		const file = join(dir, 'a-file.json');
		writeFileSync(file, '{}\n');
		const result = await cli('generate', '--out', file, '--duration', '1s');
		expect(result).toEqual({code: 2, stdout: '', stderr: `specsim: --out ${file}: is a file, expected a directory\n`});
		expect(readFileSync(file, 'utf8')).toBe('{}\n');
	});

	it('under a file: names the component that is not a directory', async () => {
		const file = join(dir, 'another-file');
		writeFileSync(file, '');
		const result = await cli('generate', '--out', join(file, 'dataset'), '--duration', '1s');
		expect(result).toEqual({code: 2, stdout: '', stderr: `specsim: --out ${join(file, 'dataset')}: ${file} is not a directory\n`});
	});

	// procfs answers ENOENT to a new entry under an existing directory; Node's recursive mkdir
	// retried that forever, so generate hung instead of failing.
	it.runIf(existsSync('/proc/self'))(
		'on procfs (--out /proc/x): fails at once instead of hanging',
		async () => {
			const result = await cli('generate', '--out', '/proc/specsim-dataset', '--duration', '1s');
			expect(result).toEqual({code: 2, stdout: '', stderr: 'specsim: --out /proc/specsim-dataset: no such file or directory\n'});
		},
		30_000,
	);
});
