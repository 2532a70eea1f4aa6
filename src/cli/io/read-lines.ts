import {createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import {createInterface} from 'node:readline';
import {describeFsError} from '../../util/fs-error.js';
import {UserError} from '../../util/user-error.js';

/**
 * Lines of a file, or of standard input for `-`, streamed (constant memory). A missing or
 * unreadable file becomes a one-line {@link UserError}.
 */
export async function* readLines(path: string): AsyncGenerator<string> {
	let input: NodeJS.ReadableStream;
	if (path === '-') {
		input = process.stdin;
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
	const lines = createInterface({input, crlfDelay: Number.POSITIVE_INFINITY});
	try {
		for await (const line of lines) yield line;
	} catch (error) {
		throw new UserError(`${path}: ${describeFsError(error)}`);
	} finally {
		lines.close();
	}
}
