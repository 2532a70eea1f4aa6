/**
 * End to end: the built CLI serves `/metrics`, Debian's real `prometheus` scrapes it every second,
 * and the PromQL that vLLM ships (the `SpecDecodingProm` docstring and the "vLLM / Speculative
 * Decoding" Grafana dashboard, docs/prometheus.md) is evaluated through Prometheus' HTTP API.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CLI, exited, INSTALL_HINT, promQuery, type QueryReply, startPrometheus, until, teardown} from './harness.js';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {buildSimulation} from '../../src/sim/build.js';

/**
 * Tolerances against the acceptance model's closed form. Acceptance varies from request to request
 * (heterogeneity concentration 12), so a window's figures scatter around the model: over 40 seeds,
 * a 100-virtual-second window of the default preset (about 37,000 drafts from about 400 requests)
 * gave SD 0.025 on the mean acceptance length, 0.008 on the acceptance rate and at most 0.009 per
 * position. We wait for at least 40,000 drafts in the 30 s window (about 100 virtual seconds at
 * --speed 20) and allow about 6 SD: ±0.15 on the length (the brief's figure), ±0.05 on the rate
 * (0.15 / k) and ±0.06 per position. A wrong formula is far outside: dropping the bonus token is
 * off by 1, dividing by draft tokens instead of drafts gives 1.53 instead of 2.60.
 */
const TOL_LENGTH = 0.15;
const TOL_RATE = 0.05;
const TOL_POSITION = 0.06;

/** Grafana's "All" for the dashboard's template variables, and $__rate_interval / $interval. */
const F = '{job=~".*", model_name=~".*", instance=~".*", engine=~".*"}';
const R = '[30s]';
const ACC = `vllm:spec_decode_num_accepted_tokens_total${F}${R}`;
const DRF_T = `vllm:spec_decode_num_draft_tokens_total${F}${R}`;
const DRF = `vllm:spec_decode_num_drafts_total${F}${R}`;

let dir = '';
let sim: ChildProcess | undefined;
let prometheus: ChildProcess | undefined;
let simStdout = '';
let simStderr = '';
let simPort = 0;
let promUrl = '';
let simExit: Promise<number | null> | undefined;
/** Every query is evaluated at this instant (Unix seconds), so their windows agree exactly. */
let evalTimeS: number | undefined;

const query = (promql: string): Promise<QueryReply> => promQuery(promUrl, promql, evalTimeS);

/** A successful, non-empty instant vector: its samples as numbers. */
async function values(promql: string): Promise<Array<{labels: Record<string, string>; value: number}>> {
	const reply = await query(promql);
	if (reply.status !== 'success') throw new Error(`${promql}: ${reply.errorType}: ${reply.error}`);
	expect(reply.data.result.length, `no data for ${promql}`).toBeGreaterThan(0);
	return reply.data.result.map(s => ({labels: s.metric, value: Number(s.value[1])}));
}

async function scalar(promql: string): Promise<number> {
	const result = await values(promql);
	expect(result, promql).toHaveLength(1);
	const value = result[0]!.value;
	expect(Number.isFinite(value), `${promql} = ${value}`).toBe(true);
	return value;
}

const {config} = await loadPreset(DEFAULT_PRESET);
const expected = buildSimulation(config).expected();

beforeAll(async () => {
	const version = spawnSync('prometheus', ['--version'], {encoding: 'utf8'});
	if ((version.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(INSTALL_HINT);
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does)`);
	dir = mkdtempSync(join(tmpdir(), 'specsim-e2e-'));
	// coverage: also export vllm:spec_decode_num_draft_tokens_per_pos (the newest docstring's query needs it).
	sim = spawn(process.execPath, [CLI, 'run', '--headless', '--speed', '20', '--port', '0', '--log-format', 'coverage'], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	simExit = exited(sim);
	sim.stdout!.setEncoding('utf8').on('data', (chunk: string) => (simStdout += chunk));
	sim.stderr!.setEncoding('utf8').on('data', (chunk: string) => (simStderr += chunk));
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
	({child: prometheus, url: promUrl} = await startPrometheus(dir, 'specsim', [`127.0.0.1:${simPort}`], () => simStderr));
	// Enough data in the 30 s window for the tolerances above (see there).
	await until(
		'the target to be up with 40,000 drafts in the window',
		60_000,
		async () => {
			expect(await scalar('up{job="specsim"}')).toBe(1);
			expect(await scalar(`sum(increase(${DRF}))`)).toBeGreaterThan(40_000);
		},
		() => simStderr,
	);
	// Two scrape intervals back: every sample up to then is ingested (a scrape is stamped when it
	// starts and appended when it ends), so the same query gives the same answer every time.
	evalTimeS = Date.now() / 1000 - 2;
}, 90_000);

afterAll(() => teardown([prometheus, sim], dir));

describe('Prometheus scraping specsim', () => {
	it('scrapes OpenMetrics (what Prometheus asks for) without errors', async () => {
		const targets = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as {data: {activeTargets: Array<{health: string; lastError: string}>}};
		expect(targets.data.activeTargets).toHaveLength(1);
		expect(targets.data.activeTargets[0]).toMatchObject({health: 'up', lastError: ''});
		const series = await values(`vllm:spec_decode_num_accepted_tokens_per_pos_total{job="specsim"}`);
		expect(series.map(s => s.labels['position']).sort()).toEqual(['0', '1', '2']);
		expect(series[0]!.labels).toMatchObject({engine: '0', model_name: 'meta-llama/Llama-3.1-8B-Instruct', instance: `127.0.0.1:${simPort}`});
	});

	describe('SpecDecodingProm docstring PromQL ($interval = 30s)', () => {
		it('acceptance rate: rate(accepted) / rate(draft tokens)', async () => {
			const rate = await scalar('rate(vllm:spec_decode_num_accepted_tokens_total[30s]) / rate(vllm:spec_decode_num_draft_tokens_total[30s])');
			expect(Math.abs(rate - expected.draftAcceptanceRate), `rate ${rate} vs model ${expected.draftAcceptanceRate}`).toBeLessThan(TOL_RATE);
		});

		it('mean acceptance length: verbatim it names a series that does not exist (as against vLLM); with _total it matches the model', async () => {
			const verbatim = await query('1 + (rate(vllm:spec_decode_num_accepted_tokens_total[30s]) / rate(vllm:spec_decode_num_drafts[30s]))');
			expect(verbatim).toMatchObject({status: 'success', data: {result: []}});
			const length = await scalar('1 + (rate(vllm:spec_decode_num_accepted_tokens_total[30s]) / rate(vllm:spec_decode_num_drafts_total[30s]))');
			expect(Math.abs(length - expected.meanAcceptanceLength), `length ${length} vs model ${expected.meanAcceptanceLength}`).toBeLessThan(TOL_LENGTH);
		});

		it('per-position vector: verbatim it divides range vectors (Prometheus rejects it); as rates it matches the model', async () => {
			const verbatim = await query('vllm:spec_decode_num_accepted_tokens_per_pos[30s] / vllm:spec_decode_num_drafts[30s]');
			expect(verbatim).toMatchObject({status: 'error', errorType: 'bad_data'});
			const perPos = await values(
				'rate(vllm:spec_decode_num_accepted_tokens_per_pos_total[30s]) / ignoring(position) group_left rate(vllm:spec_decode_num_drafts_total[30s])',
			);
			expectPositions(perPos);
		});

		it('per-position, newest docstring: rate(accepted per pos) / rate(draft tokens per pos)', async () => {
			// Nearly every EAGLE-3 draft has k tokens (only a request's last steps draft fewer), so the
			// per-position denominator is about the number of drafts.
			expectPositions(
				await values('rate(vllm:spec_decode_num_accepted_tokens_per_pos_total[30s]) / rate(vllm:spec_decode_num_draft_tokens_per_pos_total[30s])'),
			);
		});
	});

	describe('"vLLM / Speculative Decoding" Grafana dashboard', () => {
		it('Draft acceptance rate and Acceptance length (stat panels)', async () => {
			const rate = await scalar(`sum(rate(${ACC})) / (sum(rate(${DRF_T})) > 0)`);
			const length = await scalar(`1 + sum(rate(${ACC})) / (sum(rate(${DRF})) > 0)`);
			expect(Math.abs(rate - expected.draftAcceptanceRate)).toBeLessThan(TOL_RATE);
			expect(Math.abs(length - expected.meanAcceptanceLength)).toBeLessThan(TOL_LENGTH);
		});

		it('Accepted tokens / s, Draft tokens / s, Drafts / s (stat panels) are consistent with the rates', async () => {
			const accepted = await scalar(`sum(rate(${ACC}))`);
			const drafted = await scalar(`sum(rate(${DRF_T}))`);
			const drafts = await scalar(`sum(rate(${DRF}))`);
			expect(accepted).toBeGreaterThan(0);
			// k = 3 tokens per draft, fewer only in a request's last steps (max_tokens caps the draft).
			expect(drafted / drafts).toBeLessThanOrEqual(3 + 1e-9); // two rates divided: allow float rounding
			expect(drafted / drafts).toBeGreaterThan(2.99);
			// The stat panels are the numerator and denominator of the rate panel, at the same instant.
			expect(accepted / drafted).toBeCloseTo(await scalar(`sum(rate(${ACC})) / (sum(rate(${DRF_T})) > 0)`), 9);
			expect(drafts).toBeGreaterThan(0);
		});

		it('Output from drafts (stat): accepted / generation tokens', async () => {
			const share = await scalar(`sum(rate(${ACC})) / (sum(rate(vllm:generation_tokens_total${F}${R})) > 0)`);
			// Each verification step emits accepted + 1 tokens, so the share is (L − 1) / L for the
			// window's own L, give or take a request's first token (from its prefill) and the tokens
			// max_tokens cuts from its last step: about 1 in 256 each.
			const length = await scalar(`1 + sum(rate(${ACC})) / (sum(rate(${DRF})) > 0)`);
			expect(Math.abs(share - (length - 1) / length), `share ${share}, L ${length}`).toBeLessThan(0.02);
		});

		it('Draft acceptance rate and Mean acceptance length by model_name (timeseries)', async () => {
			const rates = await values(`sum by (model_name) (rate(${ACC})) / (sum by (model_name) (rate(${DRF_T})) > 0)`);
			const lengths = await values(`1 + sum by (model_name) (rate(${ACC})) / (sum by (model_name) (rate(${DRF})) > 0)`);
			expect(rates.map(r => r.labels)).toEqual([{model_name: 'meta-llama/Llama-3.1-8B-Instruct'}]);
			expect(Math.abs(rates[0]!.value - expected.draftAcceptanceRate)).toBeLessThan(TOL_RATE);
			expect(Math.abs(lengths[0]!.value - expected.meanAcceptanceLength)).toBeLessThan(TOL_LENGTH);
		});

		it('Acceptance rate by draft position (timeseries)', async () => {
			expectPositions(
				await values(
					`sum by (position) (rate(vllm:spec_decode_num_accepted_tokens_per_pos_total${F}${R})) / on () group_left () (sum(rate(${DRF})) > 0)`,
				),
			);
		});

		it('Draft acceptance rate by engine (timeseries)', async () => {
			const byEngine = await values(`sum by (instance, engine) (rate(${ACC})) / (sum by (instance, engine) (rate(${DRF_T})) > 0)`);
			expect(byEngine.map(r => r.labels)).toEqual([{instance: `127.0.0.1:${simPort}`, engine: '0'}]);
			expect(Math.abs(byEngine[0]!.value - expected.draftAcceptanceRate)).toBeLessThan(TOL_RATE);
		});

		it('Draft tokens / s: proposed, accepted, rejected (timeseries)', async () => {
			const proposed = await scalar(`sum(rate(${DRF_T}))`);
			const accepted = await scalar(`sum(rate(${ACC}))`);
			const rejected = await scalar(`sum(rate(${DRF_T})) - sum(rate(${ACC}))`);
			expect(rejected).toBeGreaterThan(0);
			expect(rejected).toBeCloseTo(proposed - accepted, 6);
			expect(proposed).toBeCloseTo(accepted + rejected, 6);
		});

		it('Inter-token latency p50 / p95 / p99 / mean (timeseries)', async () => {
			const q = async (p: number) => scalar(`histogram_quantile(${p}, sum by (le) (rate(vllm:inter_token_latency_seconds_bucket${F}${R})))`);
			const [p50, p95, p99] = [await q(0.5), await q(0.95), await q(0.99)];
			const mean = await scalar(
				`sum(rate(vllm:inter_token_latency_seconds_sum${F}${R})) / sum(rate(vllm:inter_token_latency_seconds_count${F}${R}))`,
			);
			expect(p50).toBeGreaterThan(0);
			expect(p50).toBeLessThanOrEqual(p95);
			expect(p95).toBeLessThanOrEqual(p99);
			// A decode step of an 8B model on one H100 with a few requests: milliseconds.
			expect(mean).toBeGreaterThan(0.001);
			expect(mean).toBeLessThan(0.1);
		});
	});

	describe('the real binary', () => {
		it('a second instance on the same port: one line on stderr, exit code 1', () => {
			const second = spawnSync(process.execPath, [CLI, 'run', '--headless', '--port', String(simPort), '--duration', '1s'], {
				encoding: 'utf8',
				timeout: 20_000,
			});
			expect(second.status).toBe(1);
			expect(second.stderr).toBe(`specsim: cannot listen on 127.0.0.1:${simPort}: address already in use\n`);
		});

		it('SIGTERM: the summary prints, /metrics closes, exit code 0', async () => {
			sim!.kill('SIGTERM');
			expect(await simExit).toBe(0);
			expect(simStdout).toContain('specsim summary: preset llama-3.1-8b-eagle3, seed 0');
			await expect(fetch(`http://127.0.0.1:${simPort}/metrics`)).rejects.toThrow();
		});
	});
});

function expectPositions(perPos: ReadonlyArray<{labels: Record<string, string>; value: number}>): void {
	const byPosition = new Map(perPos.map(p => [Number(p.labels['position']), p.value]));
	expect([...byPosition.keys()].sort()).toEqual([0, 1, 2]);
	for (const [i, value] of byPosition) {
		const model = expected.unconditionalRates[i]!;
		expect(Math.abs(value - model), `position ${i}: ${value} vs model ${model}`).toBeLessThan(TOL_POSITION);
	}
}
