import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

/** Columns when the terminal does not say (pipes, some CI shells). */
export const FALLBACK_COLUMNS = 80;

/**
 * The terminal's width in columns, updated on resize; `override` (tests, captures) wins.
 */
export default function useTerminalWidth(override?: number): number {
	const {stdout} = useStdout();
	const read = (): number => (stdout.columns > 0 ? stdout.columns : FALLBACK_COLUMNS);
	const [columns, setColumns] = useState(read);
	useEffect(() => {
		if (override !== undefined) return undefined;
		const onResize = (): void => setColumns(read());
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout, override]);
	return override ?? columns;
}
