import {Static, Text} from 'ink';
import {useMemo} from 'react';
import type {LogView} from '../snapshot.js';

type Props = {
	readonly logs: LogView;
};

/**
 * vLLM's log lines, printed once each above the live panels and never redrawn (`<Static>` only
 * renders items past those it has seen). A new epoch (the store's bounded buffer starting over)
 * remounts it with the new, still-unprinted lines.
 */
export default function LogLines({logs}: Props) {
	// Static wants a mutable array; copy once per new list, not per render.
	const items = useMemo(() => [...logs.lines], [logs.lines]);
	return (
		<Static key={logs.epoch} items={items}>
			{line => (
				<Text key={line.id} dimColor>
					{line.text}
				</Text>
			)}
		</Static>
	);
}
