import {Box, Text} from 'ink';
import {formatClock, formatFactor, formatSpeed} from '../format.js';
import {flowRows} from '../reflow.js';
import type {HeaderView} from '../snapshot.js';

type Props = {
	readonly header: HeaderView;
	readonly width: number;
};

const stateOf = (header: HeaderView): string => (header.done ? '■ finished' : header.paused ? '‖ paused' : '▶ running');
const metricsOf = (header: HeaderView): string => header.metricsUrl ?? 'off (--no-server)';
/** `eagle3 k=3`, or `no speculation` for `--k 0` / `--method none`. */
const methodOf = (header: HeaderView): string => (header.speculative ? `${header.method} k=${header.k}` : 'no speculation');

/** Rows the header takes at `width` (its two lines of items wrap on narrow terminals). */
export function headerRowCount(header: HeaderView, width: number): number {
	const first = ['specsim', header.preset, header.model, methodOf(header)];
	if (header.numEngines > 1) first.push(`${header.numEngines} engines`);
	const second = [
		stateOf(header),
		`t=${formatClock(header.virtualS)}`,
		`speed ${formatSpeed(header.speed)}`,
		`seed ${header.seed}`,
		`acceptance ${formatFactor(header.acceptanceScale)}`,
		`/metrics ${metricsOf(header)}`,
	];
	const widths = (items: string[]): number[] => items.map(item => [...item].length);
	return flowRows(widths(first), width, 2) + flowRows(widths(second), width, 2);
}

/** What is simulated and how it runs: preset, model, method, k, seed, clock, speed, state, `/metrics`. */
export default function Header({header, width}: Props) {
	const state = stateOf(header);
	const stateColor = header.done ? 'gray' : header.paused ? 'yellow' : 'green';
	return (
		<Box flexDirection="column" width={width}>
			<Box flexWrap="wrap" columnGap={2}>
				<Text bold color="magenta">
					specsim
				</Text>
				<Text>{header.preset}</Text>
				<Text>{header.model}</Text>
				{header.speculative ? (
					<Text>
						{header.method} <Text bold>k={header.k}</Text>
					</Text>
				) : (
					<Text bold>{methodOf(header)}</Text>
				)}
				{header.numEngines > 1 ? <Text>{header.numEngines} engines</Text> : null}
			</Box>
			<Box flexWrap="wrap" columnGap={2}>
				<Text bold color={stateColor}>
					{state}
				</Text>
				<Text>t={formatClock(header.virtualS)}</Text>
				<Text>speed {formatSpeed(header.speed)}</Text>
				<Text>seed {header.seed}</Text>
				<Text>acceptance {formatFactor(header.acceptanceScale)}</Text>
				<Text>
					/metrics <Text color="blue">{metricsOf(header)}</Text>
				</Text>
			</Box>
		</Box>
	);
}
