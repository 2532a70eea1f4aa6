import {Box, Text} from 'ink';
import {flowRows} from '../reflow.js';

type Props = {
	readonly width: number;
};

/** Short enough for one row at 80 columns, the usual terminal (`?` shows every key in full). */
const KEYS: ReadonlyArray<readonly [string, string]> = [
	['p', 'pause'],
	['+/-', 'speed'],
	['[/]', 'k'],
	['↑/↓', 'accept'],
	['t', 'cond/uncond'],
	['e', 'explain'],
	['r', 'reset'],
	['q', 'quit'],
];

/** Rows the footer takes at `width`. */
export function footerRowCount(width: number): number {
	return flowRows(
		KEYS.map(([key, action]) => [...key].length + 1 + action.length),
		width,
		2,
	);
}

/** The keys, always visible. */
export default function Footer({width}: Props) {
	return (
		<Box flexWrap="wrap" columnGap={2} width={width}>
			{KEYS.map(([key, action]) => (
				<Text key={key}>
					<Text bold color="magenta">
						{key}
					</Text>{' '}
					{action}
				</Text>
			))}
		</Box>
	);
}
