import {type ChildProcess, spawn} from 'node:child_process';
import {resolve} from 'node:path';
import OpenAI from 'openai';
import {afterEach, describe, expect, it} from 'vitest';
import {counter, MODEL} from './serve-harness.js';

const CLI = resolve(import.meta.dirname, '../../dist/cli/cli.js');
const SERVING = /specsim: serving the OpenAI-compatible API on (http:\/\/127\.0\.0\.1:\d+) /;

const children: ChildProcess[] = [];
afterEach(() => {
	for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** `specsim serve` as a real process, paced at one virtual second per wall second; resolves with its base URL. */
async function spawnServe(): Promise<{child: ChildProcess; baseUrl: string; stderr: () => string; exit: Promise<number | null>}> {
	const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--speed', '1'], {stdio: ['ignore', 'ignore', 'pipe']});
	children.push(child);
	let stderr = '';
	child.stderr!.on('data', chunk => {
		stderr += String(chunk);
	});
	const exit = new Promise<number | null>(done => child.once('exit', code => done(code)));
	for (;;) {
		const match = SERVING.exec(stderr);
		if (match !== null) return {child, baseUrl: match[1]!, stderr: () => stderr, exit};
		if (child.exitCode !== null) throw new Error(`serve exited early: ${stderr}`);
		await new Promise(done => setTimeout(done, 20));
	}
}

describe('specsim serve stops on SIGINT and SIGTERM: every request in flight gets a terminal response, exit 0', () => {
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		it(`${signal}: a stream ends with finish_reason abort, usage and [DONE]; a pending request is answered with abort`, async () => {
			const {child, baseUrl, exit} = await spawnServe();
			const client = new OpenAI({baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0});
			// 3000 tokens at one virtual second per wall second: far longer than the test runs.
			const pending = client.completions.create({
				model: MODEL,
				prompt: 'long',
				max_tokens: 3000,
				ignore_eos: true,
			} as OpenAI.CompletionCreateParamsNonStreaming);
			const stream = await client.chat.completions.create({
				model: MODEL,
				messages: [{role: 'user', content: 'write a lot'}],
				max_tokens: 3000,
				ignore_eos: true,
				stream: true,
				stream_options: {include_usage: true},
			} as OpenAI.ChatCompletionCreateParamsStreaming);
			const chunks: OpenAI.ChatCompletionChunk[] = [];
			for await (const chunk of stream) {
				chunks.push(chunk);
				if (chunks.length === 3) {
					// Both requests are running in the engine before the signal.
					while ((await counter(baseUrl, 'vllm:num_requests_running')) < 2) await new Promise(done => setTimeout(done, 20));
					child.kill(signal);
				}
			}
			const content = chunks.filter(c => c.choices.length > 0);
			expect(content.at(-1)!.choices[0]!.finish_reason).toBe('abort');
			expect(content.filter(c => c.choices[0]!.finish_reason !== null)).toHaveLength(1);
			const usage = chunks.at(-1)!;
			expect(usage.choices).toEqual([]);
			expect(usage.usage!.completion_tokens).toBeGreaterThan(0);
			expect(usage.usage!.completion_tokens).toBeLessThan(3000);
			const answered = await pending;
			expect(answered.choices[0]!.finish_reason).toBe('abort');
			expect(answered.usage!.completion_tokens).toBeLessThan(3000);
			expect(await exit).toBe(0);
			// It no longer accepts connections.
			await expect(fetch(`${baseUrl}/health`)).rejects.toThrow();
		});
	}
});

describe("specsim serve prints uvicorn's lifecycle lines on stderr, as vLLM's API server does", () => {
	it('started and startup complete before serving; shutting down and finished after SIGINT, with the process id', async () => {
		const {child, stderr, exit} = await spawnServe();
		child.kill('SIGINT');
		expect(await exit).toBe(0);
		const pid = child.pid!;
		const lines = stderr().split('\n');
		const serving = lines.findIndex(line => SERVING.test(line));
		// uvicorn's DefaultFormatter: `INFO:` padded to 9 characters, a space, the message (uvicorn.error logs to stderr).
		expect(lines.slice(serving - 3, serving)).toEqual([
			`INFO:     Started server process [${pid}]`,
			'INFO:     Waiting for application startup.',
			'INFO:     Application startup complete.',
		]);
		expect(lines.slice(serving + 1)).toEqual([
			'INFO:     Shutting down',
			'INFO:     Waiting for application shutdown.',
			'INFO:     Application shutdown complete.',
			`INFO:     Finished server process [${pid}]`,
			'',
		]);
	});
});
