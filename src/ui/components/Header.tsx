import {Box, Text} from 'ink';
import {formatClock, formatFactor, formatSpeed} from '../format.js';
import type {HeaderView} from '../snapshot.js';

type Props = {
	readonly header: HeaderView;
	readonly width: number;
};

/** What is simulated and how it runs: preset, model, method, k, seed, clock, speed, state, `/metrics`. */
export default function Header({header, width}: Props) {
	const state = header.done ? '■ finished' : header.paused ? '‖ paused' : '▶ running';
	const stateColor = header.done ? 'gray' : header.paused ? 'yellow' : 'green';
	return (
		<Box flexDirection="column" width={width}>
			<Box flexWrap="wrap" columnGap={2}>
				<Text bold color="magenta">
					specsim
				</Text>
				<Text>{header.preset}</Text>
				<Text>{header.model}</Text>
				<Text>
					{header.method} <Text bold>k={header.k}</Text>
				</Text>
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
					/metrics <Text color="blue">{header.metricsUrl ?? 'off (--no-server)'}</Text>
				</Text>
			</Box>
		</Box>
	);
}
