import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {signalExitCode} from '../../src/cli/run-environment.js';

const repo = resolve(import.meta.dirname, '../..');

/** The staging directory's events.jsonl has bytes: the command is past registering its signal handler. */
function started(out: string): boolean {
	if (!existsSync(out)) return false;
	const staging = readdirSync(out).find(name => name.startsWith('.specsim-generate-'));
	if (staging === undefined) return false;
	try {
		return statSync(join(out, staging, 'events.jsonl')).size > 0;
	} catch {
		return false;
	}
}

describe('a closed terminal (SIGHUP)', () => {
	it('stops generate as an interrupt does: exit 129, one line, nothing left behind', async () => {
		const out = join(mkdtempSync(join(tmpdir(), 'specsim-hangup-')), 'dataset');
		const child = spawn(
			process.execPath,
			['--import', 'tsx', join(repo, 'src/cli/cli.ts'), 'generate', '--out', out, '--duration', '30d', '--qps', '20'],
			{
				cwd: repo,
				stdio: ['ignore', 'ignore', 'pipe'],
			},
		);
		let stderr = '';
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		const exited = new Promise<number | null>(done => child.on('close', code => done(code)));
		// Events, not time: poll the file system until the run is under way, then hang up.
		await new Promise<void>(done => {
			const poll = setInterval(() => {
				if (!started(out)) return;
				clearInterval(poll);
				child.kill('SIGHUP');
				done();
			}, 20);
		});
		expect(await exited).toBe(129);
		expect(stderr).toBe('specsim: interrupted: no dataset was written (partial files removed)\n');
		// The --out directory the command created goes too.
		expect(existsSync(out)).toBe(false);
	}, 60_000);

	it('maps each stopping signal to 128 + its number', () => {
		expect([signalExitCode('SIGHUP'), signalExitCode('SIGINT'), signalExitCode('SIGTERM')]).toEqual([129, 130, 143]);
	});
});
