import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Registry} from 'prom-client';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadPreset} from '../../src/config/load.js';
import {renderText} from '../../src/metrics/prom/exposition.js';
import {createSpecDecodingProm} from '../../src/metrics/prom/spec-decoding-prom.js';
import {SpecDecodingStats} from '../../src/metrics/stats/spec-decoding-stats.js';
import {cli} from '../cli/run-cli.js';
import {SAMPLE_LINES} from './samples.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-calibrate-'));
function file(name: string, text: string): string {
	const path = join(dir, name);
	writeFileSync(path, text);
	return path;
}

const logText = `${SAMPLE_LINES.zmarty}\nINFO 10-26 12:36:16 [loggers.py:123] Engine 000: Avg prompt throughput: 0.0 tokens/s\n${SAMPLE_LINES.zmarty}\n`;

describe('specsim calibrate', () => {
	it('writes a preset with -o that loadPreset reads; the report goes to stdout', async () => {
		const out = join(dir, 'calibrated.json');
		const {code, stdout, stderr} = await cli('calibrate', file('run.log', logText), '-o', out);
		expect(stderr).toBe('');
		expect(code).toBe(0);
		expect(stdout).toContain('used 2 observations (2 throughput); k = 3');
		expect(stdout).toContain(`→ ${out}`);
		const {config} = await loadPreset(out);
		expect(config.name).toBe('llama-3.1-8b-eagle3-calibrated');
		expect(config.speculative.numSpecTokens).toBe(3);
		// 406 drafts: acc_pos 244/116/52 → c = 244/406, 116/244, 52/116.
		expect(config.speculative.acceptance).toMatchObject({kind: 'conditional', rates: [0.600985, 0.47541, 0.448276]});
		expect(config.published[0]).toMatchObject({numSpecTokens: 3, meanAcceptanceLength: 2.0148, perPosition: [0.601, 0.2857, 0.1281]});
		expect(config.logging.format).toBe('throughput');
	});

	it('prints the preset on stdout and the report on stderr without -o; --k extrapolates', async () => {
		const {code, stdout, stderr} = await cli('calibrate', file('run2.log', logText), '--k', '5');
		expect(code).toBe(0);
		const preset = JSON.parse(stdout) as {speculative: {numSpecTokens: number; acceptance: {rates: number[]}}};
		expect(preset.speculative.numSpecTokens).toBe(5);
		expect(preset.speculative.acceptance.rates).toHaveLength(5);
		expect(stderr).toContain('mean acceptance length  2.015');
		expect(stderr).toContain('→ standard output');
	});

	it('--json prints the report as JSON', async () => {
		const {code, stdout} = await cli('calibrate', file('run3.log', logText), '--json');
		expect(code).toBe(0);
		const report = JSON.parse(stdout) as {
			counts: {numDrafts: number};
			fit: {positions: Array<{accepted: number}>};
			preset: {name: string};
			input: {logLines: number; ignoredLines: number};
		};
		expect(report.counts.numDrafts).toBe(406);
		expect(report.fit.positions.map(p => p.accepted)).toEqual([244, 116, 52]);
		expect(report.input).toMatchObject({logLines: 2, ignoredLines: 1});
		expect(report.preset.name).toBe('llama-3.1-8b-eagle3-calibrated');
	});

	it('warns about unparseable and suspicious lines on stderr, one line each, and goes on', async () => {
		const text = [
			SAMPLE_LINES.v1PerPosition,
			'SpecDecoding metrics: Draft acceptance rate: 38.8%, Mean acceptance length: 2.16, Accepted: 150 tok',
			SAMPLE_LINES.v1PerPosition.replace('Accepted: 150', 'Accepted: 15O'),
		].join('\n');
		const {code, stderr} = await cli('calibrate', file('mixed.log', text), '-o', join(dir, 'm.json'));
		expect(code).toBe(0);
		const warnings = stderr.split('\n').filter(l => l.startsWith('warning: '));
		expect(warnings.filter(l => l.includes('unparseable')).map(l => l.split(': ').slice(0, 2).join(': '))).toEqual([
			`warning: ${join(dir, 'mixed.log')}:2`,
			`warning: ${join(dir, 'mixed.log')}:3`,
		]);
	});

	it('fails with one clear line when nothing is usable', async () => {
		const {code, stdout, stderr} = await cli('calibrate', file('empty.log', 'INFO nothing here\n'));
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(
			/^specsim: nothing usable found in .*empty\.log: 0 spec-decode log lines usable, 0 unparseable, 0 Prometheus scrapes with spec_decode counters, 1 other line;/,
		);
		expect((await cli('calibrate')).stderr).toContain('specsim: calibrate: no input');
		expect((await cli('calibrate', join(dir, 'missing.log'))).stderr).toContain('missing.log: no such file or directory');
		expect((await cli('calibrate', 'https://example.com/metrics')).stderr).toContain('https is not supported');
	});

	it('calibrates from two scrape files (their increase) with an engine filter', async () => {
		const registry = new Registry();
		const proms = [0, 1].map(engine => createSpecDecodingProm({registry, modelName: 'm', engine, numSpecTokens: 2, perPositionDrafted: false}));
		const observe = (engine: number, drafts: Array<[number, number]>): void => {
			const stats = new SpecDecodingStats(2);
			for (const [d, a] of drafts) stats.observeDraft(d, a);
			proms[engine]!.observe(stats);
		};
		observe(0, [[2, 2]]);
		observe(1, [[2, 0]]);
		const a = file('a.prom', await renderText(registry));
		observe(
			0,
			Array.from({length: 100}, (_, i): [number, number] => [2, i % 4 === 0 ? 0 : i % 4 === 1 ? 1 : 2]),
		);
		observe(1, [[2, 2]]);
		const b = file('b.prom', await renderText(registry));
		const {code, stdout} = await cli('calibrate', a, b, '--engine', '0', '--json');
		expect(code).toBe(0);
		const report = JSON.parse(stdout) as {
			counts: {numDrafts: number; numAcceptedTokens: number};
			preset: {speculative: {acceptance: {rates: number[]}}};
		};
		expect(report.counts).toMatchObject({numDrafts: 100, numAcceptedTokens: 25 + 100});
		expect(report.preset.speculative.acceptance.rates).toEqual([0.75, 0.666667]);
	});
});

describe('specsim calibrate from a /metrics URL', () => {
	let server: Server;
	let base: string;
	let scrape = '';
	beforeAll(async () => {
		const registry = new Registry();
		const prom = createSpecDecodingProm({registry, modelName: 'm', engine: 0, numSpecTokens: 3, perPositionDrafted: false});
		const stats = new SpecDecodingStats(3);
		for (let i = 0; i < 60; i++) stats.observeDraft(3, i % 4);
		prom.observe(stats);
		scrape = await renderText(registry, {createdS: 1.7e9});
		let growing = 0;
		server = createServer((request, response) => {
			if (request.url === '/slow') return; // never answers
			if (request.url === '/broken') {
				response.writeHead(503).end('down');
				return;
			}
			if (request.url === '/growing') {
				// Every scrape has 50 more drafts (a quarter accept 0, 1, 2 and 3 tokens in turn).
				growing += 50;
				const lines = [
					`vllm:spec_decode_num_drafts_total{engine="0",model_name="m"} ${growing}.0`,
					`vllm:spec_decode_num_draft_tokens_total{engine="0",model_name="m"} ${3 * growing}.0`,
					`vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="m"} ${1.5 * growing}`,
					...[0.75, 0.5, 0.25].map(
						(r, i) => `vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="${i}"} ${r * growing}`,
					),
				];
				response.writeHead(200).end(`${lines.join('\n')}\n`);
				return;
			}
			if (request.url !== '/metrics') {
				response.writeHead(404).end('not found');
				return;
			}
			response.writeHead(200, {'content-type': 'text/plain; version=0.0.4'}).end(scrape);
		});
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		server.closeAllConnections();
		await new Promise<void>(resolve => server.close(() => resolve()));
	});

	it('fetches one scrape (counters since start)', async () => {
		const out = join(dir, 'url.json');
		const {code, stderr} = await cli('calibrate', `${base}/metrics`, '-o', out);
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const preset = JSON.parse(readFileSync(out, 'utf8')) as {published: Array<{meanAcceptanceLength: number}>};
		expect(preset.published[0]!.meanAcceptanceLength).toBe(2.5); // accepted 0,1,2,3 in turn
	});

	it('--scrape-interval scrapes twice and calibrates from the increase', async () => {
		const {code, stdout, stderr} = await cli('calibrate', `${base}/growing`, '--scrape-interval', '0.05s', '--json');
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const report = JSON.parse(stdout) as {counts: {numDrafts: number; numAcceptedTokens: number}; input: {sources: string[]; scrapes: number}};
		expect(report.counts).toMatchObject({numDrafts: 50, numAcceptedTokens: 75});
		expect(report.input).toMatchObject({scrapes: 2, sources: [`${base}/growing (scrape 1)`, `${base}/growing (scrape 2)`]});
	});

	it('fails clearly on HTTP errors, timeouts and refused connections: an I/O failure exits 1, a URL naming nothing (4xx) 2', async () => {
		expect(await cli('calibrate', `${base}/nope`)).toMatchObject({code: 2, stderr: `specsim: ${base}/nope: HTTP 404 Not Found\n`});
		expect(await cli('calibrate', `${base}/broken`)).toMatchObject({code: 1, stderr: `specsim: ${base}/broken: HTTP 503 Service Unavailable\n`});
		expect(await cli('calibrate', `${base}/slow`, '--timeout', '0.2s')).toMatchObject({
			code: 1,
			stderr: `specsim: ${base}/slow: no answer within 0.2 s (--timeout)\n`,
		});
		// A port that was free a moment ago: nothing listens there.
		const probe = createServer();
		await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve));
		const port = (probe.address() as AddressInfo).port;
		await new Promise<void>(resolve => probe.close(() => resolve()));
		const refused = await cli('calibrate', `http://127.0.0.1:${port}/metrics`, '--timeout', '2s');
		expect(refused.code).toBe(1);
		expect(refused.stderr).toBe(`specsim: http://127.0.0.1:${port}/metrics: cannot fetch (ECONNREFUSED)\n`);
	});
});
