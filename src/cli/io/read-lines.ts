import {createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import {createInterface} from 'node:readline';
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

/** `ENOENT` and friends as short human words. */
export function describeFsError(error: unknown): string {
	const code = (error as {code?: string}).code;
	switch (code) {
		case 'ENOENT':
			return 'no such file or directory';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'EISDIR':
			return 'is a directory, expected a file';
		case 'ENOTDIR':
			return 'a path component is not a directory';
		default:
			return (error as Error).message ?? String(error);
	}
}
