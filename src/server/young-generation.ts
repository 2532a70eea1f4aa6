import {PerformanceObserver} from 'node:perf_hooks';
import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8';

/**
 * The semi-space size (MiB) `specsim serve` keeps V8's young generation at, where V8 lets it grow
 * to 16 MiB (Node 20 on 64 bits). A scavenge stops the event loop for as long as it takes to copy
 * what survives, and a server's young objects are mostly requests in flight, which survive: the
 * larger the semi-space, the more of them each scavenge copies. At 1,000 streams a 16 MiB
 * semi-space meant a scavenge every half second of 2 to 12 ms, each one a stall every request
 * then in the server waits out; at 4 MiB they come about four times as often and are
 * correspondingly shorter (docs/serve.md, Performance).
 */
export const SERVE_SEMI_SPACE_MIB = 4;

let installed: PerformanceObserver | undefined;
let users = 0;
let growthFactor = 2;

function setGrowthFactor(factor: number): void {
	if (factor === growthFactor) return;
	setFlagsFromString(`--semi-space-growth-factor=${factor}`);
	growthFactor = factor;
}

/**
 * Hold the young generation at {@link SERVE_SEMI_SPACE_MIB} from inside the process: the limit
 * (`--max-semi-space-size`) is read once when V8 starts, so it cannot be set by a process
 * already running, but the factor by which V8 grows the semi-spaces after a scavenge is read at
 * each growth. After every garbage collection the factor is set so that the next growth reaches
 * the size at once (V8 starts the semi-space at 1 MiB and grows it while much survives: factor 4),
 * and to 1 (no growth) once it is there; when V8 shrinks it again (the process allocated little
 * for a while) the factor brings it back. The setting follows each collection a turn of the event
 * loop late, so a burst that makes V8 grow the semi-space twice before then can still take it past
 * the size. A node started with `--max-semi-space-size` keeps
 * what it was given. Returns the function that stops it (the last user's call restores V8's
 * factor).
 */
export function holdYoungGeneration(semiSpaceMib = SERVE_SEMI_SPACE_MIB): () => void {
	if (
		process.execArgv.some(flag => flag.startsWith('--max-semi-space-size')) ||
		(process.env['NODE_OPTIONS'] ?? '').includes('--max-semi-space-size')
	)
		return () => undefined;
	users += 1;
	if (installed === undefined) {
		const targetBytes = semiSpaceMib * 2 ** 20;
		const adjust = (): void => {
			const newSpace = getHeapSpaceStatistics().find(space => space.space_name === 'new_space');
			if (newSpace === undefined) return;
			// `new_space` reports both semi-spaces (only one, 1 MiB, before the first scavenge).
			const semiSpaceBytes = Math.max(2 ** 20, newSpace.space_size / 2);
			setGrowthFactor(Math.max(1, Math.floor(targetBytes / semiSpaceBytes)));
		};
		installed = new PerformanceObserver(adjust);
		installed.observe({entryTypes: ['gc']});
		adjust();
	}
	let stopped = false;
	return () => {
		if (stopped) return;
		stopped = true;
		users -= 1;
		if (users > 0 || installed === undefined) return;
		installed.disconnect();
		installed = undefined;
		setGrowthFactor(2);
	};
}
