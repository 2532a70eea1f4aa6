import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {startCli} from '../helpers/cli-run.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the CLI the tests spawn', () => {
	// `npm test` compiles with `tsc -b`, which writes dist/cli/cli.js module by module again after a
	// source change; the tests that spawn dist/ would then run a CLI no user runs.
	it('is the bundle the package ships (dist/cli/cli.js imports dist/bin/cli.js)', () => {
		const entry = readFileSync(resolve(ROOT, 'dist/cli/cli.js'), 'utf8');
		expect(entry).toBe("#!/usr/bin/env node\n// The CLI, bundled (scripts/bundle-cli.mjs).\nimport '../bin/cli.js';\n");
		expect(existsSync(resolve(ROOT, 'dist/bin/cli.js'))).toBe(true);
	});

	// `generate` runs from `generate-cli.cjs` with V8's code cache (scripts/bundle-cli.mjs), not from the modules.
	it("has generate's script and a code cache V8 takes (the same Node, its default flags, as the build)", () => {
		const check = `const {Script} = require('node:vm'); const {readFileSync} = require('node:fs');
			const file = ${JSON.stringify(resolve(ROOT, 'dist/bin/generate-cli.cjs'))};
			const script = new Script(readFileSync(file, 'utf8'), {filename: file, cachedData: readFileSync(file + '.cache')});
			process.stdout.write(String(script.cachedDataRejected));`;
		const result = spawnSync(process.execPath, ['-e', check], {encoding: 'utf8'});
		expect({status: result.status, rejected: result.stdout, stderr: result.stderr}).toEqual({status: 0, rejected: 'false', stderr: ''});
	});

	it('writes from that script the dataset generate writes from the modules', async () => {
		const root = mkdtempSync(join(tmpdir(), 'specsim-bundled-generate-'));
		const flags = ['--duration', '20s', '--seed', '3', '--scrape-interval', '10s', '--error-rate', '0.05'];
		const bundled = spawnSync(process.execPath, [resolve(ROOT, 'dist/cli/cli.js'), 'generate', '--out', join(root, 'bundled'), ...flags], {
			encoding: 'utf8',
		});
		expect({status: bundled.status, stderr: bundled.stderr}).toEqual({
			status: 0,
			stderr: expect.stringMatching(/^specsim: wrote events\.jsonl, .* \(20 virtual s, \d+ requests\)\n$/),
		});
		const fromSource = startCli(['generate', '--out', join(root, 'source'), ...flags]);
		expect(await fromSource.exit).toBe(0);
		const files = readdirSync(join(root, 'source')).sort();
		expect(readdirSync(join(root, 'bundled')).sort()).toEqual(files);
		for (const file of files) expect(readFileSync(join(root, 'bundled', file)), file).toEqual(readFileSync(join(root, 'source', file)));
	}, 120_000);
});
