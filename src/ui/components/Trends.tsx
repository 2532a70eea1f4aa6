import {Text} from 'ink';
import {fit, formatFixed, formatPercent, formatRate, sparkline} from '../format.js';
import type {HistoryView} from '../snapshot.js';
import Panel, {PANEL_CHROME} from './Panel.js';

type Props = {
	readonly history: HistoryView;
	readonly width: number;
};

/** Rows the panel takes: its title and three sparklines. */
export const TRENDS_ROWS = 4;

/** Sparklines of acceptance rate, mean acceptance length and output tokens/s, newest at the right. */
export default function Trends({history, width}: Props) {
	const inner = width - PANEL_CHROME;
	const sparkWidth = Math.max(8, inner - 17 - 9);
	const rows = [
		{label: 'acceptance rate', values: history.acceptanceRate, latest: formatPercent(history.acceptanceRate.at(-1))},
		{label: 'mean length', values: history.meanAcceptanceLength, latest: formatFixed(history.meanAcceptanceLength.at(-1))},
		{label: 'output tok/s', values: history.outputTokensPerS, latest: formatRate(history.outputTokensPerS.at(-1))},
	];
	return (
		<Panel title="Trends" subtitle={`1 point = ${history.sampleEveryS}s virtual`} width={width}>
			{rows.map(row => (
				<Text key={row.label}>
					{fit(row.label, 17)}
					<Text color="cyan">{sparkline(row.values, sparkWidth)}</Text>
					<Text bold>{fit(row.latest, 9, 'right')}</Text>
				</Text>
			))}
		</Panel>
	);
}
