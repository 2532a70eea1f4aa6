import {Text} from 'ink';
import {wrapRows} from '../reflow.js';
import type {LogLine} from '../snapshot.js';
import Panel, {PANEL_CHROME} from './Panel.js';

type Props = {
	readonly lines: readonly LogLine[];
	readonly width: number;
	/** Rows the panel may take, its title included (at least {@link LOG_PANEL_MIN_ROWS}). */
	readonly maxRows: number;
};

/** The panel's title and one row of a line: below this the panel is not shown. */
export const LOG_PANEL_MIN_ROWS = 2;

/** Columns a line's continuation rows are indented by, so each line's start stands out. */
const HANGING = 2;

/**
 * The rows that show the newest of `lines` in `maxRows` rows of `width` columns, oldest first: each
 * line word-wrapped whole, its continuation rows indented, as many of the newest lines as fit. When
 * even the newest does not fit, its first rows, the last one ending in `…`.
 */
export function logPanelRows(lines: readonly LogLine[], width: number, maxRows: number): string[] {
	if (maxRows < 1 || lines.length === 0) return [];
	const wrap = (line: LogLine): string[] => wrapRows(line.text, width - HANGING).map((row, i) => (i === 0 ? row : `${' '.repeat(HANGING)}${row}`));
	const shown: string[][] = [];
	let used = 0;
	for (let i = lines.length - 1; i >= 0; i--) {
		const rows = wrap(lines[i]!);
		if (used + rows.length > maxRows) {
			if (shown.length === 0) {
				const cut = rows.slice(0, maxRows);
				cut[maxRows - 1] = `${cut[maxRows - 1]!.slice(0, width - 1)}…`;
				shown.push(cut);
			}
			break;
		}
		shown.push(rows);
		used += rows.length;
	}
	return shown.reverse().flat();
}

/**
 * vLLM's INFO log lines (the engine-initialised line, each interval's `Engine 000:` and
 * `SpecDecoding metrics:` lines), newest last, inside the frame: written above it, the terminal
 * wrapped them and Ink had to clear and redraw the whole frame for each. The panel takes the rows
 * the other panels leave; headless `run` (or `generate`'s `vllm.log`) has every line.
 */
export default function LogPanel({lines, width, maxRows}: Props) {
	const rows = logPanelRows(lines, width - PANEL_CHROME, maxRows - 1);
	if (rows.length === 0) return null;
	return (
		<Panel title="Log" subtitle="vLLM INFO lines, newest last" width={width}>
			{rows.map((row, i) => (
				// biome-ignore lint/suspicious/noArrayIndexKey: rows are positions in the panel.
				<Text key={i} dimColor wrap="truncate-end">
					{row}
				</Text>
			))}
		</Panel>
	);
}
