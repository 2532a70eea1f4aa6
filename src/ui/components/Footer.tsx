import {Box, Text} from 'ink';

type Props = {
	readonly width: number;
};

const KEYS: ReadonlyArray<readonly [string, string]> = [
	['p', 'pause'],
	['+/-', 'speed'],
	['[/]', 'k'],
	['↑/↓', 'acceptance'],
	['t', 'cond./uncond.'],
	['e', 'explain'],
	['r', 'reset'],
	['q', 'quit'],
];

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
