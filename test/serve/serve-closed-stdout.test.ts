import {spawn} from 'node:child_process';
import {join, resolve} from 'node:path';
import {describe, expect, it, onTestFinished} from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

describe('specsim serve --headless | head -1', () => {
	it("ends when nobody reads its standard output any more: exit 0, only the serving line and uvicorn's lifecycle lines on stderr", async () => {
		// Background traffic at 50x makes the Engine lines come; the reader closes the pipe after the first.
		const argv = ['serve', '--headless', '--port', '0', '--background-qps', '4', '--speed', '50'];
		const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/cli.ts'), ...argv], {cwd: repo, stdio: ['ignore', 'pipe', 'pipe']});
		// Never leave a server behind, whatever the outcome.
		onTestFinished(() => {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		});
		let stderr = '';
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		let text = '';
		let first: string | undefined;
		child.stdout.on('data', chunk => {
			text += chunk;
			if (first === undefined && text.includes('\n')) {
				first = text.slice(0, text.indexOf('\n'));
				child.stdout.destroy();
			}
		});
		const code = await new Promise<number | null>(done => child.on('close', done));
		expect(first).toMatch(/^INFO \d\d-\d\d \d\d:\d\d:\d\d \[/);
		// The serving line between uvicorn's startup and shutdown lines, and nothing else (no EPIPE).
		expect(stderr).toMatch(
			/^INFO: {5}Started server process \[\d+\]\n(?:INFO: {5}.+\n){2}specsim: serving the OpenAI-compatible API on http:\/\/127\.0\.0\.1:\d+ \(model .+\)\n(?:INFO: {5}.+\n){3}INFO: {5}Finished server process \[\d+\]\n$/,
		);
		expect(code).toBe(0);
	}, 60_000);
});
