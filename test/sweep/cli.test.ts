import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {SweepJson} from '../../src/cli/commands/sweep.js';
import {PLOT_TITLES} from '../../src/sweep/plot.js';
import {cli} from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-sweep-'));
const closedLoopPreset = join(dir, 'closed-loop.json');
writeFileSync(
	closedLoopPreset,
	JSON.stringify({
		name: 'closed-loop-test',
		servedModelName: 'm',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		speculative: {method: 'eagle3', numSpecTokens: 2, acceptance: {kind: 'constant', alpha: 0.8}},
		workload: {
			arrival: {kind: 'closed-loop', users: 1},
			classes: [{name: 'c', weight: 1, prompt: {kind: 'fixed', value: 32}, output: {kind: 'fixed', value: 64}}],
		},
	}),
);

describe('specsim sweep', () => {
	it('prints the same JSON for 1 and 2 workers', async () => {
		const args = ['sweep', '--k', '1..3', '--duration', '10s', '--json', '--seed', '5'];
		const one = await cli(...args, '--workers', '1');
		const two = await cli(...args, '--workers', '2');
		expect(one).toMatchObject({code: 0, stderr: ''});
		expect(two.stdout).toBe(one.stdout);
		const json = JSON.parse(one.stdout) as SweepJson;
		expect(json).toMatchObject({preset: 'llama-3.1-8b-eagle3', seed: 5, duration_s: 10});
		expect(json.rows.map(r => [r.k, r.qps, r.method])).toEqual([
			[1, 4, 'eagle3'],
			[2, 4, 'eagle3'],
			[3, 4, 'eagle3'],
		]);
		// The preset's published rates at k = 3 are the closed form.
		expect(json.rows[2]!.expected_per_position_acceptance_rate).toEqual([0.7296, 0.5208, 0.3545].map(r => expect.closeTo(r, 12)));
		expect(json.rows[2]!.expected_mean_acceptance_length).toBeCloseTo(2.6049, 12);
	});

	it('prints CSV: a header and one row per configuration', async () => {
		const {code, stdout} = await cli('sweep', '--k', '2,4', '--duration', '5s', '--csv', '--workers', '2');
		expect(code).toBe(0);
		const lines = stdout.trimEnd().split('\n');
		expect(lines).toHaveLength(3);
		expect(lines[0]!.startsWith('k,qps,concurrency,method,cost_ratio,')).toBe(true);
		expect(
			lines[0]!.endsWith(',per_position_4,expected_per_position_1,expected_per_position_2,expected_per_position_3,expected_per_position_4'),
		).toBe(true);
		expect(lines[1]!.startsWith('2,4,,eagle3,')).toBe(true);
		expect(lines[2]!.startsWith('4,4,,eagle3,')).toBe(true);
		const width = lines[0]!.split(',').length;
		for (const line of lines) expect(line.split(',')).toHaveLength(width);
	});

	it('sweeps load and method too, prints a table and writes an SVG plot', async () => {
		const plot = join(dir, 'sweep.svg');
		const {code, stdout, stderr} = await cli('sweep', '--k', '1,2', '--qps', '64,2', '--method', 'eagle3,mtp', '--duration', '5s', '--plot', plot);
		expect(code).toBe(0);
		expect(stderr).toBe(`specsim: wrote ${plot}\n`);
		const lines = stdout.split('\n');
		expect(lines[0]).toBe('specsim sweep: preset llama-3.1-8b-eagle3, seed 0, 5 virtual s per configuration, 8 configuration(s)');
		// Both tables: a group line, the titles, then one line per configuration led by k, load and method.
		for (const title of ['acceptance', 'throughput (output tokens/s) and latency (ms)']) {
			const from = lines.indexOf(title) + 3;
			const body = lines.slice(from, from + 8).map(line => line.split(/\s+/).slice(0, 3).join(' '));
			expect(body).toEqual(['1 2 eagle3', '2 2 eagle3', '1 2 mtp', '2 2 mtp', '1 64 eagle3', '2 64 eagle3', '1 64 mtp', '2 64 mtp']);
			expect(lines[from + 8]).toBe('');
		}
		const baselines = lines.indexOf('baseline: the same load without speculation') + 2;
		expect(lines.slice(baselines, baselines + 5).map(line => line.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
			'2 eagle3',
			'2 mtp',
			'64 eagle3',
			'64 mtp',
			'',
		]);
		const svg = readFileSync(plot, 'utf8');
		expect(svg.startsWith('<svg')).toBe(true);
		for (const title of [PLOT_TITLES.qps, PLOT_TITLES.speedup, PLOT_TITLES.acceptance, PLOT_TITLES.tpot]) expect(svg).toContain(title);
		expect(svg).toContain('k=2 mtp');
	});

	it.each([
		[['--k', '0'], /^specsim: --k values must be integers in 1\.\.64, got "0"\n$/],
		[['--k', '3..1'], /^specsim: --k: range "3\.\.1" goes down/],
		[['--k', 'x'], /^specsim: --k must be a list/],
		[['--qps', 'abc'], /^specsim: --qps must be a list of positive numbers/],
		[['--method', 'eagle4'], /^specsim: --method: Unknown speculative method "eagle4"/],
		[['--workers', '0'], /^specsim: --workers must be an integer >= 1, got "0"/],
		[['--duration', 'soon'], /^specsim: --duration: invalid duration "soon"/],
		[['--json', '--csv'], /^specsim: --json and --csv exclude each other/],
		[['--plot', 'out.png'], /^specsim: --plot writes SVG/],
		[['--seed', '-1'], /^specsim: --seed must be a decimal integer from 0 to 9007199254740991/],
		[['--preset', closedLoopPreset, '--qps', '4'], /^specsim: --qps does not apply to preset/],
		[['--preset', 'no-such-preset'], /^specsim: unknown preset "no-such-preset"/],
		[['--bogus'], /^specsim: unknown option '--bogus'/],
	])('rejects %j with one line and exit code 2', async (extra, message) => {
		const {code, stdout, stderr} = await cli('sweep', '--duration', '1s', ...extra);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(message);
		expect(stderr.trimEnd().split('\n')).toHaveLength(1);
	});

	it('reports a closed-loop preset with qps null', async () => {
		const {code, stdout} = await cli('sweep', '--preset', closedLoopPreset, '--k', '1', '--duration', '5s', '--json');
		expect(code).toBe(0);
		const row = (JSON.parse(stdout) as SweepJson).rows[0]!;
		expect(row).toMatchObject({k: 1, qps: null, concurrency: 1, method: 'eagle3', best_throughput: true, best_latency: true});
		// Batch 1: the request streams faster, close to Leviathan's closed form (k=1, AL 1.78, c ≈ 0.2).
		expect(row.latency_speedup!).toBeGreaterThan(1.3);
		expect(Math.abs(row.latency_speedup! / row.expected_speedup - 1)).toBeLessThan(0.05);
		expect(row.throughput_speedup!).toBeGreaterThan(1.3);
	});
});

describe('sweep over a trace', () => {
	it('replays the same trace in every configuration', async () => {
		const {mkdtempSync, writeFileSync} = await import('node:fs');
		const {tmpdir} = await import('node:os');
		const {join} = await import('node:path');
		const trace = join(mkdtempSync(join(tmpdir(), 'specsim-sweep-trace-')), 'trace.jsonl');
		writeFileSync(
			trace,
			`${Array.from({length: 12}, (_, i) => JSON.stringify({arrival_time: i, prompt_tokens: 50, output_tokens: 40})).join('\n')}\n`,
		);
		const {code, stdout} = await cli('sweep', '--trace', trace, '--k', '1,3', '--duration', '60s', '--workers', '1', '--json');
		expect(code).toBe(0);
		const rows = (JSON.parse(stdout) as SweepJson).rows;
		// Every configuration served exactly the trace: 12 requests × 40 tokens.
		for (const row of rows) expect(row.output_tokens_per_s * 60).toBeCloseTo(12 * 40, 6);
	});
});
