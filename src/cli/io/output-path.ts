import {mkdir, rmdir, stat} from 'node:fs/promises';
import {dirname, resolve} from 'node:path';
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

/**
 * Create the directory `dir` and any missing parents, or accept it when it exists, and return the
 * directories it created (outermost first). Node's own
 * `mkdir(dir, {recursive: true})` is not used: on a file system that refuses new entries with
 * ENOENT under an existing directory (procfs: `--out /proc/x`) it retries forever. Here the missing
 * components are found first and each is created once, so every failure is one error: a path that
 * is a file is refused (exit 2) instead of reported as `EEXIST`.
 */
export async function makeOutputDirectory(dir: string, flag: string): Promise<readonly string[]> {
	const missing: string[] = [];
	for (let p = resolve(dir); ; ) {
		let isDirectory: boolean;
		try {
			isDirectory = (await stat(p)).isDirectory();
		} catch (error) {
			// ENOTDIR: a component above is a file, which the walk reaches and names.
			const code = (error as {code?: string}).code;
			if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
			missing.push(p);
			const parent = dirname(p);
			if (parent === p) break;
			p = parent;
			continue;
		}
		if (!isDirectory)
			throw new UserError(missing.length === 0 ? `${flag} ${dir}: is a file, expected a directory` : `${flag} ${dir}: ${p} is not a directory`);
		break;
	}
	const created: string[] = [];
	for (const p of missing.reverse()) {
		try {
			await mkdir(p);
			created.push(p);
		} catch (error) {
			// Another process may have made it since the walk above: that is what was wanted.
			if ((error as {code?: string}).code !== 'EEXIST') throw error;
		}
	}
	return created;
}

/**
 * Remove the directories {@link makeOutputDirectory} created (innermost first) after a run that
 * wrote nothing, so a failed or interrupted command leaves the file system as it found it. Only
 * empty directories go: one that something else wrote into since is kept.
 */
export async function removeCreatedDirectories(created: readonly string[]): Promise<void> {
	for (const p of [...created].reverse()) {
		try {
			await rmdir(p);
		} catch {
			return;
		}
	}
}
