import {spawn} from 'node:child_process';
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const repo = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'specsim-closed-stdout-'));

/**
 * Run the real CLI as a process whose standard output is a pipe that the reader closes as soon as
 * `lines` lines have arrived (`| head -n lines`); `lines = 0` closes it before anything is written.
 */
function pipedIntoHead(lines: number, ...argv: string[]): Promise<{code: number | null; stderr: string; received: string[]}> {
	const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/cli.ts'), ...argv], {cwd: repo, stdio: ['ignore', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr.on('data', chunk => {
		stderr += chunk;
	});
	let text = '';
	const received: string[] = [];
	if (lines === 0) child.stdout.destroy();
	else
		child.stdout.on('data', chunk => {
			text += chunk;
			const all = text.split('\n').slice(0, -1);
			if (all.length >= lines) {
				received.push(...all.slice(0, lines));
				child.stdout.destroy();
			}
		});
	return new Promise(done => child.on('close', code => done({code, stderr, received})));
}

describe('a closed standard output ends the command quietly', () => {
	it('run --headless | head -1: one line, exit 0, nothing on stderr (the run would otherwise not end)', async () => {
		const result = await pipedIntoHead(1, 'run', '--headless', '--no-server', '--speed', 'max');
		expect(result.received).toHaveLength(1);
		expect(result.received[0]).toMatch(/^INFO 01-01 00:00:\d\d \[/);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
	}, 120_000);

	it('replay | head -0 and | head -2: exit 0, nothing on stderr', async () => {
		const out = join(root, 'dataset');
		expect((await cli('generate', '--out', out, '--duration', '2m', '--qps', '6')).code).toBe(0);
		for (const lines of [0, 2]) {
			const result = await pipedIntoHead(lines, 'replay', join(out, 'events.jsonl'));
			expect(result.received).toHaveLength(lines);
			expect(result.stderr, `head -${lines}`).toBe('');
			expect(result.code, `head -${lines}`).toBe(0);
		}
	}, 120_000);
});
