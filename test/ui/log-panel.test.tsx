import {describe, expect, it} from 'vitest';
import {logPanelRows} from '../../src/ui/components/LogPanel.js';

const line = (id: number, text: string) => ({id, text});

describe('log panel rows', () => {
	const lines = [line(0, 'INFO one two three four five six'), line(1, 'INFO seven eight'), line(2, 'INFO nine ten eleven twelve')];

	it('word-wraps each line whole, continuation rows indented two columns, never wider than the panel', () => {
		const rows = logPanelRows(lines, 16, 10);
		expect(rows).toEqual(['INFO one two', '  three four', '  five six', 'INFO seven', '  eight', 'INFO nine ten', '  eleven twelve']);
		for (const row of rows) expect(row.length).toBeLessThanOrEqual(16);
	});

	it('shows the newest lines that fit whole; the oldest give way', () => {
		expect(logPanelRows(lines, 16, 6)).toEqual(['INFO seven', '  eight', 'INFO nine ten', '  eleven twelve']);
		expect(logPanelRows(lines, 16, 3)).toEqual(['INFO nine ten', '  eleven twelve']);
	});

	it('when even the newest line does not fit, its first rows, cut with …', () => {
		expect(logPanelRows(lines, 16, 1)).toEqual(['INFO nine ten…']);
		expect(logPanelRows([line(0, 'x'.repeat(40))], 16, 1)).toEqual([`${'x'.repeat(14)}…`]);
	});

	it('no rows, or no lines: nothing', () => {
		expect(logPanelRows(lines, 16, 0)).toEqual([]);
		expect(logPanelRows([], 16, 5)).toEqual([]);
	});
});
