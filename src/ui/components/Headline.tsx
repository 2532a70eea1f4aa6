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
	const valueWidth = Math.max(8, Math.min(13, Math.floor((inner - 20) / 3)));
	const labelWidth = inner - 3 * valueWidth;
	const lastLabel = `last ${logIntervalS}s${intervalNote === undefined ? '' : '*'}`;
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
				{fit(lastLabel, valueWidth, 'right')}
				{fit(lifetimeLabel, valueWidth, 'right')}
				{fit('model', valueWidth, 'right')}
			</Text>
			{rows.map(row => (
				<Text key={row.label}>
					{fit(row.label, labelWidth)}
					<Text bold>{fit(row.interval, valueWidth, 'right')}</Text>
					{fit(row.lifetime, valueWidth, 'right')}
					<Text color="yellow">{fit(row.model, valueWidth, 'right')}</Text>
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
