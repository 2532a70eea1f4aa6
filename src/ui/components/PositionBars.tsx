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
	readonly width: number;
};

/**
 * Per-position acceptance as horizontal bars with the model's value marked `│`. Unconditional
 * (vLLM's `num_accepted_tokens_per_pos / num_drafts`) falls with position because a token counts
 * only when every earlier one was accepted; conditional divides by the previous position instead.
 */
export default function PositionBars({rates, expected, conditional, spanLabel, width}: Props) {
	const inner = width - PANEL_CHROME;
	const barWidth = Math.max(10, inner - 7 - 18);
	const kind = conditional ? 'conditional' : 'unconditional';
	const formula = conditional ? 'accepted at i / accepted at i−1' : 'accepted at i / drafts';
	return (
		<Panel title={`Per-position acceptance: ${kind}`} subtitle={spanLabel} width={width}>
			{rates.map((rate, i) => (
				// biome-ignore lint/suspicious/noArrayIndexKey: the row is draft position i; the index is its identity.
				<Text key={i}>
					{fit(`pos ${i}`, 7)}
					<Text color="green">{bar(rate, barWidth, expected[i])}</Text>
					{fit(formatFixed(rate), 6, 'right')}
					<Text color="yellow">{fit(`model ${formatFixed(expected[i])}`, 12, 'right')}</Text>
				</Text>
			))}
			<Text dimColor wrap="truncate-end">
				{formula}
				{'   │ = model'}
			</Text>
		</Panel>
	);
}
