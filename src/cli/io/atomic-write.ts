import {randomBytes} from 'node:crypto';
import {rename, rm, stat, writeFile} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {writeError} from '../../output/output-stream.js';

/** A sibling temporary name, so the final rename stays on one file system and is atomic. */
export function temporaryPathFor(path: string): string {
	return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Write `content` to `path` through a temporary file and a rename: readers never see half a file.
 * A path that exists and is not a regular file (`/dev/stdout`, a named pipe, `/dev/full`) is
 * written directly: a rename would put a regular file in its place (as root, over a device node).
 * A failure (full disk, missing directory) removes the temporary and becomes a one-line
 * {@link UserError} naming `displayPath` (exit 1).
 */
export async function writeFileAtomic(path: string, content: string, displayPath = path): Promise<void> {
	if (await isSpecialFile(path)) {
		try {
			await writeFile(path, content);
		} catch (error) {
			throw writeError(error, displayPath);
		}
		return;
	}
	const temporary = temporaryPathFor(path);
	try {
		await writeFile(temporary, content);
		await rename(temporary, path);
	} catch (error) {
		await rm(temporary, {force: true});
		throw writeError(error, displayPath);
	}
}

/** Whether `path` exists and is something other than a regular file or a directory (a device, a pipe, a socket). */
async function isSpecialFile(path: string): Promise<boolean> {
	try {
		const info = await stat(path);
		return !info.isFile() && !info.isDirectory();
	} catch {
		return false;
	}
}
