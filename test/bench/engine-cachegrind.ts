/**
 * Issue 10's engine comparison in instructions instead of time: valgrind's cachegrind counts the
 * instructions the saturated fed engine (`engine-saturated.ts`) executes per draft, this checkout
 * against main just before issue 10 ({@link BEFORE_SERVER_SURFACE}). Unlike CPU time, the count
 * does not move with the load of other processes on the machine, so it can be measured while the
 * machine is busy (the timed comparison is `engine-ab.ts --before`).
 *
 *     node --import tsx test/bench/engine-cachegrind.ts [FROM TO]      (npm run bench:engine-cachegrind)
 *
 * Each checkout runs twice under cachegrind, for FROM and for TO virtual seconds (default 100 and
 * 1100), and the instructions per draft are the difference of the two counts over the difference
 * of drafts: start-up, module loading and the JIT's warm-up are in both runs and cancel. Node runs
 * with `--single-threaded`, so that V8 compiles on the main thread when a function gets hot rather
 * than whenever valgrind lets a background thread run, which otherwise moves the count by several
 * percent from run to run, and with `--predictable-gc-schedule`, so that the heap grows and is
 * collected at points fixed by the allocations rather than by V8's allocation-rate and idle-time
 * heuristics, which read the clock: valgrind's slowdown, and with it the clock, moves with the
 * machine's load. Prints each checkout's instructions per draft and their ratio (before
 * over this checkout: the drafts-per-instruction ratio comparable with `engine-ab`'s B/A); exits 1
 * with a one-line reason without valgrind, git or the commit. Takes minutes (valgrind runs the
 * engine about 50 times slower).
 */
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {BEFORE_SERVER_SURFACE} from './engine-ab.js';
import {CheckoutUnavailable, checkoutCommit} from './git-checkout.js';

const saturated = fileURLToPath(new URL('./engine-saturated.ts', import.meta.url));

function fail(message: string): never {
	process.stderr.write(`engine-cachegrind: ${message}\n`);
	process.exit(1);
}

/**
 * Instructions executed and drafts simulated by one run of `script` (a bench script that prints a
 * JSON line with `drafts` last) under cachegrind, node `--single-threaded`; exits with a one-line
 * reason when valgrind is missing or the run fails. Shared with `engine-generate.ts`.
 */
export function countUnderCachegrind(
	script: readonly string[],
	outFile: string,
	onError: (message: string) => never,
): {instructions: number; drafts: number} {
	const args = ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${outFile}`];
	const child = spawnSync('valgrind', [...args, process.execPath, '--single-threaded', '--predictable-gc-schedule', '--import', 'tsx', ...script], {
		encoding: 'utf8',
		maxBuffer: 1 << 26,
	});
	if (child.error !== undefined) onError(`valgrind is not available (${child.error.message}); install it (apt-get install valgrind)`);
	if (child.status !== 0) onError(`the engine run under valgrind failed: ${child.stderr.trim().split('\n').at(-1) ?? ''}`);
	const summary = /^summary: (\d+)/m.exec(readFileSync(outFile, 'utf8'));
	if (summary === null) onError(`no summary line in ${outFile}`);
	return {instructions: Number(summary[1]), drafts: (JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {drafts: number}).drafts};
}

/** Instructions executed and drafts simulated by one run of `root`'s engine for `seconds` virtual seconds under cachegrind. */
function countRun(root: string, seconds: number, outDir: string): {instructions: number; drafts: number} {
	return countUnderCachegrind([saturated, 'fed', String(seconds), root], join(outDir, `cachegrind.${seconds}.out`), fail);
}

/** Instructions per draft of `root`'s fed engine between FROM and TO virtual seconds. */
function instructionsPerDraft(root: string, from: number, to: number): number {
	// One short run outside valgrind first: tsx's transform cache is then warm for both counted runs.
	spawnSync(process.execPath, ['--import', 'tsx', saturated, 'fed', '1', root], {encoding: 'utf8'});
	const outDir = mkdtempSync(join(tmpdir(), 'specsim-cachegrind-'));
	try {
		const a = countRun(root, from, outDir);
		const b = countRun(root, to, outDir);
		return (b.instructions - a.instructions) / (b.drafts - a.drafts);
	} finally {
		rmSync(outDir, {recursive: true, force: true});
	}
}

function positive(text: string | undefined, fallback: number): number {
	if (text === undefined) return fallback;
	const value = Number(text);
	if (!Number.isInteger(value) || value < 1) {
		process.stderr.write(`engine-cachegrind: virtual seconds must be positive integers, got ${JSON.stringify(text)}\n`);
		process.exit(2);
	}
	return value;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
	const from = positive(process.argv[2], 100);
	const to = positive(process.argv[3], 1100);
	if (to <= from) {
		process.stderr.write(`engine-cachegrind: TO (${to}) must be above FROM (${from})\n`);
		process.exit(2);
	}
	const root = fileURLToPath(new URL('../..', import.meta.url));
	let before: ReturnType<typeof checkoutCommit>;
	try {
		before = checkoutCommit(root, BEFORE_SERVER_SURFACE, 'the cachegrind engine comparison');
	} catch (error) {
		if (error instanceof CheckoutUnavailable) fail(error.message);
		throw error;
	}
	try {
		const a = instructionsPerDraft(before.dir, from, to);
		process.stdout.write(`A = ${BEFORE_SERVER_SURFACE.slice(0, 7)} (before issue 10): ${a.toFixed(1)} instructions per draft\n`);
		const b = instructionsPerDraft(root, from, to);
		process.stdout.write(`B = this checkout: ${b.toFixed(1)} instructions per draft\n`);
		process.stdout.write(`fed, ${from} to ${to} virtual s: A/B ${(a / b).toFixed(3)} (drafts per instruction, B over A)\n`);
		// A window that starts before V8 has optimised the engine counts compilation, not the engine.
		if (!(a > 0 && b > 0)) process.stdout.write('a count is not positive: start the window later (FROM of 100 or more)\n');
	} finally {
		before.remove();
	}
}
