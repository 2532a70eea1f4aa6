/**
 * A/B of the engine benchmark between two checkouts, in one process, interleaved (A then B, then
 * B then A, ...) so that load from elsewhere on the machine hits both alike:
 *
 *     node --import tsx test/bench/engine-ab.ts A_DIR B_DIR [ROUNDS] [VIRTUAL_SECONDS] [MODES]
 *
 * MODES is a comma list of `fed`, `core`, `no-prefix-caching` (default: all three). Each round
 * builds a fresh simulation per checkout and mode from that checkout's `src`. Prints every run and,
 * per mode, B over A: the median of the rounds' ratios and the ratio of the best runs, in drafts
 * per second of the main thread's CPU time (`/proc/thread-self/schedstat`; wall time where it
 * cannot be read). Ratios, not absolute figures: on a shared machine only they mean something.
 */
import {resolve} from 'node:path';
import {ENGINE_MODES, type EngineMode, type EngineModules, loadEngineModules, measureEngine} from './engine-saturated.js';

const [aDir, bDir, roundsArg, secondsArg, modesArg] = process.argv.slice(2);
if (aDir === undefined || bDir === undefined) {
	process.stderr.write('usage: engine-ab.ts A_DIR B_DIR [ROUNDS] [VIRTUAL_SECONDS] [fed,core,no-prefix-caching]\n');
	process.exit(2);
}
const rounds = Number(roundsArg ?? 6);
const virtualSeconds = Number(secondsArg ?? 400);
const modes = (modesArg?.split(',') ?? ENGINE_MODES) as EngineMode[];
for (const mode of modes) {
	if (!ENGINE_MODES.includes(mode)) {
		process.stderr.write(`unknown mode ${mode}; modes: ${ENGINE_MODES.join(', ')}\n`);
		process.exit(2);
	}
}

const checkouts: Record<'A' | 'B', EngineModules> = {A: await loadEngineModules(resolve(aDir)), B: await loadEngineModules(resolve(bDir))};

/** Drafts per second of CPU time (wall time where CPU time is unavailable). */
function rate(label: 'A' | 'B', mode: EngineMode): number {
	const m = measureEngine(checkouts[label], mode, virtualSeconds);
	const perSecond = m.drafts / (m.cpuSeconds ?? m.wallSeconds);
	process.stdout.write(`${label} ${mode}: ${(perSecond / 1e6).toFixed(2)} M drafts/s (${(m.drafts / m.wallSeconds / 1e6).toFixed(2)} M wall)\n`);
	return perSecond;
}

// Warm-up: each checkout's code optimised once before anything is measured.
for (const mode of modes) for (const label of ['A', 'B'] as const) measureEngine(checkouts[label], mode, 50);

const median = (values: readonly number[]): number => {
	const sorted = [...values].sort((x, y) => x - y);
	const mid = sorted.length >> 1;
	return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const summary: string[] = [];
for (const mode of modes) {
	const a: number[] = [];
	const b: number[] = [];
	for (let round = 0; round < rounds; round++) {
		if (round % 2 === 0) {
			a.push(rate('A', mode));
			b.push(rate('B', mode));
		} else {
			b.push(rate('B', mode));
			a.push(rate('A', mode));
		}
	}
	const ratios = a.map((x, i) => b[i]! / x);
	summary.push(
		`${mode}: B/A median ${median(ratios).toFixed(3)} (rounds ${ratios.map(r => r.toFixed(3)).join(' ')}); best B/A ${(Math.max(...b) / Math.max(...a)).toFixed(3)}`,
	);
}
process.stdout.write(`${summary.join('\n')}\n`);
