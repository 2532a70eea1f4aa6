import {spawn} from 'node:child_process';
import {resolve} from 'node:path';
import {describe, expect, it, onTestFinished} from 'vitest';

const CLI = resolve(import.meta.dirname, '../../dist/cli/cli.js');

describe('stdout on a terminal, stdin not one (specsim </dev/null, echo | specsim)', () => {
	// A whole process on a pseudo-terminal made by util-linux `script`, its stdin redirected: the
	// dashboard reads keys in raw mode, which only a terminal has.
	it('runs headless, as with --headless, instead of failing in Ink with a stack trace', async () => {
		const command = `stty rows 40 cols 120 && exec node ${JSON.stringify(CLI)} run --no-server --speed max --duration 10s </dev/null`;
		const child = spawn('script', ['-qec', command, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe']});
		let terminal = '';
		child.stdout.on('data', (data: Buffer) => {
			terminal += data.toString();
		});
		onTestFinished(() => {
			if (child.exitCode === null) child.kill('SIGKILL');
		});
		const code = await new Promise<number | null>(done => child.on('close', done));
		expect(terminal).not.toContain('internal error');
		expect(terminal).not.toContain('Raw mode');
		expect(terminal).toContain('INFO 01-01 00:00:10 [metrics.py:96] SpecDecoding metrics: ');
		expect(terminal).toContain('specsim summary: preset llama-3.1-8b-eagle3');
		expect(code).toBe(0);
	}, 60_000);
});
