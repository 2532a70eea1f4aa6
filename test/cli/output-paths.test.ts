import {mkdirSync, mkdtempSync} from 'node:fs';
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
