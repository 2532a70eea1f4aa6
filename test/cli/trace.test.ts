import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
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

	it('reports a missing trace file', async () => {
		const {code, stderr} = await cli('generate', '--out', join(dir, 'missing'), '--duration', '10s', '--trace', join(dir, 'nope.jsonl'));
		expect(code).toBe(2);
		expect(stderr).toBe(`specsim: ${join(dir, 'nope.jsonl')}: no such file or directory\n`);
	});
});
