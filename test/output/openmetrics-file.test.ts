import {mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {OpenMetricsFileWriter} from '../../src/output/openmetrics-file.js';
import {OutputStream} from '../../src/output/output-stream.js';
import {ScrapeLines} from '../../src/output/scrape-lines.js';

const root = mkdtempSync(join(tmpdir(), 'specsim-om-file-'));

/**
 * 30 scrapes of three families (one with two series, one series per family appearing late) handed
 * to a writer in takes of three scrapes; returns metrics.om and what was left beside it.
 */
async function write(name: string, memoryBytes?: number): Promise<{text: string; left: string[]}> {
	const dir = mkdtempSync(join(root, `${name}-`));
	const writer = await OpenMetricsFileWriter.create(dir, join(dir, 'metrics.om'), memoryBytes);
	const lines = new ScrapeLines();
	const a0 = writer.series('a', '# TYPE a counter\n', 'a{e="0"}');
	const b = writer.series('b', '# TYPE b gauge\n', 'b');
	lines.series(a0.id, ['a_total{e="0"} '], 'a_created{e="0"} 1.7e+09');
	lines.series(b.id, ['b '], undefined);
	let a1: number | undefined;
	for (let i = 0; i < 30; i++) {
		if (i === 10) {
			// A child of `a` appears: it goes after a{e="0"}, before family b, in the file.
			a1 = writer.series('a', '# TYPE a counter\n', 'a{e="1"}').id;
			lines.series(a1, ['a_total{e="1"} '], undefined);
		}
		lines.scrape(1_767_225_600 + 15 * i);
		lines.values(a0.id, [i], 1);
		lines.values(b.id, [i / 3], 1);
		if (a1 !== undefined) lines.values(a1, [2 * i], 1);
		if (i % 3 === 2) await writer.writeSpools(lines.take());
	}
	const out = new OutputStream(join(dir, 'metrics.om'));
	await writer.finish(out);
	await out.end();
	return {text: readFileSync(join(dir, 'metrics.om'), 'utf8'), left: readdirSync(dir)};
}

describe('OpenMetricsFileWriter (scrapes kept in memory up to a bound, then in spool files)', () => {
	it('writes the same file whether it kept everything in memory, spilled part-way, or spooled from the start, and leaves only metrics.om', async () => {
		const inMemory = await write('memory');
		const partWay = await write('part-way', 1500);
		const spooled = await write('spooled', 0);
		expect(partWay.text).toBe(inMemory.text);
		expect(spooled.text).toBe(inMemory.text);
		for (const result of [inMemory, partWay, spooled]) expect(result.left).toEqual(['metrics.om']);
		const text = inMemory.text;
		// Every series contiguous, families once, in first-seen order, then # EOF.
		expect(text.indexOf('a_total{e="1"} 20.0 1767225750.0\n')).toBeGreaterThan(text.lastIndexOf('a_created{e="0"}'));
		expect(text.indexOf('# TYPE b gauge')).toBeGreaterThan(text.lastIndexOf('a_total{e="1"}'));
		expect(text.split('\n').filter(line => line.startsWith('b '))).toHaveLength(30);
		expect(text.endsWith('b 9.666666666666666 1767226035.0\n# EOF\n')).toBe(true);
	});
});
