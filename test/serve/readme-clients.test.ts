/**
 * The README's "Point your client at specsim" section, run as written: its `specsim serve` line
 * starts the server (on a free port instead of 8000), then its TypeScript and curl blocks run
 * against it with the port replaced. The Python block needs Python's openai package, which CI does
 * not install: it is run by hand (`pip install openai`) when the section changes.
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
	it('the section has the server line, a TypeScript, a Python and curl blocks', () => {
		expect(blocks.map(b => b.lang)).toEqual(['sh', 'ts', 'python', 'sh']);
	});

	it('the TypeScript SDK block prints a 32-token completion and its usage', async () => {
		const file = join(scratch, 'client.mts');
		writeFileSync(file, withPort(blocks.find(b => b.lang === 'ts')!.code));
		const {code, stdout, stderr} = await run(process.execPath, ['--import', 'tsx', file]);
		expect(stderr).toBe('');
		expect(code).toBe(0);
		expect(stdout).toMatch(/completion_tokens: 32/);
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
