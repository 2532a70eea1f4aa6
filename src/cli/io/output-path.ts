import {stat} from 'node:fs/promises';
import {dirname} from 'node:path';
import {describeFsError} from '../../util/fs-error.js';
import {UserError} from '../../util/user-error.js';

/**
 * Refuse an output path that cannot be written before any work (`calibrate -o`, `sweep --plot`):
 * empty, a directory, or in a directory that does not exist are usage errors (exit 2) naming
 * `flag`. I/O failures while writing (a full disk) come later, from the write, as exit 1.
 */
export async function checkOutputPath(path: string, flag: string): Promise<void> {
	if (path === '') throw new UserError(`${flag}: the file name is empty`);
	const kind = async (p: string): Promise<'file' | 'directory' | 'missing'> => {
		try {
			return (await stat(p)).isDirectory() ? 'directory' : 'file';
		} catch (error) {
			if ((error as {code?: string}).code === 'ENOENT') return 'missing';
			throw new UserError(`${flag} ${p}: ${describeFsError(error)}`);
		}
	};
	if ((await kind(path)) === 'directory') throw new UserError(`${flag} ${path}: is a directory, expected a file`);
	const parent = dirname(path);
	const parentKind = await kind(parent);
	if (parentKind === 'missing') throw new UserError(`${flag} ${path}: directory ${parent} does not exist`);
	if (parentKind === 'file') throw new UserError(`${flag} ${path}: ${parent} is not a directory`);
}
