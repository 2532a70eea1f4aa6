import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {DATASET_FILES} from '../../src/cli/commands/generate.js';
import {runCli} from '../../src/cli/program.js';
import {cli} from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'specsim-generate-'));
const args = (out: string, ...extra: string[]) => [
	'generate',
	'--out',
	out,
	'--duration',
	'2m',
	'--qps',
	'6',
	'--log-format',
	'throughput',
	...extra,
];
const read = (dir: string) => Object.fromEntries(DATASET_FILES.map(f => [f, readFileSync(join(dir, f), 'utf8')]));

describe('specsim generate', () => {
	const a = join(root, 'a');
	const b = join(root, 'b');
	const c = join(root, 'c');

	it('writes every dataset file, and the same seed gives byte-identical files', async () => {
		expect(await cli(...args(a))).toMatchObject({code: 0, stdout: ''});
		expect(await cli(...args(b))).toMatchObject({code: 0});
		expect(readdirSync(a).sort()).toEqual([...DATASET_FILES].sort());
		const first = read(a);
		const second = read(b);
		for (const file of DATASET_FILES) expect(second[file], file).toBe(first[file]);
	});

	it('a different seed gives different files', async () => {
		expect(await cli(...args(c, '--seed', '1'))).toMatchObject({code: 0});
		const first = read(a);
		const other = read(c);
		for (const file of ['events.jsonl', 'requests.jsonl', 'vllm.log', 'metrics.om'] as const) expect(other[file], file).not.toBe(first[file]);
	});

	it('writes consistent files: summary, requests, log and exposition agree', () => {
		const files = read(a);
		const summary = JSON.parse(files['summary.json']!);
		expect(summary.config.name).toBe('llama-3.1-8b-eagle3');
		expect(summary.seed).toBe(0);
		expect(summary.virtual_seconds).toBe(120);
		expect(Object.keys(summary).sort()).toEqual(['config', 'engines', 'expected', 'seed', 'spec_decode', 'virtual_seconds']);
		const requests = files['requests.jsonl']!.trim()
			.split('\n')
			.map(l => JSON.parse(l));
		expect(requests).toHaveLength(summary.engines.requests_finished);
		// Per-request summaries add up to the counters (every request here has n = 1; the record is described in docs/accounting.md).
		const sum = (f: (r: {speculative_decoding: Record<string, number>}) => number) => requests.reduce((s, r) => s + f(r), 0);
		expect(sum(r => r.speculative_decoding['num_spec_steps']!)).toBeLessThanOrEqual(summary.spec_decode.num_drafts);
		for (const r of requests) {
			const sd = r.speculative_decoding;
			expect(sd.acceptance_histogram).toHaveLength(4);
			expect(sd.acceptance_histogram.reduce((s: number, x: number) => s + x, 0)).toBe(sd.num_spec_steps);
			expect(sd.acceptance_histogram.reduce((s: number, x: number, j: number) => s + j * x, 0)).toBe(sd.num_accepted_draft_tokens);
			expect(r.first_token_time).toBeGreaterThanOrEqual(r.arrival_time);
			expect(r.finish_time).toBeGreaterThanOrEqual(r.first_token_time);
		}
		// The engine-initialised line, then per tick the Engine line and the SpecDecoding line.
		const logLines = files['vllm.log']!.trim().split('\n');
		expect(logLines).toHaveLength(25);
		expect(logLines[0]).toMatch(
			/^INFO 01-01 00:00:00 \[loggers\.py:\d+\] Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is: \d+$/,
		);
		expect(logLines[1]).toMatch(/^INFO 01-01 00:00:10 \[loggers\.py:\d+\] Engine 000: Avg prompt throughput: \d+\.\d tokens\/s, /);
		expect(logLines[2]).toMatch(/^INFO 01-01 00:00:10 \[metrics\.py:96\] SpecDecoding metrics: Mean acceptance length: \d\.\d\d, /);
		expect(files['metrics.prom']).toContain(
			`vllm:spec_decode_num_drafts_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} ${summary.spec_decode.num_drafts}.0\n`,
		);
		const om = files['metrics.om']!;
		expect(om.endsWith('# EOF\n')).toBe(true);
		// A scrape at t=0 and every 15 s after: 9 timestamped samples per series.
		expect(om.match(/^vllm:spec_decode_num_drafts_total\{[^}]*\} \S+ \S+$/gm)).toHaveLength(9);
	});

	it('replays to exactly the log lines and counters the run wrote', async () => {
		const {code, stdout} = await cli('replay', join(a, 'events.jsonl'), '--verify');
		expect(code).toBe(0);
		const logged = readFileSync(join(a, 'vllm.log'), 'utf8')
			.trim()
			.split('\n')
			.filter(l => l.includes('[metrics.py:'))
			.map(l => l.replace(/^INFO \S+ \S+ \[metrics\.py:\d+\] /, ''));
		expect(stdout.split('\n').filter(l => l.startsWith('SpecDecoding metrics:'))).toEqual(logged);
		const specSeries = (text: string) => text.split('\n').filter(l => l.startsWith('vllm:spec_decode_') && !l.includes('_created'));
		expect(specSeries(stdout)).toEqual(specSeries(readFileSync(join(a, 'metrics.prom'), 'utf8')));
	});

	it('produces OpenMetrics that promtool imports', () => {
		const blocks = join(root, 'blocks');
		const result = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(a, 'metrics.om'), blocks], {encoding: 'utf8'});
		if (result.error) throw new Error(`promtool is not installed (apt-get install prometheus): ${result.error.message}`);
		expect(result.stderr + result.stdout).not.toMatch(/error/i);
		expect(result.status).toBe(0);
		expect(readdirSync(blocks).length).toBeGreaterThan(0);
	});

	it('refuses a non-empty directory without --force, and overwrites with it', async () => {
		const dir = join(root, 'full');
		mkdirSync(dir);
		writeFileSync(join(dir, 'keep.txt'), 'x');
		const refused = await cli(...args(dir));
		expect(refused.code).toBe(2);
		expect(refused.stderr).toBe(`specsim: --out ${dir}: directory is not empty (use --force to overwrite a dataset)\n`);
		expect(readdirSync(dir)).toEqual(['keep.txt']);
		expect(await cli(...args(dir, '--force'))).toMatchObject({code: 0});
		expect(readdirSync(dir).sort()).toEqual([...DATASET_FILES, 'keep.txt'].sort());
	});

	it('an interrupted run leaves no file that looks like a dataset, and no directory it created', async () => {
		const existing = join(root, 'interrupted');
		mkdirSync(existing);
		// A directory that was there stays (empty); the ones generate made for --out go again.
		for (const [dir, gone] of [
			[existing, undefined],
			[join(root, 'made', 'for', 'it'), join(root, 'made')],
		] as const) {
			await interrupt(dir);
			if (gone === undefined) expect(readdirSync(dir)).toEqual([]);
			else expect(existsSync(gone)).toBe(false);
		}
		expect(readdirSync(root)).not.toContain('made');
	});

	async function interrupt(dir: string): Promise<void> {
		let stderr = '';
		// SIGINT arrives as soon as the run starts.
		const env = {
			isTTY: false,
			isStderrTTY: false,
			onSignal: (handler: () => void) => {
				handler();
				return () => undefined;
			},
		};
		const code = await runCli(
			args(dir),
			{
				stdout: () => undefined,
				stderr: text => {
					stderr += text;
				},
			},
			env,
		);
		expect(code).toBe(130);
		expect(stderr).toBe('specsim: interrupted: no dataset was written (partial files removed)\n');
	}

	it('rejects bad flags with one line', async () => {
		expect(await cli(...args(join(root, 'd'), '--scrape-interval', 'soon'))).toMatchObject({
			code: 2,
			stderr: 'specsim: --scrape-interval: invalid duration "soon" (expected e.g. 90s, 10m, 1h, 1h30m)\n',
		});
		expect(await cli('generate', '--out', join(root, 'e'), '--duration', '1m', '--k', 'x')).toMatchObject({
			code: 2,
			stderr: 'specsim: --k must be an integer from 0 to 64, got "x"\n',
		});
		expect((await cli('generate', '--duration', '1m')).stderr).toBe("specsim: required option '--out <dir>' not specified\n");
	});
});

describe('--no-created', () => {
	it('omits the _created companions everywhere, as vLLM in multiprocess mode', async () => {
		const dir = join(root, 'no-created');
		expect(await cli(...args(dir, '--no-created'))).toMatchObject({code: 0});
		const files = read(dir);
		expect(files['metrics.prom']).not.toContain('_created');
		expect(files['metrics.om']).not.toContain('_created');
		expect(files['metrics.prom']).toContain('vllm:spec_decode_num_drafts_total{');
		expect(read(join(root, 'a'))['metrics.prom']).toContain('# TYPE vllm:spec_decode_num_drafts_created gauge\n');
	});
});
