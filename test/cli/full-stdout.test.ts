import {spawn} from 'node:child_process';
import {closeSync, openSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

/**
 * Run the real CLI with standard output (or standard error) redirected to `/dev/full`, the Linux
 * device on which every write fails with ENOSPC: `specsim ... > file` on a full disk.
 */
function onFullDevice(stream: 'stdout' | 'stderr', ...argv: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	const full = openSync('/dev/full', 'w');
	const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/cli.ts'), ...argv], {
		cwd: repo,
		stdio: ['ignore', stream === 'stdout' ? full : 'pipe', stream === 'stderr' ? full : 'pipe'],
	});
	closeSync(full);
	let stdout = '';
	let stderr = '';
	child.stdout?.on('data', chunk => {
		stdout += chunk;
	});
	child.stderr?.on('data', chunk => {
		stderr += chunk;
	});
	return new Promise(done => child.on('close', code => done({code, stdout, stderr})));
}

describe('standard output on a full disk', () => {
	it('presets > full: one line naming standard output, exit code 1, no stack trace', async () => {
		const result = await onFullDevice('stdout', 'presets');
		expect(result.stderr).toBe('specsim: no space left on device writing standard output\n');
		expect(result.code).toBe(1);
	}, 60_000);

	it('run --headless > full: the run stops at the first failed write, one line, exit code 1', async () => {
		// Without --duration the run would only end at a signal: it must stop because stdout failed.
		const result = await onFullDevice('stdout', 'run', '--headless', '--no-server', '--speed', 'max');
		expect(result.stderr).toBe('specsim: no space left on device writing standard output\n');
		expect(result.code).toBe(1);
	}, 60_000);

	it('a usage error with stderr on a full disk still exits 2 (the message has nowhere to go)', async () => {
		const result = await onFullDevice('stderr', 'run', '--bogus');
		expect(result.stdout).toBe('');
		expect(result.code).toBe(2);
	}, 60_000);
});
