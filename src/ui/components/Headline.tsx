import {Text} from 'ink';
import {fit, formatCount, formatFixed, formatPercent, formatRate} from '../format.js';
import type {ExpectedView, SpanView} from '../snapshot.js';
import Panel, {PANEL_CHROME} from './Panel.js';

type Props = {
	/** The last complete log interval (undefined before the first log tick). */
	readonly interval: SpanView | undefined;
	/** Since start, or since the last live k change (then `lifetimeLabel` says so). */
	readonly lifetime: SpanView;
	/** Heading of the cumulative column: `since start` or `since k=N`. */
	readonly lifetimeLabel: string;
	/** Set when the interval's drafts were not all at the current k: its column is starred and this explains why. */
	readonly intervalNote: string | undefined;
	readonly expected: ExpectedView;
	readonly logIntervalS: number;
	readonly width: number;
	/** Rows the panel may take (see {@link headlineRowCount}). @default unlimited */
	readonly maxRows?: number;
};

/** The longest row label, `mean accept. length`. */
const LABEL_WIDTH = 19;

/**
 * A span's mean acceptance length, undefined without drafts: vLLM's formula gives 1 there (and no
 * log line), which would read as "nothing accepted" beside an acceptance rate that has no value.
 */
const lengthOf = (span: SpanView | undefined): number | undefined =>
	span !== undefined && span.numDrafts > 0 ? span.meanAcceptanceLength : undefined;

type Row = {readonly label: string; readonly interval: string; readonly lifetime: string; readonly model: string};

/** Rows of the smallest headline: title, column heads, acceptance rate and mean acceptance length. */
const COMPACT_ROWS = 4;

/**
 * Rows the panel takes within `maxRows`: title, column heads, five figures, the interval note if
 * any, the formula's two lines. On a short terminal the formula gives way first, then the
 * throughput rows and the note, leaving the two figures vLLM's log line leads with; below
 * {@link COMPACT_ROWS} the panel gives way entirely (0), so the header stays on screen.
 */
export function headlineRowCount(intervalNote: string | undefined, maxRows = Number.POSITIVE_INFINITY): number {
	const full = 9 + (intervalNote === undefined ? 0 : 1);
	if (full <= maxRows) return full;
	if (full - 2 <= maxRows) return full - 2;
	return maxRows >= COMPACT_ROWS ? COMPACT_ROWS : 0;
}

/**
 * The headline spec-decode figures for the last log interval and since start (or since the last
 * k change), beside what the acceptance model predicts at the current k; and the mean acceptance
 * length's formula with the live counts.
 */
export default function Headline({interval, lifetime, lifetimeLabel, intervalNote, expected, logIntervalS, width, maxRows}: Props) {
	const rowCount = headlineRowCount(intervalNote, maxRows);
	if (rowCount === 0) return null;
	const compact = rowCount === COMPACT_ROWS;
	const withFormula = rowCount === headlineRowCount(intervalNote);
	const inner = width - PANEL_CHROME;
	const lastLabel = `last ${logIntervalS}s${intervalNote === undefined ? '' : '*'}`;
	// Each value column is as wide as the room allows (up to 13), never narrower than its heading plus
	// a two-space gap, so the headings never run into each other; the model column (short figures)
	// gives way first so the labels keep their width; the labels take what is left.
	const roomy = Math.min(13, Math.floor((inner - LABEL_WIDTH) / 3));
	const lastWidth = Math.max(roomy, lastLabel.length + 2);
	const lifetimeWidth = Math.max(roomy, lifetimeLabel.length + 2);
	const modelWidth = Math.max('model'.length + 2, Math.min(roomy, inner - LABEL_WIDTH - lastWidth - lifetimeWidth));
	const labelWidth = inner - lastWidth - lifetimeWidth - modelWidth;
	const rows: Row[] = [
		{
			label: 'acceptance rate',
			interval: formatPercent(interval?.acceptanceRate),
			lifetime: formatPercent(lifetime.acceptanceRate),
			model: formatPercent(expected.draftAcceptanceRate),
		},
		{
			label: 'mean accept. length',
			interval: formatFixed(lengthOf(interval)),
			lifetime: formatFixed(lengthOf(lifetime)),
			model: formatFixed(expected.meanAcceptanceLength),
		},
	];
	if (!compact)
		rows.push(
			{label: 'accepted tok/s', interval: formatRate(interval?.acceptedTokensPerS), lifetime: formatRate(lifetime.acceptedTokensPerS), model: ''},
			{label: 'drafted tok/s', interval: formatRate(interval?.draftTokensPerS), lifetime: formatRate(lifetime.draftTokensPerS), model: ''},
			{label: 'drafts/s', interval: formatRate(interval?.draftsPerS), lifetime: formatRate(lifetime.draftsPerS), model: ''},
		);
	const formulaSpan = interval ?? lifetime;
	const formulaSource = interval === undefined ? lifetimeLabel : lastLabel;
	return (
		<Panel title="Speculative decoding" subtitle="vLLM SpecDecoding metrics" width={width}>
			<Text dimColor>
				{fit('', labelWidth)}
				{fit(lastLabel, lastWidth, 'right')}
				{fit(lifetimeLabel, lifetimeWidth, 'right')}
				{fit('model', modelWidth, 'right')}
			</Text>
			{rows.map(row => (
				<Text key={row.label}>
					{fit(row.label, labelWidth)}
					<Text bold>{fit(row.interval, lastWidth, 'right')}</Text>
					{fit(row.lifetime, lifetimeWidth, 'right')}
					<Text color="yellow">{fit(row.model, modelWidth, 'right')}</Text>
				</Text>
			))}
			{intervalNote === undefined || compact ? null : (
				<Text dimColor wrap="truncate-end">
					* {intervalNote}
				</Text>
			)}
			{withFormula ? (
				<>
					<Text dimColor wrap="truncate-end">
						mean acceptance length = 1 + accepted / drafts ({formulaSource})
					</Text>
					<Text wrap="truncate-end">
						{'  = 1 + '}
						{formatCount(formulaSpan.numAcceptedTokens)} / {formatCount(formulaSpan.numDrafts)} ={' '}
						<Text bold>{formatFixed(lengthOf(formulaSpan))}</Text>
						<Text color="yellow">{`   model ${formatFixed(expected.meanAcceptanceLength)}`}</Text>
					</Text>
				</>
			) : null}
		</Panel>
	);
}
