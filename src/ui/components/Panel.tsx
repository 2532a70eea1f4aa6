import {Box, Text} from 'ink';
import type {ReactNode} from 'react';

type Props = {
	/** Bold, in the panel's top rule. */
	readonly title: string;
	/** Dim text after the title. */
	readonly subtitle?: string;
	/** Width in columns, rule and padding included. */
	readonly width: number;
	readonly children?: ReactNode;
};

/** Columns a panel's padding takes from its width. */
export const PANEL_CHROME = 2;

/**
 * A titled rule over padded content: the frame every dashboard panel shares. No box border, so
 * the whole dashboard fits about 27 rows at 80 columns.
 */
export default function Panel({title, subtitle, width, children}: Props) {
	const used = 2 + title.length + (subtitle === undefined ? 0 : 2 + subtitle.length) + 1;
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate-end">
				<Text color="gray">{'─ '}</Text>
				<Text bold color="cyan">
					{title}
				</Text>
				{subtitle === undefined ? null : <Text dimColor>{`  ${subtitle}`}</Text>}
				<Text color="gray">{` ${'─'.repeat(Math.max(0, width - used))}`}</Text>
			</Text>
			<Box flexDirection="column" paddingX={1}>
				{children}
			</Box>
		</Box>
	);
}
