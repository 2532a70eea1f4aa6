import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fc, test} from '@fast-check/vitest';
import {Counter, Gauge, Histogram, Registry} from 'prom-client';
import {describe, expect, it} from 'vitest';
import {loadPreset} from '../../src/config/load.js';
import {simConfigSchema} from '../../src/config/schema.js';
import {renderOpenMetricsScrape} from '../../src/metrics/prom/exposition.js';
import {
	addCounterSlot,
	addGaugeSlot,
	addHistogramChild,
	counterFamily,
	gaugeFamily,
	histogramFamily,
} from '../../src/metrics/prom/registry-families.js';
import {OpenMetricsFileWriter} from '../../src/output/openmetrics-file.js';
import {OpenMetricsScraper} from '../../src/output/openmetrics-scraper.js';
import {OutputStream} from '../../src/output/output-stream.js';
import {Session} from '../../src/runtime/session.js';
import {ScrapeLines} from '../../src/output/scrape-lines.js';
import {floatToGoString, formatPythonRepr} from '../../src/util/py-format.js';

const root = mkdtempSync(join(tmpdir(), 'specsim-scraper-'));
let dirs = 0;

/**
 * Scrape `registry` at every step of `steps` (each changes the registry first) two ways: the
 * general path (`renderOpenMetricsScrape` into a spool writer, what generate did) and
 * OpenMetricsScraper (what generate's serialising thread does); returns both metrics.om files.
 * The general path's writer keeps nothing in memory (spool files from the start); the scraper's
 * keeps `memoryBytes` (all of it by default) before it spills.
 */
async function bothWays(
	registry: Registry,
	steps: ReadonlyArray<() => void>,
	createdS: () => number | undefined,
	{memoryBytes}: {memoryBytes?: number} = {},
): Promise<{general: string; cached: string}> {
	const dir = join(root, String(dirs++));
	const {mkdirSync} = await import('node:fs');
	mkdirSync(dir);
	const general = await OpenMetricsFileWriter.create(dir, 'general.om', 0);
	const cached = await OpenMetricsFileWriter.create(dir, 'cached.om', memoryBytes);
	const scraper = new OpenMetricsScraper(registry, cached);
	for (const [i, step] of steps.entries()) {
		step();
		const timestampS = 1_767_225_600 + 15 * i + (i % 3) / 10;
		const created = createdS();
		await general.add(await renderOpenMetricsScrape(registry, {...(created === undefined ? {} : {createdS: created}), timestampS}));
		await scraper.scrape(timestampS, created);
	}
	const read = async (writer: OpenMetricsFileWriter, name: string): Promise<string> => {
		const out = new OutputStream(join(dir, name));
		await writer.finish(out);
		await out.end();
		return readFileSync(join(dir, name), 'utf8');
	};
	return {general: await read(general, 'general.om'), cached: await read(cached, 'cached.om')};
}

describe('OpenMetricsScraper (metrics.om scrapes with cached layouts)', () => {
	it('writes what the general path writes while children appear, values change and a family is registered late', async () => {
		const registry = new Registry();
		const requests = new Counter({
			name: 'demo:requests',
			help: 'Requests "quoted" \\ and\nnewline.',
			labelNames: ['model_name', 'reason'],
			registers: [registry],
		});
		const gauge = new Gauge({name: 'demo:running', help: 'Running.', labelNames: ['engine'], registers: [registry]});
		const latency = new Histogram({
			name: 'demo:latency_seconds',
			help: 'Latency.',
			labelNames: ['engine'],
			buckets: [0.1, 1, 2.5],
			registers: [registry],
		});
		new Gauge({name: 'demo:empty', help: 'A family without children.', labelNames: ['x'], registers: [registry]});
		const bulk = histogramFamily(registry, {name: 'demo:bulk', help: 'Bulk.', labelNames: ['engine']}, [1, 10, 1e7]);
		const bulk0 = addHistogramChild(bulk, {engine: '0'});
		const pending = counterFamily(registry, {name: 'demo:pending', help: 'Pending slots.', labelNames: ['engine']});
		const slots = new Float64Array(3);
		addCounterSlot(pending, {engine: '0'}, slots, 0, 1);
		const levels = gaugeFamily(registry, {name: 'demo:level', help: 'Slot gauge.', labelNames: ['engine']});
		const cells = new Float64Array(2);
		addGaugeSlot(levels, {engine: '0'}, cells, 0);
		let created: number | undefined = 1_767_225_600;
		let late: Counter | undefined;
		const steps = [
			() => undefined,
			() => {
				requests.inc({model_name: 'm', reason: 'stop'}, 3);
				gauge.set({engine: '0'}, 2.5);
				bulk0.observe(5, 7);
				slots[0] = 1e6;
			},
			() => {
				// A child in the middle of the order, a label value with characters to escape, a huge and a negative value.
				requests.inc({model_name: 'm"\\\n', reason: 'length'}, 1);
				gauge.set({engine: '1'}, -0);
				latency.observe({engine: '0'}, 0.5);
				slots[0] = 1.7e9;
				// Slot children appearing after the first scrapes (read directly, their layout made again).
				addCounterSlot(pending, {engine: '1'}, slots, 2, 0);
				slots[2] = 4;
				addGaugeSlot(levels, {engine: '1'}, cells, 1);
				cells[0] = 0.25;
				cells[1] = -3;
			},
			() => {
				late = new Counter({name: 'demo:late', help: 'Registered late.', labelNames: [], registers: [registry]});
				late.inc(0.1 + 0.2);
				gauge.set({engine: '0'}, Number.NaN);
				bulk0.observe(1e9);
				// A bulk histogram's new child: its layout must be made again.
				addHistogramChild(bulk, {engine: '1'}).observe(2.5, 3);
			},
			() => {
				created = undefined;
				gauge.set({engine: '1'}, Number.POSITIVE_INFINITY);
			},
			() => {
				registry.removeSingleMetric('demo:late');
				created = 1_767_225_700;
				latency.observe({engine: '1'}, 3);
			},
			() => undefined,
		];
		const {general, cached} = await bothWays(registry, steps, () => created);
		expect(cached).toBe(general);
		expect(general).toContain('demo:requests_total{model_name="m\\"\\\\\\n",reason="length"} 1.0 ');
	});

	it('writes what the general path writes for a real session with faults, sleep and every family, scraped every virtual second', async () => {
		const {config} = await loadPreset('llama-3.1-8b-eagle3');
		const session = new Session(
			simConfigSchema.parse({
				...config,
				workload: {...config.workload, arrival: {kind: 'poisson', rate: 8}},
				faults: {errorRate: 0.05, abort: {rate: 0.1, after: {kind: 'exponential', mean: 5}}, sleep: [{startS: 20, endS: 30}]},
			}),
			{seed: 3, server: 'simulated', showHiddenMetrics: true},
		);
		let t = 0;
		const steps = Array.from({length: 60}, () => () => {
			t += 1;
			session.built.simulation.runUntil(t);
		});
		const {general, cached} = await bothWays(session.registry, steps, () => session.createdS);
		expect(cached).toBe(general);
		expect(general).toContain('vllm:request_success_total{');
	});

	it('writes the same through the serialising thread, as generate does (frames in the record batches, bytes back to the spools)', async () => {
		const {config} = await loadPreset('llama-3.1-8b-eagle3');
		const session = new Session(
			simConfigSchema.parse({...config, workload: {...config.workload, arrival: {kind: 'poisson', rate: 8}}, faults: {errorRate: 0.05}}),
			{seed: 4, server: 'simulated', enableMfuMetrics: true},
		);
		let t = 0;
		const steps = Array.from({length: 40}, () => () => {
			t += 1;
			session.built.simulation.runUntil(t);
		});
		const {general, cached} = await bothWays(session.registry, steps, () => session.createdS);
		expect(cached).toBe(general);

		expect(general.split('\n').filter(line => line.startsWith('vllm:num_requests_running{')).length).toBe(40);
	});

	test.prop(
		[
			fc.oneof(fc.double(), fc.integer(), fc.nat({max: 2_000_000}), fc.constantFrom(0, -0, 999_999, 1e6, 1e6 - 0.5, 1e21, -1)),
			fc.oneof(fc.double(), fc.constantFrom(1_767_225_600, 1_767_225_615.5)),
		],
		{numRuns: 2000, seed: 20261201},
	)('ScrapeLines writes a sample as prefix, floatToGoString(value), repr(timestamp)', (x, timestampS) => {
		const lines = new ScrapeLines();
		lines.series(3, ['demo:x{engine="é"} '], 'demo:x_created{engine="é"} 1.5');
		lines.scrape(timestampS);
		lines.values(3, [x], 1);
		const {ids, ends, bytes} = lines.take();
		const ts = formatPythonRepr(timestampS);
		expect([...ids]).toEqual([3]);
		expect(ends[0]).toBe(bytes.length);
		expect(Buffer.from(bytes).toString('utf8')).toBe(`demo:x{engine="é"} ${floatToGoString(x)} ${ts}\ndemo:x_created{engine="é"} 1.5 ${ts}\n`);
	});
});
