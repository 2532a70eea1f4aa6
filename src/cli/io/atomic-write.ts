import {randomBytes} from 'node:crypto';
import {rename, rm, writeFile} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {writeError} from '../../output/output-stream.js';

/** A sibling temporary name, so the final rename stays on one file system and is atomic. */
export function temporaryPathFor(path: string): string {
	return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Write `content` to `path` through a temporary file and a rename: readers never see half a file.
 * A failure (full disk, missing directory) removes the temporary and becomes a one-line
 * {@link UserError} naming `displayPath` (exit 1).
 */
export async function writeFileAtomic(path: string, content: string, displayPath = path): Promise<void> {
	const temporary = temporaryPathFor(path);
	try {
		await writeFile(temporary, content);
		await rename(temporary, path);
	} catch (error) {
		await rm(temporary, {force: true});
		throw writeError(error, displayPath);
	}
}
