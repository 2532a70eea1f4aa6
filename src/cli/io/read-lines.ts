import {createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import {describeFsError} from '../../util/fs-error.js';
import {MAX_LINE_CHARS} from '../../util/limits.js';
import {UserError} from '../../util/user-error.js';

/**
 * Lines of a file, or of standard input for `-`, streamed in constant memory: at most one line of
 * {@link MAX_LINE_CHARS} characters is held at a time, so a huge file without newlines is a
 * one-line {@link UserError} naming the file and line instead of a process that reads it all into
 * memory. Lines end at `\n`; a `\r` before it is dropped (CRLF files read as LF files). A missing
 * or unreadable file becomes a one-line {@link UserError} too.
 */
export async function* readLines(path: string, maxLineChars: number = MAX_LINE_CHARS): AsyncGenerator<string> {
	let input: NodeJS.ReadableStream;
	if (path === '-') {
		input = process.stdin;
		input.setEncoding('utf8');
	} else {
		try {
			const info = await stat(path);
			if (info.isDirectory()) throw new UserError(`${path}: is a directory, expected a file`);
		} catch (error) {
			if (error instanceof UserError) throw error;
			throw new UserError(`${path}: ${describeFsError(error)}`);
		}
		input = createReadStream(path, {encoding: 'utf8'});
	}
	let pending = '';
	let lineNumber = 0;
	const tooLong = (): UserError =>
		new UserError(`${path}:${lineNumber + 1}: line is longer than ${maxLineChars} characters (the most a line may have); is this the right file?`);
	try {
		for await (const chunk of input) {
			let text = pending + (chunk as string);
			let start = 0;
			for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
				const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
				if (stop - start > maxLineChars) throw tooLong();
				yield text.slice(start, stop);
				lineNumber += 1;
				start = end + 1;
			}
			text = text.slice(start);
			// One character of slack for a `\r` whose `\n` is in the next chunk.
			if (text.length > maxLineChars + 1) throw tooLong();
			pending = text;
		}
	} catch (error) {
		if (error instanceof UserError) throw error;
		throw new UserError(`${path}: ${describeFsError(error)}`);
	} finally {
		if ('destroy' in input && input !== process.stdin) (input as {destroy(): void}).destroy();
	}
	const last = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
	if (last.length > maxLineChars) throw tooLong();
	if (last !== '') yield last;
}
