import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-replay-'));
function file(name: string, lines: string[]): string {
	const path = join(dir, name);
	writeFileSync(path, `${lines.join('\n')}\n`);
	return path;
}

const stream = [
	'{"type":"meta","start_t":0,"seed":0}',
	'{"type":"step","t":0.5,"engine":0,"num_spec_tokens":3,"drafts":[[3,2],[3,1]]}',
	'{"type":"step","t":0.7,"engine":1,"num_spec_tokens":3,"drafts":[[3,3]]}',
	'{"type":"step","t":0.9,"engine":0,"num_spec_tokens":3,"drafts":[]}',
	'{"type":"log","t":10,"engine":0,"line":"SpecDecoding metrics: Mean acceptance length: 2.50, Accepted throughput: 0.30 tokens/s, Drafted throughput: 0.60 tokens/s, Accepted: 3 tokens, Drafted: 6 tokens, Per-position acceptance rate: 1.000, 0.500, 0.000, Avg Draft acceptance rate: 50.0%"}',
	'{"type":"log","t":10,"engine":1,"line":"SpecDecoding metrics: Mean acceptance length: 4.00, Accepted throughput: 0.30 tokens/s, Drafted throughput: 0.30 tokens/s, Accepted: 3 tokens, Drafted: 3 tokens, Per-position acceptance rate: 1.000, 1.000, 1.000, Avg Draft acceptance rate: 100.0%"}',
	'{"type":"log","t":20,"engine":0,"line":"nothing"}',
];

describe('specsim replay', () => {
	it('prints each log message at the log records and ends with the exposition', async () => {
		const {code, stdout, stderr} = await cli('replay', file('ok.jsonl', stream), '--log-format', 'throughput', '--model-name', 'llama');
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const lines = stdout.split('\n');
		expect(lines[0]).toBe(JSON.parse(stream[4]!).line);
		expect(lines[1]).toBe(JSON.parse(stream[5]!).line);
		expect(stdout).toContain(
			'# TYPE vllm:spec_decode_num_drafts_total counter\nvllm:spec_decode_num_drafts_total{engine="0",model_name="llama"} 2.0\nvllm:spec_decode_num_drafts_total{engine="1",model_name="llama"} 1.0\n',
		);
		expect(stdout).toContain('vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="llama",position="1"} 1.0\n');
	});

	it('--verify fails on a recorded line that differs', async () => {
		const {code, stderr} = await cli(
			'replay',
			file('verify.jsonl', stream.slice(0, 6).concat('{"type":"log","t":30,"engine":1,"line":"x"}')),
			'--log-format',
			'throughput',
			'--verify',
		);
		// Engine 1 drafted nothing after t=10, so nothing is produced at t=30 but "x" was recorded.
		expect(code).toBe(1);
		expect(stderr).toMatch(/verify\.jsonl:7: replayed message differs from the recorded line/);
	});

	it.each([
		['{"type":"step","t":1,"engine":0,"num_spec_tokens":3,"drafts":[[2,3]]}', 'line 2: "drafts[0]": accepted 3 > drafted 2'],
		['{"type":"step","t":1,"engine":0,"num_spec_tokens":3,"drafts":[[4,1]]}', 'line 2: "drafts[0]": drafted 4 > num_spec_tokens 3'],
		['{"type":"step","t":1,"engine":0,"drafts":[[1,1]]}', 'line 2: "num_spec_tokens" must be an integer from 1 to 64, got nothing'],
		['{"type":"step","t":1,"engine":0,"num_spec_tokens":3,"drafts":[[1,1]]', 'line 2: invalid JSON'],
		['{"type":"oops"}', 'line 2: unknown record type "oops" (expected "meta", "step" or "log")'],
	])('stops at a malformed line with one line naming it, exit code 2: %s', async (bad, message) => {
		const path = file('bad.jsonl', [stream[0]!, bad, stream[1]!]);
		const {code, stdout, stderr} = await cli('replay', path);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr.split('\n')).toHaveLength(2); // one line and the final newline
		expect(stderr).toContain(`specsim: ${path}:${message.replace(/^line (\d+): /, '$1: ')}`);
		expect(stderr).not.toMatch(/\n\s+at /);
	});

	it('rejects a stream without meta first, a missing file and an empty stream', async () => {
		expect((await cli('replay', file('nometa.jsonl', [stream[1]!]))).stderr).toContain(
			'nometa.jsonl:1: the first record must have "type":"meta", got "step"',
		);
		const missing = await cli('replay', join(dir, 'missing.jsonl'));
		expect(missing).toMatchObject({code: 2, stderr: `specsim: ${join(dir, 'missing.jsonl')}: no such file or directory\n`});
		expect(await cli('replay', file('empty.jsonl', ['']))).toMatchObject({code: 2});
	});

	it('rejects unknown options and formats as usage errors', async () => {
		expect(await cli('replay', 'x', '--log-format', 'v9')).toMatchObject({code: 2});
		const r = await cli('replay', 'x', '--log-format', 'v9');
		expect(r.stderr).toMatch(/^specsim: option '--log-format <format>' argument 'v9' is invalid/);
	});
});

describe('specsim replay on files that are not an event stream', () => {
	it.each([
		['a vLLM log', 'INFO 01-01 00:00:10 [metrics.py:96] SpecDecoding metrics: Mean acceptance length: 2.67, Accepted: 5511 tokens'],
		['a prefixed vLLM log', '(APIServer pid=1) INFO 05-04 01:06:43 [loggers.py:259] Engine 000: Avg prompt throughput: 0.0 tokens/s'],
		['a bare spec-decode line', 'SpecDecoding metrics: Draft acceptance rate: 100.0%, Accepted: 66 tokens, Drafted: 66 tokens'],
		['a /metrics scrape', '# HELP vllm:spec_decode_num_drafts Number of spec decoding drafts.'],
	])('%s: one line naming the file, saying what it is and which command reads it', async (_, first) => {
		const path = file(`not-events-${first.length}.log`, [first, first]);
		const {code, stdout, stderr} = await cli('replay', path);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr.split('\n')).toHaveLength(2);
		expect(stderr).toMatch(
			new RegExp(
				`^specsim: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: not an event stream but (a vLLM log|a Prometheus exposition): replay reads the events\\.jsonl of specsim generate; specsim calibrate ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} fits acceptance to it\n$`,
			),
		);
	});

	it('a malformed line further down an event stream keeps its own message', async () => {
		const {code, stderr} = await cli('replay', file('late.jsonl', [stream[0]!, 'INFO 01-01 00:00:10 [metrics.py:96] SpecDecoding metrics: x']));
		expect(code).toBe(2);
		expect(stderr).toMatch(/late\.jsonl:2: invalid JSON/);
	});
});
