import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {crossoverMisses, formatTable, medianAbsError, readPublished, runValidation} from './harness.js';
import {SERIES, SIGN_EXCEPTIONS} from './series.js';

/**
 * specsim against published speedups (test/validation/published-perf.jsonl; provenance in
 * docs/validation.md). The table is regenerated with `npx vitest run test/validation -u` and must
 * be the README's.
 */
describe('validation against published measurements', () => {
	const rows = runValidation();
	const validation = rows.filter(r => r.spec.role === 'validation');

	it('runs every published point of every expressible series', () => {
		const published = readPublished().filter(p => p.speedup !== null && SERIES.some(s => s.series === p.series));
		expect(rows).toHaveLength(published.length);
		expect(validation.length).toBeGreaterThanOrEqual(50);
		for (const r of rows) expect(Number.isFinite(r.simulated) && r.simulated > 0, r.spec.series).toBe(true);
	});

	// What holds (docs/validation.md): the bounds are the model's level, to catch regressions; the
	// sign exceptions are listed with their reasons, and closing them is the goal.
	it('median absolute error of speedup over the validation points is at most 0.19', () => {
		expect(medianAbsError(validation)).toBeLessThanOrEqual(0.19);
	});

	it('every validation point is simulated on the same side of 1.0 as published, except the listed ones', () => {
		const misses = crossoverMisses(validation).map(m => `${m.spec.series}@${m.point.load}`);
		const listed = Object.entries(SIGN_EXCEPTIONS).flatMap(([series, e]) => e.loads.map(load => `${series}@${load}`));
		expect(misses.sort()).toEqual(listed.sort());
		expect(validation.length - misses.length).toBeGreaterThanOrEqual(46);
	});

	it('the README shows this table, and its plan walk-through quotes its figures', async () => {
		const table = formatTable(rows);
		await expect(table).toMatchFileSnapshot('__table__/validation.md');
		const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
		expect(readme).toContain(table.trimEnd());
		const agree = validation.length - crossoverMisses(validation).length;
		// The walk-through wraps lines: compare with whitespace collapsed.
		const text = readme.replace(/\s+/g, ' ');
		expect(text).toContain(
			`${validation.length} published speedups (median error about ${medianAbsError(validation).toFixed(2)}, ${agree} of ${validation.length} on the right side of 1.0;`,
		);
	});
});
