import {Text} from 'ink';
import {bar, fit, formatFixed} from '../format.js';
import Panel, {PANEL_CHROME} from './Panel.js';

type Props = {
	/** Measured rates per position (the last interval's, or since start before the first tick). */
	readonly rates: readonly number[];
	/** The model's rates of the same kind. */
	readonly expected: readonly number[];
	readonly conditional: boolean;
	/** Which span `rates` covers, for the subtitle. */
	readonly spanLabel: string;
	/** What the model marks stand for when not the full-length closed forms (drafts shorter than k). */
	readonly modelNote?: string | undefined;
	readonly width: number;
	/** Rows the panel may take (title and legend included); positions past it are summarised in one line. */
	readonly maxRows?: number;
};

/**
 * Rows the panel takes for `numPositions` positions within `maxRows` (0 when not even one position
 * fits): title, bars and legend; one row short, the legend gives way (a note naming one hidden
 * position would take the row the position needs); fewer, the first positions and a note naming
 * the others. Without positions (no speculation) the title and the line saying so.
 */
export function positionBarsRowCount(numPositions: number, maxRows = Number.POSITIVE_INFINITY): number {
	if (numPositions === 0) return maxRows >= 2 ? 2 : 0;
	if (numPositions + 2 <= maxRows) return numPositions + 2;
	if (numPositions + 1 <= maxRows) return numPositions + 1;
	return maxRows >= 3 ? maxRows : 0;
}

/**
 * Per-position acceptance as horizontal bars with the model's value marked `│`. Unconditional
 * (vLLM's `num_accepted_tokens_per_pos / num_drafts`) falls with position because a token counts
 * only when every earlier one was accepted; conditional divides by the previous position instead.
 */
export default function PositionBars({rates, expected, conditional, spanLabel, modelNote, width, maxRows}: Props) {
	const rowCount = positionBarsRowCount(rates.length, maxRows);
	if (rowCount === 0) return null;
	// All positions (with the legend if it fits), or as many as fit beside a line that names the hidden ones.
	const shown = rowCount >= rates.length + 1 ? rates.length : rowCount - 2;
	const legend = rates.length === 0 || rowCount === rates.length + 2;
	const inner = width - PANEL_CHROME;
	const barWidth = Math.max(10, inner - 7 - 18);
	const kind = conditional ? 'conditional' : 'unconditional';
	const formula = conditional ? 'accepted at i / accepted at i−1' : 'accepted at i / drafts';
	return (
		<Panel title={`Per-position acceptance: ${kind}`} subtitle={spanLabel} width={width}>
			{rates.slice(0, shown).map((rate, i) => (
				// biome-ignore lint/suspicious/noArrayIndexKey: the row is draft position i; the index is its identity.
				<Text key={i}>
					{fit(`pos ${i}`, 7)}
					<Text color="green">{bar(rate, barWidth, expected[i])}</Text>
					{fit(formatFixed(rate), 6, 'right')}
					<Text color="yellow">{fit(`model ${formatFixed(expected[i])}`, 12, 'right')}</Text>
				</Text>
			))}
			{shown < rates.length ? (
				<Text dimColor wrap="truncate-end">
					{`pos ${shown}..${rates.length - 1} not shown: a taller terminal shows them`}
				</Text>
			) : null}
			{legend ? (
				<Text dimColor wrap="truncate-end">
					{rates.length === 0
						? 'speculative decoding is off (--k 0 or --method none): no draft positions'
						: modelNote === undefined
							? `${formula}   │ = model`
							: `${formula}  │ ${modelNote}`}
				</Text>
			) : null}
		</Panel>
	);
}
