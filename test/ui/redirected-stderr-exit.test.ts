import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, describe, expect, it, onTestFinished, vi} from 'vitest';

const CLI = resolve(import.meta.dirname, '../../dist/cli/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'specsim-stderr-exit-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** The environment without what makes Ink think it runs in CI (where it never hides the cursor). */
function interactiveEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env))
		if (key !== 'CI' && key !== 'CONTINUOUS_INTEGRATION' && !key.startsWith('CI_')) env[key] = value;
	return {...env, TERM: 'xterm-256color'};
}

describe('the dashboard on a real terminal with stderr redirected to a file', () => {
	// A whole process, on a pseudo-terminal made by util-linux `script`: what is under test is
	// written by an exit hook, after everything an in-process test can observe.
	it("leaves the file ending with vLLM's last log line, not the escape that shows the cursor", async () => {
		const log = join(dir, 'vllm.log');
		// script's terminal has no size until told: Ink would redraw it whole and never hide the cursor.
		const command = `stty rows 50 cols 120 && exec node ${JSON.stringify(CLI)} run --no-server --speed max --duration 30s 2>${JSON.stringify(log)}`;
		const child = spawn('script', ['-qec', command, '/dev/null'], {env: interactiveEnv(), stdio: ['pipe', 'pipe', 'pipe']});
		let terminal = '';
		child.stdout.on('data', (data: Buffer) => {
			terminal += data.toString();
		});
		const exited = new Promise<number | null>(done => child.on('close', done));
		// A failed expectation must not leave the dashboard running, waiting for its q.
		onTestFinished(() => {
			if (child.exitCode === null) child.kill('SIGKILL');
		});
		const read = (): string => {
			try {
				return readFileSync(log, 'utf8');
			} catch {
				return '';
			}
		};
		// The run's last interval logs its SpecDecoding line at 30 virtual seconds.
		await vi.waitFor(() => expect(read()).toContain('INFO 01-01 00:00:30 [metrics.py:96] SpecDecoding metrics: '), {
			timeout: 30_000,
			interval: 100,
		});
		// Ink hid the terminal's cursor, which arms restore-cursor's exit hook.
		expect(terminal).toContain('\u001B[?25l');
		child.stdin.write('q');
		expect(await exited).toBe(0);
		const text = read();
		expect(text).not.toContain('\u001B');
		expect(text.endsWith('\n')).toBe(true);
		expect(text.trimEnd().split('\n').at(-1)).toMatch(/^INFO 01-01 00:00:30 \[metrics\.py:96\] SpecDecoding metrics: /);
	}, 60_000);
});
