import {styleText} from 'node:util';
import {useStdout} from 'ink';
import {useEffect, useRef} from 'react';
import type {LogLine, LogView} from '../snapshot.js';

type Props = {
	readonly logs: LogView;
};

/**
 * The text Ink writes above the live panels for `lines`: one dim line each, as `<Text dimColor>`
 * would draw them (plain when the terminal has no colours). The README's capture uses it too.
 */
export function formatLogLines(lines: readonly LogLine[], colors: boolean): string {
	let text = '';
	for (const line of lines) text += `${colors ? styleText('dim', line.text) : line.text}\n`;
	return text;
}

/**
 * vLLM's log lines, printed once each above the live panels and never redrawn. They go through
 * Ink's `write` (clear the live frame, print, redraw it) rather than `<Static>`: Ink keeps a copy of
 * everything `<Static>` ever printed for the life of the app, so a dashboard left running (`serve`
 * for days) would grow by every log line. Ids rise for the life of the store, so a line is printed
 * when its id is past the last one printed, whichever epoch of the store's buffer carries it.
 */
export default function LogLines({logs}: Props) {
	const {stdout, write} = useStdout();
	const printed = useRef(-1);
	useEffect(() => {
		const {lines} = logs;
		let from = lines.length;
		while (from > 0 && lines[from - 1]!.id > printed.current) from -= 1;
		if (from === lines.length) return;
		printed.current = lines.at(-1)!.id;
		const colors = stdout.hasColors?.() === true;
		write(formatLogLines(from === 0 ? lines : lines.slice(from), colors));
	}, [logs, stdout, write]);
	return null;
}
