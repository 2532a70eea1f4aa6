import {spawnSync, type SpawnSyncReturns} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {OpenMetricsAccumulator, renderText} from '../../../src/metrics/prom/exposition.js';
import {GOLDEN_CREATED_S, createGoldenScenario} from './scenario.js';
import {runSpecScrapes} from './scrapes.js';

const INSTALL_HINT = "promtool was not found: install Debian's prometheus package (apt-get update && apt-get install -y prometheus)";

function promtool(args: readonly string[], input?: string): SpawnSyncReturns<string> {
	const result = spawnSync('promtool', args, {input, encoding: 'utf8', timeout: 20_000});
	if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(INSTALL_HINT);
	if (result.error) throw result.error;
	return result;
}

describe('promtool', () => {
	it("check metrics parses our text exposition (spec + core, with _created); only vLLM's own lint findings fire", async () => {
		const scenario = createGoldenScenario();
		for (let i = 0; i < 3; i++) scenario.step(i);
		const text = await renderText(scenario.registry, {createdS: GOLDEN_CREATED_S});
		const result = promtool(['check', 'metrics'], text);
		const problems = `${result.stdout}\n${result.stderr}`.split('\n').filter(line => line.trim() !== '');
		// Exit 0: clean. Exit 3: lint problems only (exit 1 would be a parse error).
		expect([0, 3], `promtool exited ${result.status}:\n${problems.join('\n')}`).toContain(result.status);
		if (result.status === 3) {
			expect(problems.length).toBeGreaterThan(0);
			// vLLM's names have colons, and its histogram vllm:iteration_tokens_total ends in _total.
			for (const line of problems)
				expect(line).toMatch(
					/^(vllm:\S+ metric names should not contain ':'|vllm:iteration_tokens_total non-counter metrics should not have "_total" suffix)$/,
				);
		}
	});

	it('backfills our multi-scrape OpenMetrics file (tsdb create-blocks-from openmetrics)', async () => {
		const accumulator = new OpenMetricsAccumulator();
		await runSpecScrapes(chunks => accumulator.add(chunks));
		const dir = mkdtempSync(join(tmpdir(), 'specsim-promtool-'));
		try {
			const file = join(dir, 'scrapes.om');
			writeFileSync(file, accumulator.toString());
			const result = promtool(['tsdb', 'create-blocks-from', 'openmetrics', file, join(dir, 'blocks')]);
			expect(result.status, result.stderr).toBe(0);
			// 2 engines × (3 counters + 3 positions) series, each with _total and _created, × 3 scrapes.
			const header = result.stdout.split('\n').findIndex(line => line.includes('NUM SAMPLES'));
			expect(header).toBeGreaterThanOrEqual(0);
			const columns = result.stdout
				.split('\n')
				[header]!.trim()
				.split(/\s{2,}/);
			const row = result.stdout.split('\n')[header + 1]!.trim().split(/\s+/);
			// Column titles have spaces, values do not: count columns up to NUM SAMPLES / NUM SERIES.
			expect(Number(row[columns.indexOf('NUM SAMPLES')])).toBe(72);
			expect(Number(row[columns.indexOf('NUM SERIES')])).toBe(24);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
