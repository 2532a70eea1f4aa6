/**
 * The engine side of `generate`'s benchmark (issue 10: one virtual hour at 20 QPS on the default
 * preset): the simulation with every Prometheus family fed, as `generate` builds it, without the
 * records, scrapes and files around it. Batches are small at 20 QPS (about 25 requests a step,
 * k = 3), so a step's fixed costs weigh more per draft than in the saturated engine benchmark
 * (`engine-saturated.ts`, 256 requests, k = 5).
 *
 *     node --import tsx test/bench/engine-generate.ts run [VIRTUAL_SECONDS] [ROOT]
 *     node --import tsx test/bench/engine-generate.ts cachegrind [FROM TO] [ROOT]    (npm run bench:engine-generate)
 *
 * `run` (default 3600 virtual seconds) prints one JSON line: `{"drafts", "wallSeconds",
 * "cpuSeconds"}` (the main thread's CPU time). `cachegrind` counts the instructions per draft
 * between FROM and TO virtual seconds (default 100 and 600) as `engine-cachegrind.ts` does: two
 * runs under valgrind, node `--single-threaded`, the difference of their counts over the difference
 * of their drafts, so start-up and warm-up cancel; other load on the machine does not move it.
 * ROOT (default: this checkout) is the checkout whose `src` is simulated, to compare two.
 */
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {countUnderCachegrind} from './engine-cachegrind.js';
import {threadCpuSeconds} from './engine-saturated.js';

const self = fileURLToPath(import.meta.url);

function fail(message: string, code = 1): never {
	process.stderr.write(`engine-generate: ${message}\n`);
	process.exit(code);
}

/** Simulate `virtualSeconds` of the default preset at 20 QPS from `root`'s `src`, in 5-second chunks as `generate` runs it. */
async function run(root: string, virtualSeconds: number): Promise<{drafts: number; wallSeconds: number; cpuSeconds: number | undefined}> {
	const [{buildSimulation}, {simConfigSchema}, {attachPrometheus}] = await Promise.all([
		import(`${root}/src/sim/build.ts`) as Promise<typeof import('../../src/sim/build.js')>,
		import(`${root}/src/config/schema.ts`) as Promise<typeof import('../../src/config/schema.js')>,
		import(`${root}/src/metrics/prom/attach.ts`) as Promise<typeof import('../../src/metrics/prom/attach.js')>,
	]);
	const preset = JSON.parse(readFileSync(join(root, 'presets', 'llama-3.1-8b-eagle3.json'), 'utf8')) as {workload: {arrival: {rate: number}}};
	preset.workload.arrival.rate = 20; // --qps 20
	const built = buildSimulation(simConfigSchema.parse(preset), {seed: 0});
	attachPrometheus(built);
	const cpu0 = threadCpuSeconds();
	const wall0 = process.hrtime.bigint();
	for (let t = 0; t < virtualSeconds; ) {
		t = Math.min(virtualSeconds, t + 5);
		built.simulation.runUntil(t);
	}
	const wallSeconds = Number(process.hrtime.bigint() - wall0) / 1e9;
	const cpu1 = threadCpuSeconds();
	return {
		drafts: built.metrics[0]!.lifetime.spec.numDrafts,
		wallSeconds,
		cpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
	};
}

/** Instructions executed and drafts simulated by one run of `seconds` virtual seconds under cachegrind. */
function countRun(root: string, seconds: number, outDir: string): {instructions: number; drafts: number} {
	return countUnderCachegrind([self, 'run', String(seconds), root], join(outDir, `cachegrind.${seconds}.out`), fail);
}

function positive(text: string | undefined, fallback: number, what: string): number {
	if (text === undefined) return fallback;
	const value = Number(text);
	if (!Number.isInteger(value) || value < 1) fail(`${what} must be a positive integer, got ${JSON.stringify(text)}`, 2);
	return value;
}

if (process.argv[1] !== undefined && self === resolve(process.argv[1])) {
	const [command, ...rest] = process.argv.slice(2);
	const here = fileURLToPath(new URL('../..', import.meta.url));
	if (command === 'run') {
		const seconds = positive(rest[0], 3600, 'VIRTUAL_SECONDS');
		process.stdout.write(`${JSON.stringify(await run(rest[1] ?? here, seconds))}\n`);
	} else if (command === 'cachegrind') {
		const from = positive(rest[0], 100, 'FROM');
		const to = positive(rest[1], 600, 'TO');
		if (to <= from) fail(`TO (${to}) must be above FROM (${from})`, 2);
		const root = rest[2] ?? here;
		// One short run outside valgrind first: tsx's transform cache is then warm for both counted runs.
		spawnSync(process.execPath, ['--import', 'tsx', self, 'run', '1', root], {encoding: 'utf8'});
		const outDir = mkdtempSync(join(tmpdir(), 'specsim-cachegrind-generate-'));
		try {
			const a = countRun(root, from, outDir);
			const b = countRun(root, to, outDir);
			const perDraft = (b.instructions - a.instructions) / (b.drafts - a.drafts);
			process.stdout.write(
				`${root}: ${perDraft.toFixed(1)} instructions per draft between ${from} and ${to} virtual s (${b.drafts - a.drafts} drafts)\n`,
			);
		} finally {
			rmSync(outDir, {recursive: true, force: true});
		}
	} else {
		fail('usage: engine-generate.ts run [VIRTUAL_SECONDS] [ROOT] | cachegrind [FROM TO] [ROOT]', 2);
	}
}
