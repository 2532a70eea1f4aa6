import {copyFileSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const PRESET = resolve(import.meta.dirname, '../../presets/llama-3.1-8b-eagle3.json');

// A preset file in the current directory, named as a user names it: the JSONC extension is a path
// like `.json` (it used to be looked up as the built-in preset "my.jsonc", and was unknown).
describe('--preset with a file name in the current directory', () => {
	const home = process.cwd();
	let dir = '';
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'specsim-preset-file-'));
		process.chdir(dir);
	});
	afterEach(() => {
		process.chdir(home);
		rmSync(dir, {recursive: true, force: true});
	});

	it.each(['my.json', 'my.jsonc'])('loads %s', async name => {
		copyFileSync(PRESET, join(dir, name));
		const {code, stdout, stderr} = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '1s', '--preset', name);
		expect(stderr).toBe('');
		expect(code).toBe(0);
		expect(stdout).toContain('specsim summary:');
	});

	it('names a missing .jsonc file as a file, not as an unknown preset', async () => {
		const {code, stderr} = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '1s', '--preset', 'gone.jsonc');
		expect(code).not.toBe(0);
		expect(stderr).toMatch(/^specsim: gone\.jsonc: /);
	});
});
