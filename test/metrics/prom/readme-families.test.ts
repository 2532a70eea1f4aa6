import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../../src/config/load.js';
import {collectFamilies} from '../../../src/metrics/prom/collect.js';
import {Session} from '../../../src/runtime/session.js';

/** The README's "Exposed series" section, up to the next heading of the same level. */
function exposedSeriesSection(): string {
	const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
	const start = readme.indexOf('### Exposed series');
	expect(start).toBeGreaterThan(0);
	const end = readme.indexOf('\n### ', start + 1);
	return readme.slice(start, end < 0 ? undefined : end);
}

describe("the README's exposed-series section", () => {
	it('names every family a generate dataset exposes, hidden and optional ones (--kv-cache-metrics, a sleep schedule) included, as /metrics spells it', async () => {
		const {config} = await loadPreset(DEFAULT_PRESET);
		// A sleep and a wake-up create the sleep-mode operation families.
		const sleepy = {...config, faults: {errorRate: 0, sleep: [{startS: 1, endS: 2, level: 1 as const}]}};
		const session = new Session(sleepy, {seed: 0, server: 'simulated', showHiddenMetrics: true, kvCacheMetricsSample: 0.01, enableMfuMetrics: true});
		session.built.simulation.runUntil(5);
		const section = exposedSeriesSection();
		const exposed = (await collectFamilies(session.registry)).map(f => (f.type === 'counter' ? `${f.name}_total` : f.name));
		expect(exposed.length).toBeGreaterThan(40);
		const missing = exposed.filter(name => !new RegExp(`\`${name.replaceAll('.', '\\.')}[\`{]`).test(section));
		expect(missing).toEqual([]);
	});
});
