import {Text} from 'ink';
import type {ExplainSection} from '../../explain/index.js';
import Panel from './Panel.js';

type Props = {
	readonly sections: readonly ExplainSection[];
	/** Which section shows (wraps around). */
	readonly index: number;
	readonly width: number;
};

/**
 * The `e` panel: one topic at a time, worked with the live counts, so the dashboard stays about
 * as tall as the terminal; `←`/`→` change the topic.
 */
export default function ExplainPanel({sections, index, width}: Props) {
	if (sections.length === 0) return null;
	const i = ((index % sections.length) + sections.length) % sections.length;
	const section = sections[i]!;
	return (
		<Panel title={`Explain ${i + 1}/${sections.length}: ${section.title}`} subtitle="←/→ topic · e or Esc closes" width={width}>
			<Text>{section.body}</Text>
		</Panel>
	);
}
