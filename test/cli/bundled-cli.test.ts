import {existsSync, readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the CLI the tests spawn', () => {
	// `npm test` compiles with `tsc -b`, which writes dist/cli/cli.js module by module again after a
	// source change; the tests that spawn dist/ would then run a CLI no user runs.
	it('is the bundle the package ships (dist/cli/cli.js imports dist/bin/cli.js)', () => {
		const entry = readFileSync(resolve(ROOT, 'dist/cli/cli.js'), 'utf8');
		expect(entry).toBe("#!/usr/bin/env node\n// The CLI, bundled (scripts/bundle-cli.mjs).\nimport '../bin/cli.js';\n");
		expect(existsSync(resolve(ROOT, 'dist/bin/cli.js'))).toBe(true);
	});
});
