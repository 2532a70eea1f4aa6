import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {SimRequest} from '../../src/engine/request.js';
import {KV_CACHE_RESIDENCY_BUCKETS} from '../../src/metrics/stats/vllm-buckets.js';
import {startCli} from '../helpers/cli-run.js';
import {serveCli} from './serve-cli.js';
import {counter, MODEL, startServe} from './serve-harness.js';

/**
 * `--kv-cache-metrics` in serve, checked by value on a scripted case small enough to derive by
 * hand (docs/vllm-metrics.md, "KV block residency"): 8 KV blocks of 16 tokens, prefix caching on,
 * every allocated block sampled, four requests one after another, each `max_tokens: 1`:
 *
 * - A, a 33-token prompt: 3 blocks allocated at its scheduling time tA.
 * - B, the same prompt at tB: a prefix-cache hit on A's 2 full blocks (the last prompt token is
 *   always recomputed) and 1 new block, from the never-used blocks the free queue hands out first.
 * - D, the same again at tD: hits A's 2 blocks again, 1 more new block.
 * - C, a 120-token prompt at tC: needs all 8 blocks, so it evicts every tracked block.
 *
 * Evicted at tC: A's block 3 (lifetime and idle tC - tA), A's 2 hit blocks (lifetime tC - tA,
 * idle tC - tD, one reuse gap tD - tB each: the accesses at tB and tD), B's block (tC - tB, tC -
 * tB), D's block (tC - tD, tC - tD). The times are the requests' first scheduling steps, read
 * from the engine; the expected histograms are computed here from them alone.
 */
const A = Array.from({length: 33}, (_, i) => 1000 + i);
const C = Array.from({length: 120}, (_, i) => 5000 + i);

type Histogram = {count: number; sum: number; buckets: number[]};

async function histogram(baseUrl: string, name: string): Promise<Histogram> {
	const text = await (await fetch(`${baseUrl}/metrics`)).text();
	const buckets = KV_CACHE_RESIDENCY_BUCKETS.map(le => {
		const line = text.split('\n').find(l => l.startsWith(`${name}_bucket{`) && l.includes(`le="${Number.isInteger(le) ? `${le}.0` : le}"`));
		return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
	});
	return {count: await counter(baseUrl, `${name}_count`), sum: await counter(baseUrl, `${name}_sum`), buckets};
}

/** What prometheus_client's histogram holds after observing `values`: count, sum and cumulative bucket counts. */
function expected(values: number[]): Histogram {
	return {
		count: values.length,
		sum: values.reduce((a, b) => a + b, 0),
		buckets: KV_CACHE_RESIDENCY_BUCKETS.map(le => values.filter(v => v <= le).length),
	};
}

function smallKvPreset(): string {
	const preset = JSON.parse(readFileSync(new URL('../../presets/llama-3.1-8b-eagle3.json', import.meta.url), 'utf8')) as {
		scheduler: Record<string, unknown>;
	};
	preset.scheduler['numKvBlocks'] = 8;
	// vLLM refuses a KV cache that cannot hold one request of max_model_len (plus the drafts' lookahead).
	preset.scheduler['maxModelLen'] = 125;
	const file = join(mkdtempSync(join(tmpdir(), 'specsim-kv-')), 'small-kv.json');
	writeFileSync(file, JSON.stringify(preset));
	return file;
}

describe('serve --kv-cache-metrics: block residency values on a hand-derived case', () => {
	it('lifetimes, idle times and reuse gaps are the ones the request times imply', async () => {
		const {server, session} = await startServe({preset: smallKvPreset(), session: {kvCacheMetricsSample: 1}});
		expect(session.built.numKvBlocks).toBe(8);
		const finished: SimRequest[] = [];
		session.subscribe({onStep: out => finished.push(...out.finished)});
		for (const prompt of [A, A, A, C]) {
			const response = await fetch(`${server.baseUrl}/v1/completions`, {
				method: 'POST',
				body: JSON.stringify({model: MODEL, prompt, max_tokens: 1, ignore_eos: true}),
			});
			expect(response.status).toBe(200);
		}
		expect(finished.map(r => [r.promptTokens, r.numCachedTokens])).toEqual([
			[33, 0],
			[33, 32],
			[33, 32],
			[120, 0],
		]);
		const [tA, tB, tD, tC] = finished.map(r => r.scheduledAt) as [number, number, number, number];
		expect(tA < tB && tB < tD && tD < tC).toBe(true);
		const lifetime = await histogram(server.baseUrl, 'vllm:kv_block_lifetime_seconds');
		const idle = await histogram(server.baseUrl, 'vllm:kv_block_idle_before_evict_seconds');
		const gaps = await histogram(server.baseUrl, 'vllm:kv_block_reuse_gap_seconds');
		const close = (h: Histogram, e: Histogram) => {
			expect([h.count, h.buckets]).toEqual([e.count, e.buckets]);
			expect(h.sum).toBeCloseTo(e.sum, 12);
		};
		close(lifetime, expected([tC - tA, tC - tA, tC - tA, tC - tB, tC - tD]));
		close(idle, expected([tC - tA, tC - tD, tC - tD, tC - tB, tC - tD]));
		close(gaps, expected([tD - tB, tD - tB]));
	});

	it('--num-gpu-blocks-override sizes the KV cache from the command line (cache_config_info says so), and the same script evicts as above', async () => {
		const s = await serveCli([
			'--speed',
			'max',
			'--max-model-len',
			'125',
			'--num-gpu-blocks-override',
			'8',
			'--kv-cache-metrics',
			'--kv-cache-metrics-sample',
			'1',
		]);
		const text = await (await fetch(`${s.baseUrl}/metrics`)).text();
		expect(text).toMatch(/^vllm:cache_config_info\{[^}]*num_gpu_blocks="8"[^}]*num_gpu_blocks_override="8"/m);
		for (const prompt of [A, A, A, C])
			await s.client.completions.create({model: MODEL, prompt, max_tokens: 1, ignore_eos: true} as Parameters<typeof s.client.completions.create>[0]);
		expect(await counter(s.baseUrl, 'vllm:kv_block_lifetime_seconds_count')).toBe(5);
		expect(await counter(s.baseUrl, 'vllm:kv_block_reuse_gap_seconds_count')).toBe(2);
		expect(await s.stop()).toBe(0);
	});

	it('--num-gpu-blocks-override: a bad count, or too few blocks for --max-model-len, is one line and exit 2', async () => {
		for (const [args, message] of [
			[['--num-gpu-blocks-override', '0'], 'specsim: --num-gpu-blocks-override must be an integer from 1 to 100000000, got "0"\n'],
			[
				['--num-gpu-blocks-override', '8'],
				/^specsim: \S+\.json:\d+ with --num-gpu-blocks-override 8: scheduler: KV cache \(8 blocks × 16 tokens\) cannot hold one request of maxModelLen=16384/,
			],
		] as const) {
			const run = startCli(['serve', '--port', '0', ...args]);
			expect(await run.exit).toBe(2);
			if (typeof message === 'string') expect(run.stderr()).toBe(message);
			else expect(run.stderr()).toMatch(message);
			expect(run.stderr().trimEnd().split('\n')).toHaveLength(1);
		}
	});
});
