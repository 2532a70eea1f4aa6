/**
 * A past commit's sources on disk, for benchmarks that compare this checkout with an older one in
 * one process (`engine-ab.ts --before`). The commit's `src`, `package.json` and `tsconfig.json` are
 * written by `git archive` into a fresh temporary directory, whose `node_modules` is a link to this
 * checkout's (the old sources import the same packages), so tsx can load them. Nothing in the
 * repository changes: no worktree, no index, no ref.
 */
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** What cannot be compared, in one line for the user (no git, no history, a commit missing). */
export class CheckoutUnavailable extends Error {}

/** A temporary checkout of `commit` and the function that deletes it. */
export type TemporaryCheckout = {readonly dir: string; readonly commit: string; readonly remove: () => void};

/**
 * Write `commit`'s sources from the repository at `root` into a temporary directory. Throws
 * {@link CheckoutUnavailable} with a one-line reason when git is missing, `root` is not a git
 * repository (an npm tarball) or the commit is not in its history (a shallow clone).
 */
export function checkoutCommit(root: string, commit: string, label: string): TemporaryCheckout {
	const git = (args: readonly string[]) => spawnSync('git', ['-C', root, ...args], {maxBuffer: 1 << 30});
	const resolved = git(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`]);
	if (resolved.error !== undefined) throw new CheckoutUnavailable(`git is not available (${resolved.error.message}); ${label} needs it`);
	if (resolved.status !== 0) {
		const inRepo = git(['rev-parse', '--git-dir']).status === 0;
		throw new CheckoutUnavailable(
			inRepo
				? `commit ${commit} is not in this repository's history (a shallow clone? run git fetch --unshallow); ${label} needs it`
				: `${root} is not a git repository (an installed package?); ${label} needs a clone of specsim with its history`,
		);
	}
	const archive = git(['archive', '--format=tar', commit, 'src', 'package.json', 'tsconfig.json']);
	if (archive.status !== 0) throw new CheckoutUnavailable(`git archive ${commit} failed: ${archive.stderr.toString().trim().split('\n')[0]}`);
	const dir = mkdtempSync(join(tmpdir(), `specsim-${commit.slice(0, 7)}-`));
	const remove = () => rmSync(dir, {recursive: true, force: true});
	try {
		const tar = spawnSync('tar', ['-x', '-C', dir], {input: archive.stdout});
		if (tar.error !== undefined || tar.status !== 0) {
			throw new CheckoutUnavailable(
				`could not unpack commit ${commit} with tar: ${tar.error?.message ?? tar.stderr.toString().trim().split('\n')[0]}`,
			);
		}
		symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
	} catch (error) {
		remove();
		throw error;
	}
	return {dir, commit: resolved.stdout.toString().trim(), remove};
}
