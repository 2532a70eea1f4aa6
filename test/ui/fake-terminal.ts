import {EventEmitter} from 'node:events';
import {stripVTControlCharacters} from 'node:util';

/** A terminal for Ink without a TTY: a fixed width, keys from `press`, every write kept. */
export function createFakeTerminal(columns = 100) {
	const writes: string[] = [];
	const stdout = Object.assign(new EventEmitter(), {
		columns,
		rows: 60,
		isTTY: true,
		write(data: string): boolean {
			writes.push(data);
			return true;
		},
	});
	let pending: string | null = null;
	let rawMode = false;
	const stdin = Object.assign(new EventEmitter(), {
		isTTY: true,
		setEncoding: () => undefined,
		setRawMode(mode: boolean) {
			rawMode = mode;
		},
		resume: () => undefined,
		pause: () => undefined,
		ref: () => undefined,
		unref: () => undefined,
		read(): string | null {
			const data = pending;
			pending = null;
			return data;
		},
	});
	return {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		/** Everything written so far, colours and cursor moves removed. */
		output: (): string => stripVTControlCharacters(writes.join('')),
		writes,
		rawMode: (): boolean => rawMode,
		press(key: string): void {
			pending = key;
			stdin.emit('readable');
		},
	};
}
