/**
 * A/B of the engine benchmark between two checkouts, in one process, interleaved (A then B, then
 * B then A, ...) so that load from elsewhere on the machine hits both alike:
 *
 *     node --import tsx test/bench/engine-ab.ts A_DIR B_DIR [ROUNDS] [VIRTUAL_SECONDS] [MODES]
 *     node --import tsx test/bench/engine-ab.ts --before [ROUNDS] [VIRTUAL_SECONDS] [--json]
 *
 * MODES is a comma list of `fed`, `core`, `no-prefix-caching` (default: all three). Each round
 * builds a fresh simulation per checkout and mode from that checkout's `src`. Prints every run and,
 * per mode, B over A: the median of the rounds' ratios and the ratio of the best runs, in drafts
 * per second of the main thread's CPU time (`/proc/thread-self/schedstat`; wall time where it
 * cannot be read). Ratios, not absolute figures: on a shared machine only they mean something.
 *
 * `--before` (`npm run bench:engine-ab`, and the `engine-ab` section of `npm run bench`) is issue
 * 10's question: A is {@link BEFORE_SERVER_SURFACE}, main just before the first commit of the whole
 * vLLM server surface (every metric family, prefix caching, faults), written from git into a
 * temporary directory; B is this checkout; the mode is `fed` (every family each checkout has, fed;
 * prefix caching on where it exists). `--json` ends the output with one JSON line of the summary
 * (the runs go to stderr). Without git or that commit it exits 1 with a one-line reason.
 */
import {resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {ENGINE_MODES, type EngineMode, type EngineModules, loadEngineModules, measureEngine} from './engine-saturated.js';
import {CheckoutUnavailable, checkoutCommit} from './git-checkout.js';

/**
 * Main just before issue 10's first commit (09978f8, "Every vLLM v1 Prometheus family"): the
 * engine with the families it had then, no prefix caching, no faults. Issue 10 asks that the
 * engine with every family fed stay within 15% of it (B/A ≥ 0.85).
 */
export const BEFORE_SERVER_SURFACE = '58129f4bba03f1a63dc97157b907dcb14f6488d7';

/** One mode's comparison: per-round rates (drafts per CPU second) and B over A. */
export type AbSummary = {
	readonly mode: EngineMode;
	readonly a: readonly number[];
	readonly b: readonly number[];
	/** B/A per round. */
	readonly ratios: readonly number[];
	readonly medianRatio: number;
	/** Best B run over best A run. */
	readonly bestRatio: number;
};

export const median = (values: readonly number[]): number => {
	const sorted = [...values].sort((x, y) => x - y);
	const mid = sorted.length >> 1;
	return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Interleaved rounds of A and B per mode (ABBA order), after one warm-up run of each. */
export function compareEngines(
	checkouts: Readonly<Record<'A' | 'B', EngineModules>>,
	options: {rounds: number; virtualSeconds: number; modes: readonly EngineMode[]; report: (line: string) => void},
): AbSummary[] {
	const rate = (label: 'A' | 'B', mode: EngineMode): number => {
		const m = measureEngine(checkouts[label], mode, options.virtualSeconds);
		const perSecond = m.drafts / (m.cpuSeconds ?? m.wallSeconds);
		options.report(`${label} ${mode}: ${(perSecond / 1e6).toFixed(2)} M drafts/s (${(m.drafts / m.wallSeconds / 1e6).toFixed(2)} M wall)`);
		return perSecond;
	};
	// Warm-up: each checkout's code optimised once before anything is measured.
	for (const mode of options.modes) for (const label of ['A', 'B'] as const) measureEngine(checkouts[label], mode, 50);
	return options.modes.map(mode => {
		const a: number[] = [];
		const b: number[] = [];
		for (let round = 0; round < options.rounds; round++) {
			if (round % 2 === 0) {
				a.push(rate('A', mode));
				b.push(rate('B', mode));
			} else {
				b.push(rate('B', mode));
				a.push(rate('A', mode));
			}
		}
		const ratios = a.map((x, i) => b[i]! / x);
		return {mode, a, b, ratios, medianRatio: median(ratios), bestRatio: Math.max(...b) / Math.max(...a)};
	});
}

export function formatSummary(s: AbSummary): string {
	return `${s.mode}: B/A median ${s.medianRatio.toFixed(3)} (rounds ${s.ratios.map(r => r.toFixed(3)).join(' ')}); best B/A ${s.bestRatio.toFixed(3)}`;
}

/** What `--json` prints last: the comparison with {@link BEFORE_SERVER_SURFACE}. */
export type BeforeAfterResult = {readonly before: string; readonly rounds: number; readonly virtualSeconds: number; readonly fed: AbSummary};

function fail(message: string, code: number): never {
	process.stderr.write(`engine-ab: ${message}\n`);
	process.exit(code);
}

function positiveInt(text: string | undefined, fallback: number, name: string): number {
	if (text === undefined) return fallback;
	const value = Number(text);
	if (!Number.isInteger(value) || value < 1) fail(`${name} must be a positive integer, got ${JSON.stringify(text)}`, 2);
	return value;
}

async function main(argv: readonly string[]): Promise<void> {
	if (argv[0] === '--before') {
		const json = argv.includes('--json');
		const [roundsArg, secondsArg] = argv.slice(1).filter(arg => arg !== '--json');
		const rounds = positiveInt(roundsArg, 8, 'ROUNDS');
		const virtualSeconds = positiveInt(secondsArg, 400, 'VIRTUAL_SECONDS');
		const root = fileURLToPath(new URL('../..', import.meta.url));
		let before: ReturnType<typeof checkoutCommit>;
		try {
			before = checkoutCommit(root, BEFORE_SERVER_SURFACE, 'the before/after engine comparison');
		} catch (error) {
			if (error instanceof CheckoutUnavailable) fail(error.message, 1);
			throw error;
		}
		try {
			const checkouts = {A: await loadEngineModules(before.dir), B: await loadEngineModules(root)};
			const report = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
			report(`A = ${BEFORE_SERVER_SURFACE.slice(0, 7)} (before issue 10), B = this checkout; fed: every family each has, fed`);
			const fed = compareEngines(checkouts, {rounds, virtualSeconds, modes: ['fed'], report})[0]!;
			process.stdout.write(`${formatSummary(fed)}\n`);
			if (json) process.stdout.write(`${JSON.stringify({before: before.commit, rounds, virtualSeconds, fed} satisfies BeforeAfterResult)}\n`);
		} finally {
			before.remove();
		}
		return;
	}
	const [aDir, bDir, roundsArg, secondsArg, modesArg] = argv;
	if (aDir === undefined || bDir === undefined || aDir.startsWith('-')) {
		fail('usage: engine-ab.ts A_DIR B_DIR [ROUNDS] [VIRTUAL_SECONDS] [fed,core,no-prefix-caching] | --before [ROUNDS] [VIRTUAL_SECONDS] [--json]', 2);
	}
	const modes = (modesArg?.split(',') ?? ENGINE_MODES) as EngineMode[];
	for (const mode of modes) if (!ENGINE_MODES.includes(mode)) fail(`unknown mode ${mode}; modes: ${ENGINE_MODES.join(', ')}`, 2);
	const checkouts = {A: await loadEngineModules(resolve(aDir)), B: await loadEngineModules(resolve(bDir))};
	const summary = compareEngines(checkouts, {
		rounds: positiveInt(roundsArg, 6, 'ROUNDS'),
		virtualSeconds: positiveInt(secondsArg, 400, 'VIRTUAL_SECONDS'),
		modes,
		report: line => process.stdout.write(`${line}\n`),
	});
	process.stdout.write(`${summary.map(formatSummary).join('\n')}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main(process.argv.slice(2));
