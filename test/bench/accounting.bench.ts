import {Registry} from 'prom-client';
import {SpecDecodingLogging} from '../../src/metrics/log/spec-decoding-logging.js';
import {createSpecDecodingProm} from '../../src/metrics/prom/spec-decoding-prom.js';
import {renderText} from '../../src/metrics/prom/exposition.js';
import {SpecDecodingStats} from '../../src/metrics/stats/spec-decoding-stats.js';
import type {BenchResult} from './harness.js';
import {measureHeap, timed} from './harness.js';

const K = 5;
const DRAFTS_PER_STEP = 256;

/**
 * A deterministic draft stream shared with the Python baseline (same LCG, same mapping):
 * accepted = floor(6 · u) clipped to k, every draft k tokens long.
 */
export function makeAcceptedStream(length: number): Uint8Array {
	const out = new Uint8Array(length);
	let state = 12345;
	for (let i = 0; i < length; i++) {
		state = (state * 1103515245 + 12345) % 2147483648;
		out[i] = Math.min(K, Math.floor((state / 2147483648) * 6));
	}
	return out;
}

/**
 * Accounting throughput: per step, 256 drafts observed into a `SpecDecodingStats`, which feeds the
 * interval logger and the Prometheus counters; a log line every 40 steps, a scrape every 400.
 */
export async function benchAccounting(totalDrafts: number): Promise<BenchResult[]> {
	const stream = makeAcceptedStream(1 << 16);
	const mask = stream.length - 1;
	const registry = new Registry();
	const prom = createSpecDecodingProm({registry, modelName: 'bench', engine: 0, numSpecTokens: K, perPositionDrafted: false});
	const logging = new SpecDecodingLogging({numSpecTokens: K, format: 'throughput'});
	const stats = new SpecDecodingStats(K);
	const steps = Math.ceil(totalDrafts / DRAFTS_PER_STEP);
	let lines = 0;
	const run = async (): Promise<void> => {
		let cursor = 0;
		for (let step = 0; step < steps; step++) {
			stats.reset();
			for (let i = 0; i < DRAFTS_PER_STEP; i++) stats.observeDraft(K, stream[cursor++ & mask]!);
			logging.observe(stats);
			prom.observe(stats);
			if (step % 40 === 39 && logging.log(step * 0.025) !== undefined) lines += 1;
			if (step % 400 === 399) await renderText(registry);
		}
	};
	const {seconds, heap} = await measureHeap(() => timed(run));
	const drafts = steps * DRAFTS_PER_STEP;
	return [
		{name: 'accounting throughput (stats + interval log + Prometheus, k=5, 256 drafts/step)', value: drafts / seconds, unit: 'drafts/s'},
		{name: `accounting peak heap over ${(drafts / 1e6).toFixed(0)}M drafts`, value: heap.peakMiB, unit: 'MiB'},
		{name: 'accounting heap growth over the run', value: heap.growthMiB, unit: 'MiB', note: `${lines} log lines`},
	];
}
