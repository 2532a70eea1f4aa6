import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

/** Columns when the terminal does not say (pipes, some CI shells). */
export const FALLBACK_COLUMNS = 80;

/**
 * The terminal's width in columns, updated on resize; `override` (tests, captures) wins.
 */
export default function useTerminalWidth(override?: number): number {
	const {stdout} = useStdout();
	const [columns, setColumns] = useState(() => columnsOf(stdout));
	useEffect(() => {
		if (override !== undefined) return undefined;
		const onResize = (): void => setColumns(columnsOf(stdout));
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout, override]);
	return override ?? columns;
}

function columnsOf(stdout: NodeJS.WriteStream): number {
	return stdout.columns > 0 ? stdout.columns : FALLBACK_COLUMNS;
}
