/**
 * The README's "Point your client at specsim" section, run as written: its `specsim serve` line
 * starts the server (on a free port instead of 8000), then its TypeScript and curl blocks run
 * against it with the port replaced. The Python block needs Python's openai package, which CI does
 * not install: it is run by hand (`pip install openai`) when the section changes. The
 * `vllm bench serve` line cannot run here (no vLLM): it is checked to point at the README's server,
 * and test/serve/vllm-bench-client.test.ts replays the requests it sends.
 */
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startCli} from '../helpers/cli-run.js';

const ROOT = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const start = readme.indexOf('## Point your client at specsim');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(m => ({lang: m[1]!, code: m[2]!}));

/** A command's exit code and output; async, so the in-process server keeps serving meanwhile. */
function run(command: string, args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise((ok, fail) => {
		const child = spawn(command, args, {cwd: ROOT});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', chunk => (stdout += chunk));
		child.stderr.on('data', chunk => (stderr += chunk));
		child.on('error', fail);
		child.on('close', code => ok({code, stdout, stderr}));
	});
}

let server: ReturnType<typeof startCli>;
let port = '';
// Scripts go under node_modules so that `import OpenAI from 'openai'` resolves as in a user's project.
const scratch = join(ROOT, 'node_modules', '.cache', `readme-clients-${process.pid}`);
const withPort = (code: string) => code.replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`);

beforeAll(async () => {
	const serve = blocks[0]!.code.trim();
	expect(serve).toMatch(/^specsim serve [^&]+ &$/);
	server = startCli([...serve.slice('specsim '.length, -2).split(/\s+/), '--port', '0']);
	for (;;) {
		const match = /on http:\/\/127\.0\.0\.1:(\d+) /.exec(server.stderr());
		if (match !== null) {
			port = match[1]!;
			break;
		}
		await new Promise(resolve => setTimeout(resolve, 10));
	}
	mkdirSync(scratch, {recursive: true});
});

afterAll(async () => {
	rmSync(scratch, {recursive: true, force: true});
	server.signal();
	expect(await server.exit).toBe(0);
});

describe("README: point your client at specsim (each block run against the README's own server line)", () => {
	it('the section has the server line, TypeScript, Python, two curl blocks and vllm bench serve', () => {
		expect(blocks.map(b => b.lang)).toEqual(['sh', 'ts', 'python', 'sh', 'sh', 'sh']);
	});

	it('the TypeScript SDK block prints a 32-token completion with its usage, then a streamed chat', async () => {
		const file = join(scratch, 'client.mts');
		writeFileSync(file, withPort(blocks.find(b => b.lang === 'ts')!.code));
		const {code, stdout, stderr} = await run(process.execPath, ['--import', 'tsx', file]);
		expect(stderr).toBe('');
		expect(code).toBe(0);
		expect(stdout).toMatch(/completion_tokens: 32/);
		// The streamed chat's 64 tokens follow the usage object's closing brace.
		const streamed = stdout.slice(stdout.lastIndexOf('}') + 1).trim();
		expect(streamed.split(' ').length).toBeGreaterThan(30);
	});

	it('the streamed chat curl block prints SSE events, the last carrying usage, then [DONE]', async () => {
		const curl = blocks.filter(b => b.lang === 'sh')[2]!.code;
		expect(curl).toContain('"stream": true');
		const {code, stdout} = await run('bash', ['-c', withPort(curl)]);
		expect(code).toBe(0);
		const events = stdout.split('\n\n').filter(e => e !== '');
		expect(events.every(e => e.startsWith('data: '))).toBe(true);
		expect(events.at(-1)).toBe('data: [DONE]');
		const usage = JSON.parse(events.at(-2)!.slice('data: '.length)) as {choices: unknown[]; usage: {completion_tokens: number}};
		expect(usage).toMatchObject({choices: [], usage: {completion_tokens: 16}});
		expect(events.length).toBeGreaterThan(3);
	});

	it('the vllm bench serve line targets the README server and its model', () => {
		const bench = blocks.filter(b => b.lang === 'sh')[3]!.code;
		const model = blocks[0]!.code.trim().split(/\s+/)[2];
		expect(bench).toMatch(/^vllm bench serve /);
		expect(bench).toContain('--base-url http://127.0.0.1:8000 ');
		expect(bench).toContain(`--model ${model} `);
		expect(bench).toContain('--ignore-eos');
	});

	it('the curl completion block gets 16 tokens with finish_reason length', async () => {
		const curl = blocks.filter(b => b.lang === 'sh')[1]!.code;
		const {code, stdout} = await run('bash', ['-c', withPort(curl)]);
		expect(code).toBe(0);
		const body = JSON.parse(stdout) as {object: string; choices: Array<{finish_reason: string}>; usage: {completion_tokens: number}};
		expect(body.object).toBe('text_completion');
		expect(body.choices[0]!.finish_reason).toBe('length');
		expect(body.usage.completion_tokens).toBe(16);
	});
});
