import {renderToString} from 'ink';
import {describe, expect, it} from 'vitest';
import PositionBars, {positionBarsRowCount} from '../../src/ui/components/PositionBars.js';
import {plain} from './create-test-snapshot.js';

const rates = [0.73, 0.52, 0.35];

function bars(maxRows: number): string[] {
	return plain(
		renderToString(<PositionBars rates={rates} expected={rates} conditional={false} spanLabel="last 10s" width={80} maxRows={maxRows} />, {
			columns: 80,
		}),
	).split('\n');
}

describe('per-position bars in the rows they are given', () => {
	it('every position and the legend when they fit', () => {
		const lines = bars(5);
		expect(positionBarsRowCount(3, 5)).toBe(5);
		expect(lines).toHaveLength(5);
		expect(lines.at(-1)).toContain('│ = model');
	});

	it('one row short: the legend gives way, not a position (a note naming one hidden position takes its row)', () => {
		const lines = bars(4);
		expect(positionBarsRowCount(3, 4)).toBe(4);
		expect(lines).toHaveLength(4);
		expect(lines.filter(l => /^ pos \d/.test(l))).toHaveLength(3);
		expect(lines.join('\n')).not.toContain('not shown');
	});

	it('fewer rows: the first positions and a note naming the others', () => {
		const lines = bars(3);
		expect(positionBarsRowCount(3, 3)).toBe(3);
		expect(lines).toHaveLength(3);
		expect(lines[1]).toMatch(/^ pos 0 /);
		expect(lines[2]).toContain('pos 1..2 not shown');
		expect(positionBarsRowCount(3, 2)).toBe(0);
	});

	it('without speculation the panel keeps its one explaining line', () => {
		expect(positionBarsRowCount(0, 1)).toBe(0);
		expect(positionBarsRowCount(0, 2)).toBe(2);
	});
});
