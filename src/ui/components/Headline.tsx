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
};

/** The longest row label, `mean accept. length`. */
const LABEL_WIDTH = 19;

type Row = {readonly label: string; readonly interval: string; readonly lifetime: string; readonly model: string};

/** Rows the panel takes: title, column heads, five figures, the interval note if any, the formula's two lines. */
export function headlineRowCount(intervalNote: string | undefined): number {
	return 9 + (intervalNote === undefined ? 0 : 1);
}

/**
 * The headline spec-decode figures for the last log interval and since start (or since the last
 * k change), beside what the acceptance model predicts at the current k; and the mean acceptance
 * length's formula with the live counts.
 */
export default function Headline({interval, lifetime, lifetimeLabel, intervalNote, expected, logIntervalS, width}: Props) {
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
			interval: formatFixed(interval?.meanAcceptanceLength),
			lifetime: formatFixed(lifetime.meanAcceptanceLength),
			model: formatFixed(expected.meanAcceptanceLength),
		},
		{label: 'accepted tok/s', interval: formatRate(interval?.acceptedTokensPerS), lifetime: formatRate(lifetime.acceptedTokensPerS), model: ''},
		{label: 'drafted tok/s', interval: formatRate(interval?.draftTokensPerS), lifetime: formatRate(lifetime.draftTokensPerS), model: ''},
		{label: 'drafts/s', interval: formatRate(interval?.draftsPerS), lifetime: formatRate(lifetime.draftsPerS), model: ''},
	];
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
			{intervalNote === undefined ? null : (
				<Text dimColor wrap="truncate-end">
					* {intervalNote}
				</Text>
			)}
			<Text dimColor wrap="truncate-end">
				mean acceptance length = 1 + accepted / drafts ({formulaSource})
			</Text>
			<Text wrap="truncate-end">
				{'  = 1 + '}
				{formatCount(formulaSpan.numAcceptedTokens)} / {formatCount(formulaSpan.numDrafts)} ={' '}
				<Text bold>{formatFixed(formulaSpan.meanAcceptanceLength)}</Text>
				<Text color="yellow">{`   model ${formatFixed(expected.meanAcceptanceLength)}`}</Text>
			</Text>
		</Panel>
	);
}
