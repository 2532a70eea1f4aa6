/**
 * End to end, the dashboards vLLM ships: a `generate` dataset backfilled into a real Prometheus
 * (`promtool tsdb create-blocks-from openmetrics`) and a live `run` scraped by the same Prometheus;
 * every panel query of every dashboard (test/e2e/dashboard-queries.ts) must return data from
 * both, except the panels of features specsim does not simulate.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI, freePort, INSTALL_HINT, until, teardown} from './harness.js';
import {DASHBOARDS, SERVICE_STATUS, substitute} from './dashboard-queries.js';

/** The dataset: 10 virtual minutes ending an hour before the test starts, scraped every 15 s. */
const DATASET_S = 600;

/**
 * In the dataset and the live run: the MFU counters fed (`--enable-mfu-metrics`), and one short
 * scheduled sleep early on (over before the live run's first scrape), so that the sleep-mode
 * operation families exist while the engine reads as up at every evaluation instant.
 */
const MFU_AND_SLEEP = ['--enable-mfu-metrics', '--sleep', '5s-6s'] as const;

type Sample = {metric: Record<string, string>; value: [number, string]};
type QueryReply = {status: 'success'; data: {resultType: string; result: Sample[]}} | {status: 'error'; errorType: string; error: string};

let dir = '';
let sim: ChildProcess | undefined;
let prometheus: ChildProcess | undefined;
let simStderr = '';
let promUrl = '';
/** Evaluation instants: the backfilled dataset's last scrape, and the live run's recent past. */
let datasetEndS = 0;
let liveS = 0;

async function query(promql: string, timeS: number): Promise<QueryReply> {
	const response = await fetch(`${promUrl}/api/v1/query`, {method: 'POST', body: new URLSearchParams({query: promql, time: String(timeS)})});
	return (await response.json()) as QueryReply;
}

function run(command: string, args: readonly string[]): void {
	const result = spawnSync(command, args, {encoding: 'utf8', timeout: 120_000});
	if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(INSTALL_HINT);
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
}

beforeAll(async () => {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does)`);
	dir = mkdtempSync(join(tmpdir(), 'specsim-dashboards-'));
	const startMs = Math.floor(Date.now() / 1000 - 3600 - DATASET_S) * 1000;
	datasetEndS = startMs / 1000 + DATASET_S;
	const dataset = join(dir, 'dataset');
	// The default preset with multi-turn conversations (they resend their history: prefix-cache hits)
	// and a 2048-block KV cache that cycles within a virtual minute, so that sampled blocks are hit, evicted
	// and reported (the KV block residency row) in the dataset and in the live run alike.
	const preset = JSON.parse(readFileSync(new URL('../../presets/llama-3.1-8b-eagle3-multi-turn.json', import.meta.url), 'utf8')) as {
		scheduler: Record<string, unknown>;
	};
	preset.scheduler['numKvBlocks'] = 2048;
	const presetFile = join(dir, 'preset.json');
	writeFileSync(presetFile, JSON.stringify(preset));
	// 3% of requests end with an error (faults): the error and 5xx panels show them.
	run(process.execPath, [
		CLI,
		'generate',
		'--out',
		dataset,
		'--duration',
		`${DATASET_S}s`,
		'--start',
		new Date(startMs).toISOString(),
		'--preset',
		presetFile,
		'--error-rate',
		'0.03',
		// Every block tracked, so the KV block residency row has observations within the dataset.
		'--kv-cache-metrics',
		'--kv-cache-metrics-sample',
		'1',
		...MFU_AND_SLEEP,
	]);
	run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dataset, 'metrics.om'), join(dir, 'data')]);

	sim = spawn(
		process.execPath,
		[
			CLI,
			'run',
			'--headless',
			'--speed',
			'20',
			'--port',
			'0',
			'--preset',
			presetFile,
			'--kv-cache-metrics',
			'--kv-cache-metrics-sample',
			'1',
			...MFU_AND_SLEEP,
		],
		{
			stdio: ['ignore', 'ignore', 'pipe'],
		},
	);
	sim.stderr!.setEncoding('utf8').on('data', (chunk: string) => (simStderr += chunk));
	let simPort = 0;
	await until(
		'the simulator to print its /metrics address',
		15_000,
		async () => {
			const match = /^specsim: serving \/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics$/m.exec(simStderr);
			if (match === null) throw new Error('not yet');
			simPort = Number(match[1]);
		},
		() => simStderr,
	);
	const promPort = await freePort();
	promUrl = `http://127.0.0.1:${promPort}`;
	writeFileSync(
		join(dir, 'prometheus.yml'),
		[
			'global:',
			'  scrape_interval: 1s',
			'scrape_configs:',
			'  - job_name: specsim',
			'    static_configs:',
			`      - targets: ['127.0.0.1:${simPort}']`,
			'',
		].join('\n'),
	);
	prometheus = spawn(
		'prometheus',
		[`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
		{stdio: 'ignore'},
	);
	await until(
		'Prometheus to be ready',
		20_000,
		async () => {
			expect((await fetch(`${promUrl}/-/ready`)).status).toBe(200);
		},
		() => simStderr,
	);
	// Ten live scrapes: enough for every rate() and for a finished request in each histogram. Meanwhile
	// real HTTP traffic to the live server (its index page), which the http_* panels show.
	await until(
		'ten scrapes of the live run',
		60_000,
		async () => {
			await (await fetch(`http://127.0.0.1:${simPort}/`)).text();
			const reply = await query('count_over_time(up{job="specsim"}[1m])', Date.now() / 1000);
			expect(reply.status === 'success' && Number(reply.data.result[0]?.value[1] ?? 0)).toBeGreaterThanOrEqual(10);
			// Sampled blocks are only reported once the cache has cycled (virtual time; later on a loaded machine).
			for (const family of ['vllm:kv_block_lifetime_seconds_count', 'vllm:kv_block_reuse_gap_seconds_count']) {
				const evictions = await query(`sum(rate(${family}{job="specsim"}[1m]))`, Date.now() / 1000 - 2);
				expect(evictions.status === 'success' && Number(evictions.data.result[0]?.value[1] ?? 0), family).toBeGreaterThan(0);
			}
		},
		() => simStderr,
	);
	liveS = Date.now() / 1000 - 2;
}, 180_000);

/** The default preset's served model: what a single-select `$model_name` picks. */
const SERVED_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** The range `$__range` stands for: the whole dataset, or the last minute of the live run. */
const RANGE = {dataset: `${DATASET_S}s`, live: '1m'} as const;

afterAll(() => teardown([prometheus, sim], dir));

describe('the dashboards vLLM ships, on specsim', () => {
	it('the backfilled dataset is the one generate wrote (its last scrape is the evaluation instant)', async () => {
		const reply = await query('vllm:num_requests_running', datasetEndS);
		expect(reply.status).toBe('success');
		const om = readFileSync(join(dir, 'dataset', 'metrics.om'), 'utf8');
		expect(om).toContain(` ${datasetEndS}`);
	});

	for (const dashboard of DASHBOARDS) {
		describe(`${dashboard.title} (${dashboard.file})`, () => {
			const selected: Record<string, string> = dashboard.singleModel === true ? {model_name: SERVED_MODEL} : {};
			for (const {panel, expr, unsimulated} of dashboard.panels) {
				if (unsimulated !== undefined) {
					it(`${panel}: no data, ${unsimulated}`, async () => {
						for (const [source, timeS] of [
							['dataset', datasetEndS],
							['live', liveS],
						] as const) {
							const reply = await query(substitute(expr, '1m', RANGE[source], selected), timeS);
							if (reply.status !== 'success') throw new Error(`${source}: ${expr}: ${reply.errorType}: ${reply.error}`);
							// No series, or only zeros (a family vLLM creates at 0 that only the missing feature would feed).
							expect(
								reply.data.result.map(r => Number(r.value[1])).filter(v => v !== 0),
								`${source}: data for an unsimulated panel`,
							).toEqual([]);
						}
					});
					continue;
				}
				it(`${panel}: returns data from the backfilled dataset and from the live run`, async () => {
					for (const [source, timeS] of [
						['dataset', datasetEndS],
						['live', liveS],
					] as const) {
						const promql = substitute(expr, '1m', RANGE[source], selected);
						const reply = await query(promql, timeS);
						if (reply.status !== 'success') throw new Error(`${source}: ${promql}: ${reply.errorType}: ${reply.error}`);
						expect(reply.data.result.length, `${source}: no data for ${promql}`).toBeGreaterThan(0);
					}
				});
			}
		});
	}

	it('the dataset counts each errored request once as a 5xx POST and once as finished_reason="error"', async () => {
		const value = async (promql: string): Promise<number> => {
			const reply = await query(promql, datasetEndS);
			if (reply.status !== 'success') throw new Error(`${promql}: ${reply.error}`);
			return Number(reply.data.result[0]?.value[1] ?? Number.NaN);
		};
		const errors = await value('sum(vllm:request_success_total{finished_reason="error"})');
		const finished = await value('sum(vllm:request_success_total)');
		expect(errors).toBeGreaterThan(0);
		expect(errors / finished).toBeGreaterThan(0.01);
		expect(errors / finished).toBeLessThan(0.06);
		expect(await value('sum(http_requests_total{status="5xx"})')).toBe(errors);
		expect(await value('sum(http_requests_total)')).toBe(finished);
		const success = SERVICE_STATUS.panels.find(p => p.panel === 'Success rate (timeseries)')!;
		const rate = await value(substitute(success.expr, '1m'));
		expect(rate).toBeGreaterThan(0.9);
		expect(rate).toBeLessThan(1);
	});

	it('the KV block residency histograms hold sampled evictions of the simulated cache in the dataset (--kv-cache-metrics)', async () => {
		const reply = await query('sum(vllm:kv_block_lifetime_seconds_count)', datasetEndS);
		if (reply.status !== 'success') throw new Error(`${reply.errorType}: ${reply.error}`);
		expect(Number(reply.data.result[0]?.value[1] ?? 0)).toBeGreaterThan(0);
	});

	it('Service Status reads the engine as up (Online = 2) in both', async () => {
		const status = SERVICE_STATUS.panels.find(p => p.panel === 'Status')!;
		for (const timeS of [datasetEndS, liveS]) {
			const reply = await query(substitute(status.expr, '1m'), timeS);
			expect(reply.status === 'success' && reply.data.result.map(s => s.value[1])).toEqual(['2']);
		}
	});
});
