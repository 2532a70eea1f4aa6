import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

/** Columns when the terminal does not say (pipes, some CI shells). */
export const FALLBACK_COLUMNS = 80;

/** Rows when the terminal does not say. */
export const FALLBACK_ROWS = 24;

export type TerminalSize = {readonly columns: number; readonly rows: number};

/**
 * The terminal's size, updated on resize; `override` (tests, captures) wins per dimension.
 * Rows matter because a frame taller than the terminal scrolls its top (the header) away.
 */
export default function useTerminalSize(override: Partial<TerminalSize> = {}): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => readSize(stdout));
	useEffect(() => {
		const onResize = (): void => setSize(readSize(stdout));
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return {columns: override.columns ?? size.columns, rows: override.rows ?? size.rows};
}

function readSize(stdout: NodeJS.WriteStream): TerminalSize {
	return {columns: stdout.columns > 0 ? stdout.columns : FALLBACK_COLUMNS, rows: stdout.rows > 0 ? stdout.rows : FALLBACK_ROWS};
}
