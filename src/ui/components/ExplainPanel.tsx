import {Text} from 'ink';
import type {ExplainSection} from '../../explain/index.js';
import {reflow, wrapRows} from '../reflow.js';
import Panel, {PANEL_CHROME} from './Panel.js';

type Props = {
	readonly sections: readonly ExplainSection[];
	/** Which section shows (wraps around). */
	readonly index: number;
	readonly width: number;
	/** Rows the panel may take, title included (the header and keys stay on screen). */
	readonly maxRows: number;
	/** First body row shown when the body is taller than the panel (clamped). */
	readonly scroll: number;
};

/** The body rows of `section` at a panel width: prose rewrapped to it, tables and code kept. */
export function explainRows(section: ExplainSection, width: number): string[] {
	return wrapRows(reflow(section.body), width - PANEL_CHROME);
}

/** The largest useful scroll offset: the last page shows the last rows. */
export function maxExplainScroll(numRows: number, maxRows: number): number {
	const page = Math.max(1, maxRows - 2);
	return numRows <= maxRows - 1 ? 0 : Math.max(0, numRows - page);
}

/**
 * The `e` panel: one topic at a time, worked with the live counts, rewrapped to the terminal's
 * width and cut to its height (PgUp/PgDn scroll a long topic), so the header and keys stay in
 * view; `←`/`→` change the topic.
 */
export default function ExplainPanel({sections, index, width, maxRows, scroll}: Props) {
	// Below a title, one row and the scroll line it gives way, so the header stays on screen.
	if (sections.length === 0 || maxRows < 3) return null;
	const i = ((index % sections.length) + sections.length) % sections.length;
	const section = sections[i]!;
	const rows = explainRows(section, width);
	const fits = rows.length <= maxRows - 1;
	const page = Math.max(1, maxRows - 2);
	const from = fits ? 0 : Math.min(Math.max(0, scroll), maxExplainScroll(rows.length, maxRows));
	const shown = fits ? rows : rows.slice(from, from + page);
	return (
		<Panel title={`Explain ${i + 1}/${sections.length}: ${section.title}`} subtitle="←/→ topic · e or Esc closes" width={width}>
			{shown.map((row, n) => (
				// biome-ignore lint/suspicious/noArrayIndexKey: rows are positional text lines.
				<Text key={n} wrap="truncate-end">
					{row === '' ? ' ' : row}
				</Text>
			))}
			{fits ? null : (
				<Text dimColor wrap="truncate-end">
					{`rows ${from + 1}–${from + shown.length} of ${rows.length} · PgUp/PgDn scroll`}
				</Text>
			)}
		</Panel>
	);
}
