import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

describe('specsim run --headless', () => {
	it('prints vLLM log lines with logger prefix and virtual timestamps, then a summary', async () => {
		const {code, stdout, stderr} = await cli(
			'run',
			'--headless',
			'--no-server',
			'--speed',
			'max',
			'--duration',
			'30s',
			'--log-interval',
			'10s',
			'--start',
			'2026-03-04T05:06:00Z',
		);
		expect(stderr).not.toMatch(/error/i);
		expect(code).toBe(0);
		const lines = stdout.trim().split('\n');
		expect(lines[0]).toMatch(
			/^INFO 03-04 05:06:00 \[loggers\.py:\d+\] Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is: \d+$/,
		);
		expect(lines.slice(1, 7).map(l => l.slice(0, l.indexOf('] ') + 2))).toEqual([
			'INFO 03-04 05:06:10 [loggers.py:259] ',
			'INFO 03-04 05:06:10 [metrics.py:96] ',
			'INFO 03-04 05:06:20 [loggers.py:259] ',
			'INFO 03-04 05:06:20 [metrics.py:96] ',
			'INFO 03-04 05:06:30 [loggers.py:259] ',
			'INFO 03-04 05:06:30 [metrics.py:96] ',
		]);
		expect(lines[1]).toMatch(
			/\] Engine 000: Avg prompt throughput: [\d.]+ tokens\/s, Avg generation throughput: [\d.]+ tokens\/s, Running: \d+ reqs, /,
		);
		expect(lines[2]).toMatch(/\] SpecDecoding metrics: Mean acceptance length: \d\.\d\d, Accepted throughput: [\d.]+ tokens\/s, /);
		expect(stdout).toContain('specsim summary: preset llama-3.1-8b-eagle3, seed 0, 30.0 virtual s, 1 engine(s)');
	});

	it.each([
		['--k', '0'],
		['--method', 'none'],
	])('%s %s: the summary says speculation is off instead of showing the model at the preset k', async (flag, value) => {
		const {code, stdout} = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '20s', flag, value);
		expect(code).toBe(0);
		const summary = stdout.slice(stdout.indexOf('specsim summary:'));
		expect(summary.split('\n')[1]).toBe('  speculative decoding off (--k 0 or --method none): no drafts');
		expect(summary).not.toContain('model:');
		expect(summary).not.toContain('per-position');
		expect(summary).not.toContain('speedup');
		expect(summary).toMatch(/\n {2}requests \d+ finished of \d+, /);
	});

	it.each([
		['--k', '0'],
		['--method', 'none'],
	])('%s %s --json: no expectation and no acceptance positions, instead of the preset k model and [0]', async (flag, value) => {
		const {code, stdout} = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '20s', '--json', flag, value);
		expect(code).toBe(0);
		const summary = JSON.parse(stdout);
		expect(summary.expected).toBeNull();
		expect(summary.spec_decode).toMatchObject({
			num_spec_tokens: 0,
			num_drafts: 0,
			num_draft_tokens: 0,
			num_accepted_tokens: 0,
			num_accepted_tokens_per_pos: [],
			per_position_acceptance_rate: [],
			draft_acceptance_rate: null,
		});
		expect(summary.engines.estimated_speedup_vs_no_spec).toBeNull();
		expect(summary.engines.requests_finished).toBeGreaterThan(0);
	});

	it('prints the summary as JSON with the effective configuration and the model expectation', async () => {
		const {code, stdout, stderr} = await cli(
			'run',
			'--headless',
			'--no-server',
			'--speed',
			'max',
			'--duration',
			'20s',
			'--json',
			'--k',
			'5',
			'--engines',
			'2',
			'--log-format',
			'classic',
		);
		expect(code).toBe(0);
		const summary = JSON.parse(stdout);
		expect(summary.config.speculative.numSpecTokens).toBe(5);
		expect(summary.spec_decode.num_spec_tokens).toBe(5);
		expect(summary.config.engines.count).toBe(2);
		expect(summary.expected.per_position_acceptance_rate).toHaveLength(5);
		expect(summary.spec_decode.num_accepted_tokens_per_pos).toHaveLength(5);
		expect(summary.engines.count).toBe(2);
		expect(stderr.split('\n').filter(l => l.includes('SpecDecoding metrics: Draft acceptance rate:'))).toHaveLength(4); // 2 engines × 2 ticks
	});

	it.each([
		[['--preset', 'no-such-preset'], /^specsim: unknown preset "no-such-preset"; known: .*llama-3\.1-8b-eagle3/],
		[['--duration', 'forever'], /^specsim: --duration: invalid duration "forever"/],
		[['--speed', 'fast'], /^specsim: --speed must be a positive number or "max", got "fast"/],
		[['--qps', '-1'], /^specsim: --qps must be a positive number of requests per virtual second, at most 10000, got "-1"/],
		[['--seed', '1.5'], /^specsim: --seed must be a decimal integer from 0 to 9007199254740991 \(2\^53 - 1\), got "1.5"/],
		[['--method', 'telepathy'], /^specsim: --method: Unknown speculative method "telepathy"; known: eagle, eagle3, mtp, /],
	])('rejects %j with one line and exit code 2', async (flags, message) => {
		const {code, stderr} = await cli('run', '--headless', '--no-server', '--duration', '1s', ...flags);
		expect(code).toBe(2);
		expect(stderr).toMatch(message);
		expect(stderr.trim().split('\n')).toHaveLength(1);
	});
});

describe('unknown commands', () => {
	it('names the command and lists the real ones', async () => {
		const {code, stderr} = await cli('bogus');
		expect(code).toBe(2);
		expect(stderr).toBe("specsim: unknown command 'bogus' (commands: run, generate, replay, sweep, presets, calibrate, explain, serve)\n");
	});
});

describe('machine-readable output', () => {
	it('run --headless --json prints only JSON on stdout (log lines go to stderr), so `| jq .` works', async () => {
		const {code, stdout, stderr} = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '20s', '--json');
		expect(code).toBe(0);
		expect(() => JSON.parse(stdout)).not.toThrow();
		expect(stderr.split('\n').filter(l => l.includes('SpecDecoding metrics: '))).toHaveLength(2);
	});

	it('prints summary numbers to 12 significant digits, without float noise (the configuration verbatim)', async () => {
		const {stdout} = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '20s', '--json');
		const summary = JSON.parse(stdout);
		// The default preset's position-0 rate is 0.7296: the closed form computes it with noise in the 15th digit.
		expect(summary.expected.per_position_acceptance_rate[0]).toBe(0.7296);
		const numbers: number[] = [];
		const walk = (x: unknown): void => {
			if (typeof x === 'number') numbers.push(x);
			else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) walk(v);
		};
		walk({...summary, config: undefined});
		expect(numbers.length).toBeGreaterThan(20);
		for (const x of numbers) expect(Number(x.toPrecision(12)), String(x)).toBe(x);
	});

	it('generate --out "" names --out', async () => {
		expect(await cli('generate', '--out', '', '--duration', '1s')).toEqual({
			code: 2,
			stdout: '',
			stderr: 'specsim: --out: the directory name is empty\n',
		});
	});
});
