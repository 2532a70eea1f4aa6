import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {loadPreset} from '../../src/config/load.js';
import {simConfigSchema} from '../../src/config/schema.js';
import {renderOpenMetricsScrape} from '../../src/metrics/prom/exposition.js';
import {OutputStream} from '../../src/output/output-stream.js';
import {OpenMetricsFileWriter} from '../../src/output/openmetrics-file.js';
import {OpenMetricsScraper} from '../../src/output/openmetrics-scraper.js';
import {Session} from '../../src/runtime/session.js';
import type {BenchResult} from './harness.js';

/**
 * `generate`'s metrics.om scrapes for one virtual hour at 20 QPS (default preset, every 15 s), A/B
 * interleaved at every scrape in one process (so the machine's load hits both alike): the general
 * path (`renderOpenMetricsScrape`, then the spool writer) and `OpenMetricsScraper` (cached layouts,
 * what generate's serialising thread runs). The two files must come out byte-identical; the figure
 * is the ratio of the times.
 */
export async function benchGenerateScrapes(): Promise<BenchResult[]> {
	const {config} = await loadPreset('llama-3.1-8b-eagle3');
	const session = new Session(simConfigSchema.parse({...config, workload: {...config.workload, arrival: {kind: 'poisson', rate: 20}}}), {
		seed: 0,
		server: 'simulated',
	});
	const dir = mkdtempSync(join(tmpdir(), 'specsim-bench-scrape-'));
	try {
		const general = await OpenMetricsFileWriter.create(dir, 'general.om');
		const cached = await OpenMetricsFileWriter.create(dir, 'cached.om');
		const scraper = new OpenMetricsScraper(session.registry, cached);
		const seconds = {general: 0, cached: 0};
		const time = async (path: keyof typeof seconds, fn: () => Promise<void>): Promise<void> => {
			const start = process.hrtime.bigint();
			await fn();
			seconds[path] += Number(process.hrtime.bigint() - start) / 1e9;
		};
		let scrapes = 0;
		for (let t = 0; t <= 3600; t += 15) {
			session.built.simulation.runUntil(t);
			const timestampS = session.epochMsAt(t) / 1000;
			const createdS = session.createdS;
			const runGeneral = () =>
				time('general', async () =>
					general.add(await renderOpenMetricsScrape(session.registry, {...(createdS === undefined ? {} : {createdS}), timestampS})),
				);
			const runCached = () => time('cached', () => scraper.scrape(timestampS, createdS));
			// Alternate which goes first (the first pays for the slot counters taking their pending increments).
			const order = [runGeneral, runCached];
			for (let i = 0; i < 2; i++) await order[(scrapes + i) % 2]!();
			scrapes++;
		}
		const files = {general: join(dir, 'general.om'), cached: join(dir, 'cached.om')};
		for (const [path, writer] of [
			[files.general, general],
			[files.cached, cached],
		] as const) {
			const out = new OutputStream(path);
			await writer.finish(out);
			await out.end();
		}
		const identical = readFileSync(files.general).equals(readFileSync(files.cached));
		if (!identical) throw new Error('metrics.om scrapes: the cached layouts wrote different bytes from the general path');
		return [
			{name: `generate: ${scrapes} metrics.om scrapes, general path (1 virtual h, 20 QPS)`, value: seconds.general, unit: 's'},
			{name: 'generate: the same scrapes with cached layouts (byte-identical)', value: seconds.cached, unit: 's'},
			{name: 'generate: metrics.om scrape time, cached / general (A/B interleaved)', value: seconds.cached / seconds.general, unit: '×'},
		];
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
