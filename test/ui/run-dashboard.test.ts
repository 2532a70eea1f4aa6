import {describe, expect, it, vi} from 'vitest';
import {runCli} from '../../src/cli/program.js';
import {httpGet} from '../helpers/http.js';
import {SETTLE} from '../helpers/settle.js';
import {cli} from '../cli/run-cli.js';
import {createFakeTerminal} from './fake-terminal.js';

const scrape = (url: string) => httpGet(url);

/** `specsim run` on a (fake) terminal, in process: the dashboard path of the real command. */
function startRun(args: string[], {isStderrTTY = true, command = 'run', signalOnServingLine = false} = {}) {
	const terminal = createFakeTerminal(100);
	let stdout = '';
	let stderr = '';
	let signal: (() => void) | undefined;
	/** Whether a signal handler was in place when the serving line was written. */
	let handlerAtServingLine: boolean | undefined;
	const env = {
		isTTY: true,
		isStderrTTY,
		terminal: {stdin: terminal.stdin, stdout: terminal.stdout},
		onSignal(handler: () => void) {
			signal = handler;
			return () => {
				signal = undefined;
			};
		},
	};
	const exit = runCli(
		[command, ...args],
		{
			stdout: t => {
				stdout += t;
				if (t.startsWith('specsim: serving ')) {
					handlerAtServingLine = signal !== undefined;
					// A script that signals the moment it reads the line: before Ink has loaded and drawn.
					if (signalOnServingLine) signal?.();
				}
			},
			stderr: t => {
				stderr += t;
			},
		},
		env,
	);
	return {terminal, exit, stdout: () => stdout, stderr: () => stderr, signal: () => signal?.(), handlerAtServingLine: () => handlerAtServingLine};
}

async function metricsUrl(run: ReturnType<typeof startRun>): Promise<string> {
	let url = '';
	await vi.waitFor(() => {
		const match = /^specsim: serving \/metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(run.stdout());
		expect(match).not.toBeNull();
		url = match![1]!;
		// `run` loads Ink and React on demand (only the dashboard needs them): allow for the import.
	}, SETTLE);
	return url;
}

describe('specsim run on a terminal', () => {
	it('shows the dashboard while /metrics answers; keys reach the simulation and /metrics; q exits 0 and closes the server', async () => {
		const run = startRun(['--port', '0', '--speed', '20']);
		const url = await metricsUrl(run);
		expect(run.stderr()).toBe('');
		// (With CI set, Ink writes only <Static> lines until exit: check frames after quitting.)
		expect(run.terminal.rawMode()).toBe(true);
		const first = await scrape(url);
		expect(first.status).toBe(200);
		expect(first.body).not.toContain('position="3"');
		run.terminal.press(']');
		await vi.waitFor(
			async () =>
				expect((await scrape(url)).body).toContain(
					'vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct",position="3"}',
				),
			SETTLE,
		);
		run.terminal.press('p');
		// React commits an external-store update in a microtask: let it land before quitting.
		await new Promise(resolve => setImmediate(resolve));
		run.terminal.press('q');
		await expect(run.exit).resolves.toBe(0);
		// The last frame (Ink writes it on exit in every mode) shows the state at quit.
		const output = run.terminal.output();
		expect(output).toContain('eagle3 k=4');
		expect(output).toContain('‖ paused');
		expect(output).toContain('p pause');
		expect(run.terminal.rawMode()).toBe(false);
		await expect(scrape(url)).rejects.toMatchObject({code: 'ECONNREFUSED'});
	});

	it('SIGINT/SIGTERM end the dashboard cleanly with exit code 0', async () => {
		const run = startRun(['--port', '0', '--speed', 'max']);
		const url = await metricsUrl(run);
		expect((await scrape(url)).status).toBe(200);
		run.signal();
		await expect(run.exit).resolves.toBe(0);
		await expect(scrape(url)).rejects.toMatchObject({code: 'ECONNREFUSED'});
	});

	it.each(['run', 'serve'])(
		'%s: a signal as soon as the serving line is out, before the dashboard is up, ends it with exit code 0',
		async command => {
			const run = startRun(['--port', '0', '--speed', 'max'], {command, signalOnServingLine: true});
			// Without a handler then, the default one killed the process (exit code 130) while Ink loaded.
			await vi.waitFor(() => expect(run.handlerAtServingLine()).toBe(true), SETTLE);
			await expect(run.exit).resolves.toBe(0);
			expect(run.terminal.rawMode()).toBe(false);
			const url = /^specsim: serving .* on (http:\/\/127\.0\.0\.1:\d+)/m.exec(run.stdout())![1]!;
			await expect(scrape(`${url}/metrics`)).rejects.toMatchObject({code: 'ECONNREFUSED'});
		},
	);

	it('keeps vLLM log lines inside its frame: nothing written to the terminal is wider than the terminal', async () => {
		const run = startRun(['--port', '0', '--speed', '20']);
		const url = await metricsUrl(run);
		// Drafts counted: the engines have started, so the engine-initialised line has been logged.
		await vi.waitFor(async () => expect((await scrape(url)).body).toMatch(/^vllm:spec_decode_num_drafts_total\{[^}]*\} [1-9]/m), SETTLE);
		run.terminal.press('q');
		await expect(run.exit).resolves.toBe(0);
		const output = run.terminal.output();
		// Written above the frame, the terminal (100 columns) wrapped the line; in the log panel it is word-wrapped to the frame.
		expect(output.split('\n').filter(line => line.length > 100)).toEqual([]);
		expect(output).toContain('─ Log  vLLM INFO lines, newest last ─');
		expect(output).toMatch(/\] Engine 000: vllm cache_config_info with initialization\s+after num_gpu_blocks is: \d+/);
	});

	it('stderr redirected (2>FILE): every log line the headless run prints goes there, none around the frame', async () => {
		const run = startRun(['--no-server', '--speed', 'max', '--duration', '30s'], {isStderrTTY: false});
		// The 30 s interval's lines are the last ones the run logs.
		await vi.waitFor(() => expect(run.stderr()).toContain('INFO 01-01 00:00:30 [metrics.py:96] SpecDecoding metrics: '), SETTLE);
		run.terminal.press('q');
		await expect(run.exit).resolves.toBe(0);
		const headless = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '30s');
		const logLines = headless.stdout.split('\n').filter(line => line.startsWith('INFO '));
		expect(logLines).toHaveLength(7);
		expect(run.stderr()).toBe(`${logLines.join('\n')}\n`);
		expect(
			run.terminal
				.output()
				.split('\n')
				.filter(line => line.length > 100),
		).toEqual([]);
	});

	it('serve with stderr redirected: uvicorn access lines go there, not to the terminal', async () => {
		const run = startRun(['--port', '0', '--speed', 'max'], {isStderrTTY: false, command: 'serve'});
		let base = '';
		await vi.waitFor(() => {
			const match = /^specsim: serving the OpenAI-compatible API on (http:\/\/127\.0\.0\.1:\d+) /m.exec(run.stdout());
			expect(match).not.toBeNull();
			base = match![1]!;
		}, SETTLE);
		expect((await scrape(`${base}/health`)).status).toBe(200);
		await vi.waitFor(() => expect(run.stderr()).toMatch(/^INFO: {5}127\.0\.0\.1:\d+ - "GET \/health HTTP\/1\.1" 200 OK$/m), SETTLE);
		run.terminal.press('q');
		await expect(run.exit).resolves.toBe(0);
		expect(run.terminal.output()).not.toContain('GET /health');
	});

	it('--no-server: no /metrics, the header says so', async () => {
		const run = startRun(['--no-server', '--speed', 'max']);
		// The dashboard is up once it reads keys (with CI set, Ink writes frames only on exit).
		await vi.waitFor(() => expect(run.terminal.rawMode()).toBe(true), SETTLE);
		run.terminal.press('q');
		await expect(run.exit).resolves.toBe(0);
		expect(run.terminal.output()).toContain('/metrics off (--no-server)');
		expect(run.stdout()).not.toContain('serving /metrics');
	});
});
