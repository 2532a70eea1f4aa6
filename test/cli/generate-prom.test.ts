import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {simConfigSchema} from '../../src/config/schema.js';
import {renderText} from '../../src/metrics/prom/exposition.js';
import {OpenMetricsFileWriter} from '../../src/output/openmetrics-file.js';
import {OpenMetricsScraper} from '../../src/output/openmetrics-scraper.js';
import {OutputStream} from '../../src/output/output-stream.js';
import {Session} from '../../src/runtime/session.js';
import {cli} from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'specsim-generate-prom-'));

/** The default preset with a KV cache small enough to evict cached blocks and preempt within a minute. */
function tightPreset(): string {
	const preset = JSON.parse(readFileSync(join(import.meta.dirname, '../../presets/llama-3.1-8b-eagle3.json'), 'utf8')) as {
		name: string;
		scheduler: Record<string, number>;
	};
	preset.name = 'tight';
	preset.scheduler['numKvBlocks'] = 300;
	const file = join(root, 'tight.json');
	writeFileSync(file, JSON.stringify(preset));
	return file;
}

/**
 * generate builds its Prometheus registry on the record pipeline's thread, from the records. The
 * reference: the same run in a Session whose registry is fed on this thread by the simulation
 * itself (as `run` and `serve` feed theirs), scraped at the same virtual times.
 */
async function reference(
	meta: {seed: number; config: unknown; start: string},
	durationS: number,
	scrapeS: number,
	options: {createdSeries: boolean; showHiddenMetrics: boolean; kvCacheMetricsSample?: number; enableMfuMetrics?: boolean},
): Promise<{om: string; prom: string}> {
	const session = new Session(simConfigSchema.parse(meta.config), {
		seed: meta.seed,
		startEpochMs: Date.parse(meta.start),
		server: 'simulated',
		...options,
	});
	const dir = mkdtempSync(join(root, 'reference-'));
	const writer = await OpenMetricsFileWriter.create(dir, 'metrics.om');
	const scraper = new OpenMetricsScraper(session.registry, writer);
	await scraper.scrape(session.epochMsAt(0) / 1000, session.createdS);
	for (let t = scrapeS; t <= durationS; t += scrapeS) {
		session.built.simulation.runUntil(t);
		await scraper.scrape(session.epochMsAt(t) / 1000, session.createdS);
	}
	const out = new OutputStream(join(dir, 'metrics.om'));
	await writer.finish(out);
	await out.end();
	const prom = await renderText(session.registry, session.createdS === undefined ? {} : {createdS: session.createdS});
	return {om: readFileSync(join(dir, 'metrics.om'), 'utf8'), prom};
}

describe("generate's Prometheus side, built on the serialising thread", () => {
	it.each([
		{
			name: 'faults, refusals, two engines, KV residency and MFU',
			flags: [
				'--preset',
				tightPreset(),
				'--engines',
				'2',
				'--error-rate',
				'0.05',
				'--abort-rate',
				'0.05',
				'--abort-after',
				'1s',
				'--sleep',
				'20-35:1,50-60:2@1',
			],
			extra: ['--max-model-len', '1024', '--kv-cache-metrics', '--kv-cache-metrics-sample', '0.5', '--enable-mfu-metrics'],
			options: {createdSeries: true, showHiddenMetrics: false, kvCacheMetricsSample: 0.5, enableMfuMetrics: true},
		},
		{
			name: 'hidden metrics, no _created, coverage log format',
			flags: ['--log-format', 'coverage', '--no-enable-prefix-caching'],
			extra: ['--show-hidden-metrics', '--no-created'],
			options: {createdSeries: false, showHiddenMetrics: true},
		},
	])('writes the metrics.om and metrics.prom a registry fed on the simulation thread gives ($name)', async ({name, flags, extra, options}) => {
		const dir = join(root, name.replaceAll(/\W+/g, '-'));
		const result = await cli('generate', '--out', dir, '--duration', '80s', '--qps', '20', '--scrape-interval', '5s', ...flags, ...extra);
		expect(result).toMatchObject({code: 0});
		const meta = JSON.parse(readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n', 1)[0]!) as {seed: number; config: unknown; start: string};
		const expected = await reference(meta, 80, 5, options);
		const prom = readFileSync(join(dir, 'metrics.prom'), 'utf8');
		// The run exercised what it is meant to.
		if (options.enableMfuMetrics === true) {
			for (const family of ['status="4xx"', 'status="5xx"', 'finished_reason="abort"', 'operation="wake"']) expect(prom, family).toContain(family);
			for (const zero of [
				'vllm:estimated_flops_per_gpu_total{engine="0"',
				'vllm:kv_block_lifetime_seconds_count{engine="1"',
				'vllm:num_preemptions_total{engine="0"',
			])
				expect(prom).not.toMatch(new RegExp(`^${zero.replaceAll(/[{}]/g, '\\$&')}[^ ]* 0\\.0$`, 'm'));
		}
		expect(prom).toBe(expected.prom);
		expect(readFileSync(join(dir, 'metrics.om'), 'utf8')).toBe(expected.om);
	});
});
