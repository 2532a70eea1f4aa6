import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';

const CLI = resolve(import.meta.dirname, '../../dist/cli/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'specsim-internal-error-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/**
 * A bug, made on purpose: `Date.prototype.toISOString` throws, and `generate` calls it for its
 * metadata record after its record worker has started (the worker would keep the process alive).
 */
const BUG = 'data:text/javascript,Date.prototype.toISOString=function(){throw new Error("boom")}';

function generateWithBug(out: string, env: NodeJS.ProcessEnv): {status: number | null; stderr: string} {
	const {SPECSIM_DEBUG: _, ...rest} = process.env;
	const result = spawnSync(process.execPath, ['--import', BUG, CLI, 'generate', '--out', join(dir, out), '--duration', '1s'], {
		env: {...rest, ...env},
		encoding: 'utf8',
		timeout: 20_000,
	});
	return {status: result.status, stderr: result.stderr};
}

describe('an internal error', () => {
	it('is one line that says how to see where, and the process exits 70 though a worker thread is still running', () => {
		const {status, stderr} = generateWithBug('plain', {});
		expect(status).toBe(70);
		expect(stderr.split('\n')[0]).toBe('specsim: internal error: boom (SPECSIM_DEBUG=1 prints where)');
	});

	it('leaves nothing behind: the staging directory and the output directory generate created are removed', () => {
		expect(generateWithBug('cleaned', {}).status).toBe(70);
		expect(existsSync(join(dir, 'cleaned'))).toBe(false);
	});

	it("with SPECSIM_DEBUG=1, prints the stack in the TypeScript sources' lines", () => {
		const {status, stderr} = generateWithBug('debug', {SPECSIM_DEBUG: '1'});
		expect(status).toBe(70);
		const lines = stderr.split('\n');
		expect(lines[0]).toBe('specsim: internal error: boom');
		expect(lines[1]).toBe('Error: boom');
		expect(lines.find(line => line.includes(' at generate '))).toMatch(/\(.*\/src\/cli\/commands\/generate\.ts:\d+:\d+\)$/);
	});
});
