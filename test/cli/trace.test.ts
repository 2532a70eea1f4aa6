import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {MAX_LINE_CHARS, MAX_TRACE_LINES} from '../../src/util/limits.js';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-trace-'));

describe('trace replay (--trace)', () => {
	it('runs exactly the requests of the trace', async () => {
		const trace = join(dir, 'trace.jsonl');
		const lines = Array.from({length: 40}, (_, i) => JSON.stringify({arrival_time: i * 0.5, prompt_tokens: 100 + i, output_tokens: 50 + (i % 7)}));
		writeFileSync(trace, `${lines.join('\n')}\n`);
		const out = join(dir, 'ok');
		expect(await cli('generate', '--out', out, '--duration', '60s', '--trace', trace)).toMatchObject({code: 0});
		const requests = readFileSync(join(out, 'requests.jsonl'), 'utf8')
			.trim()
			.split('\n')
			.map(l => JSON.parse(l));
		expect(requests).toHaveLength(40);
		const byId = [...requests].sort((a, b) => a.id - b.id);
		expect(byId.map(r => [r.arrival_time, r.prompt_tokens, r.output_tokens])).toEqual(
			Array.from({length: 40}, (_, i) => [i * 0.5, 100 + i, 50 + (i % 7)]),
		);
		expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).config.workload.trace).toBe(trace);
	});

	it('stops at a bad trace line with one line naming file, line and field', async () => {
		const trace = join(dir, 'bad.jsonl');
		writeFileSync(
			trace,
			'{"arrival_time": 0, "prompt_tokens": 10, "output_tokens": 5}\n{"arrival_time": 1, "prompt_tokens": 10, "output_tokens": -3}\n',
		);
		const {code, stderr} = await cli('generate', '--out', join(dir, 'bad'), '--duration', '10s', '--trace', trace);
		expect(code).toBe(2);
		expect(stderr).toBe(`specsim: ${trace}:2: output_tokens must be a positive integer, got -3\n`);
	});

	it('finds a bad line anywhere in the trace before anything starts (no server, no log line)', async () => {
		const trace = join(dir, 'bad-late.jsonl');
		const good = Array.from({length: 50}, (_, i) => JSON.stringify({arrival_time: i * 100, prompt_tokens: 10, output_tokens: 5}));
		writeFileSync(trace, `${good.join('\n')}\n{"arrival_time": 6000, "prompt_tokens": 10, "output_tokens": 5\n`);
		const {code, stdout, stderr} = await cli('run', '--headless', '--port', '0', '--speed', 'max', '--duration', '10s', '--trace', trace);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(new RegExp(`^specsim: ${trace.replaceAll('/', '\\/')}:51: invalid JSON[^\n]*\n$`));
	});

	it('an empty trace (or one of blank lines) is a one-line error naming the file, not a silent run of an idle engine', async () => {
		const empty = join(dir, 'empty.jsonl');
		writeFileSync(empty, '');
		const blank = join(dir, 'blank.jsonl');
		writeFileSync(blank, '\n  \n');
		for (const command of ['run', 'generate']) {
			const extra = command === 'run' ? ['--no-server', '--headless'] : ['--out', join(dir, `empty-${command}`)];
			expect(await cli(command, ...extra, '--duration', '5s', '--trace', empty)).toEqual({
				code: 2,
				stdout: '',
				stderr: `specsim: ${empty}: the trace has no request (an empty file); one JSON object per line\n`,
			});
			expect(await cli(command, ...extra, '--duration', '5s', '--trace', blank)).toMatchObject({
				code: 2,
				stderr: `specsim: ${blank}: the trace has no request (only blank lines); one JSON object per line\n`,
			});
		}
	});

	it.each([
		[
			'arrival_time',
			'{"arrival_time": 1e300, "prompt_tokens": 10, "output_tokens": 5}',
			'arrival_time must be at most 2592000 virtual seconds (30 days), got 1e+300',
		],
		[
			'arrival_time',
			'{"arrival_time": 2592000.5, "prompt_tokens": 10, "output_tokens": 5}',
			'arrival_time must be at most 2592000 virtual seconds (30 days), got 2592000.5',
		],
		[
			'prompt_tokens',
			'{"arrival_time": 1, "prompt_tokens": 1e15, "output_tokens": 5}',
			'prompt_tokens must be at most 10000000 tokens, got 1000000000000000',
		],
		['prompt_tokens', '{"arrival_time": 1, "prompt_tokens": 2.5, "output_tokens": 5}', 'prompt_tokens must be a positive integer, got 2.5'],
		[
			'output_tokens',
			'{"arrival_time": 1, "prompt_tokens": 10, "output_tokens": 10000001}',
			'output_tokens must be at most 10000000 tokens, got 10000001',
		],
		[
			'output_tokens',
			'{"arrival_time": 1, "prompt_tokens": 10, "output_tokens": 1e300}',
			'output_tokens must be at most 10000000 tokens, got 1e+300',
		],
		[
			'turn',
			'{"arrival_time": 1, "prompt_tokens": 10, "output_tokens": 5, "conversation": "c", "turn": 1e300}',
			'turn must be at most 10000000, got 1e+300',
		],
	])('refuses an absurd %s with one line naming file, line and field', async (_field, line, detail) => {
		const trace = join(dir, 'absurd.jsonl');
		writeFileSync(trace, `{"arrival_time": 0, "prompt_tokens": 10, "output_tokens": 5}\n${line}\n`);
		const {code, stderr} = await cli('generate', '--out', join(dir, 'absurd'), '--duration', '10s', '--trace', trace);
		expect(code).toBe(2);
		expect(stderr).toBe(`specsim: ${trace}:2: ${detail}\n`);
	});

	it('stops at a trace line longer than MAX_LINE_CHARS before reading the rest into memory', async () => {
		const trace = join(dir, 'blob.jsonl');
		writeFileSync(trace, `${JSON.stringify({arrival_time: 0, prompt_tokens: 5, output_tokens: 5})}\n${'x'.repeat(MAX_LINE_CHARS + 10)}\n`);
		const {code, stderr} = await cli('generate', '--out', join(dir, 'blob'), '--duration', '10s', '--trace', trace);
		expect(code).toBe(2);
		expect(stderr).toBe(
			`specsim: ${trace}:2: line is longer than ${MAX_LINE_CHARS} characters (the most a line may have); is this the right file?\n`,
		);
	});

	it(`refuses a trace of more than MAX_TRACE_LINES (${MAX_TRACE_LINES}) requests, naming the first line past it`, async () => {
		const trace = join(dir, 'huge.jsonl');
		writeFileSync(trace, '{}\n'.repeat(MAX_TRACE_LINES + 1));
		const {code, stderr} = await cli('generate', '--out', join(dir, 'huge'), '--duration', '10s', '--trace', trace);
		expect(code).toBe(2);
		expect(stderr).toBe(
			`specsim: ${trace}:${MAX_TRACE_LINES + 1}: a trace holds at most ${MAX_TRACE_LINES} requests (MAX_TRACE_LINES); split the file\n`,
		);
		expect(existsSync(join(dir, 'huge'))).toBe(false);
	});

	it('reports a missing trace file', async () => {
		const {code, stderr} = await cli('generate', '--out', join(dir, 'missing'), '--duration', '10s', '--trace', join(dir, 'nope.jsonl'));
		expect(code).toBe(2);
		expect(stderr).toBe(`specsim: ${join(dir, 'nope.jsonl')}: no such file or directory\n`);
	});
});
