import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-calibrate-inputs-'));
const write = (name: string, text: string): string => {
	const path = join(dir, name);
	writeFileSync(path, text);
	return path;
};

// One line of vLLM's `throughput` layout (k = 3) and two `vllm bench serve --save-result` results.
const log = write(
	'server.log',
	'INFO 01-01 00:00:10 [metrics.py:96] SpecDecoding metrics: Mean acceptance length: 2.67, Accepted throughput: 551.10 tokens/s, Drafted throughput: 990.60 tokens/s, Accepted: 5511 tokens, Drafted: 9906 tokens, Per-position acceptance rate: 0.740, 0.541, 0.389, Avg Draft acceptance rate: 55.6%\n',
);
const bench = (c: number, tpotMs: number): string =>
	write(
		`bench-c${c}.json`,
		JSON.stringify({max_concurrency: c, completed: 10 * c, total_input_tokens: 10_000 * c, total_output_tokens: 2_500 * c, mean_tpot_ms: tpotMs}),
	);
const benches = [bench(1, 7.1), bench(8, 7.5), bench(32, 11.4)];

describe('calibrate names every input it was given', () => {
	it('log lines with bench results: the headline counts both, not the log alone', async () => {
		const {code, stderr} = await cli('calibrate', log, ...benches);
		expect(code).toBe(0);
		expect(stderr).toContain(
			'\nspecsim calibrate: 4 inputs (1 for acceptance, 3 vllm bench serve results for the step-time fit); 1 spec-decode log line\n',
		);
	});

	it('log lines alone: the headline as before', async () => {
		const {code, stderr} = await cli('calibrate', log);
		expect(code).toBe(0);
		expect(stderr).toContain('specsim calibrate: 1 input; 1 spec-decode log line\n');
	});
});

describe("calibrate's label filters", () => {
	const scrape = write(
		'scrape.prom',
		[
			'vllm:spec_decode_num_drafts_total{engine="1",model_name="m"} 100',
			'vllm:spec_decode_num_draft_tokens_total{engine="1",model_name="m"} 300',
			'vllm:spec_decode_num_accepted_tokens_total{engine="1",model_name="m"} 160',
			'',
		].join('\n'),
	);

	it.each([
		[['--engine', '-1'], 'specsim: --engine must be an integer >= 0, got "-1"\n'],
		[['--engine', '0,x'], 'specsim: --engine must be an integer >= 0, got "x"\n'],
	])('refuses an engine that is no engine index: %j', async (...[flags, message]) => {
		const {code, stdout, stderr} = await cli('calibrate', scrape, ...flags);
		expect({code, stdout, stderr}).toEqual({code: 2, stdout: '', stderr: message});
	});

	it.each([
		[['--engine', '1'], '--engine selects'],
		[['--model-name', 'm'], '--model-name selects'],
		[['--model-name', 'm', '--engine', '1'], '--model-name and --engine select'],
	])('refuses a filter on log lines, which carry no labels: %j', async (...[flags, start]) => {
		const {code, stdout, stderr} = await cli('calibrate', log, ...flags);
		expect({code, stdout}).toEqual({code: 2, stdout: ''});
		expect(stderr).toMatch(
			new RegExp(`^specsim: ${start} Prometheus series by label, and the inputs hold no Prometheus samples .*; leave (it|them) out\\n$`),
		);
	});

	it('keeps applying to Prometheus inputs', async () => {
		const {code, stderr} = await cli('calibrate', scrape, '--engine', '1', '--model-name', 'm', '--observed-k', '3');
		expect(code).toBe(0);
		expect(stderr).toContain('drafts 100, draft tokens 300, accepted tokens 160');
	});
});
