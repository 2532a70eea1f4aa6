import {mkdirSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-calibrate-dir-'));

describe('calibrate given a directory', () => {
	it('a directory among the inputs is a one-line usage error naming it, not an internal error (exit 70)', async () => {
		const {code, stdout, stderr} = await cli('calibrate', dir);
		expect(stdout).toBe('');
		expect(stderr).toBe(`specsim: ${dir}: is a directory, expected a file\n`);
		expect(code).toBe(2);
	});

	it('a directory named like a bench result (*.json) too', async () => {
		const json = join(dir, 'results.json');
		mkdirSync(json);
		const {code, stderr} = await cli('calibrate', json, json);
		expect(stderr).toBe(`specsim: ${json}: is a directory, expected a file\n`);
		expect(code).toBe(2);
	});
});
