/**
 * The engine benchmark's scenario: 256 requests always in the batch (closed loop of 256 users,
 * long outputs), k = 5, EAGLE, measured in drafts simulated per second. Shared by
 * `engine.bench.ts` (which runs each configuration in a child of its own, this file run by path:
 * a configuration measured after another in the same process runs on code V8 optimised for the
 * other's objects and is a few percent slower) and `engine-ab.ts` (two checkouts in one process).
 *
 *     node --import tsx test/bench/engine-saturated.ts fed|core|no-prefix-caching [VIRTUAL_SECONDS] [ROOT]
 *
 * prints one JSON line: `{"mode", "drafts", "wallSeconds", "cpuSeconds"}`. ROOT (default: this
 * checkout) is the checkout whose `src` is simulated (`engine-cachegrind.ts` passes an older one).
 */
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import type {SimConfig} from '../../src/config/schema.js';

/** `core`: engine, stats and loggers; `fed`: and every Prometheus family fed; `no-prefix-caching`: core without prefix caching. */
export type EngineMode = 'core' | 'fed' | 'no-prefix-caching';
export const ENGINE_MODES: readonly EngineMode[] = ['core', 'fed', 'no-prefix-caching'];

/**
 * The three functions the scenario needs, from one checkout (`engine-ab.ts` loads two), and
 * whether that checkout simulates prefix caching: a checkout from before prefix caching existed
 * (`engine-ab.ts --before`) rejects the `enablePrefixCaching` field, so its scenario leaves the
 * field out (the old code is measured as it was; only this loader adapts).
 */
export type EngineModules = {
	readonly buildSimulation: typeof import('../../src/sim/build.js').buildSimulation;
	readonly simConfigSchema: typeof import('../../src/config/schema.js').simConfigSchema;
	readonly attachPrometheus: typeof import('../../src/metrics/prom/attach.js').attachPrometheus;
	readonly hasPrefixCaching: boolean;
};

/** Load the scenario's modules from the checkout at `root` (its `src`, through tsx). */
export async function loadEngineModules(root: string): Promise<EngineModules> {
	const [build, schema, attach] = await Promise.all([
		import(`${root}/src/sim/build.ts`) as Promise<typeof import('../../src/sim/build.js')>,
		import(`${root}/src/config/schema.ts`) as Promise<typeof import('../../src/config/schema.js')>,
		import(`${root}/src/metrics/prom/attach.ts`) as Promise<typeof import('../../src/metrics/prom/attach.js')>,
	]);
	return {
		buildSimulation: build.buildSimulation,
		simConfigSchema: schema.simConfigSchema,
		attachPrometheus: attach.attachPrometheus,
		hasPrefixCaching: schema.simConfigSchema.safeParse(saturatedInput(true)).success,
	};
}

/** The scenario as a preset would write it; `enablePrefixCaching` undefined leaves the field out. */
function saturatedInput(enablePrefixCaching: boolean | undefined): unknown {
	return {
		name: 'bench-saturated',
		servedModelName: 'bench',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		scheduler: {maxNumSeqs: 256, maxNumBatchedTokens: 8192, maxModelLen: 4096, ...(enablePrefixCaching === undefined ? {} : {enablePrefixCaching})},
		speculative: {method: 'eagle', numSpecTokens: 5, acceptance: {kind: 'geometric', first: 0.8, decay: 0.95}, heterogeneity: {concentration: 10}},
		workload: {
			arrival: {kind: 'closed-loop', users: 256},
			classes: [{name: 'long', weight: 1, prompt: {kind: 'fixed', value: 128}, output: {kind: 'fixed', value: 3000}}],
		},
		logging: {format: 'throughput'},
	};
}

function saturatedConfig(modules: EngineModules, enablePrefixCaching: boolean): SimConfig {
	return modules.simConfigSchema.parse(saturatedInput(modules.hasPrefixCaching ? enablePrefixCaching : undefined));
}

/**
 * CPU time of the calling thread in seconds (Linux `schedstat`: time on a CPU, in ns), or
 * undefined where it cannot be read. Unlike wall time it leaves out the time other processes
 * hold the core, and unlike `process.cpuUsage()` V8's compiler and GC threads.
 */
export function threadCpuSeconds(): number | undefined {
	try {
		return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
	} catch {
		return undefined;
	}
}

/** One measurement: warm up 5 virtual seconds (fill the batch, JIT), then simulate `virtualSeconds` more. */
export type EngineMeasure = {mode: EngineMode; drafts: number; wallSeconds: number; cpuSeconds: number | undefined};

export function measureEngine(modules: EngineModules, mode: EngineMode, virtualSeconds = 2000): EngineMeasure {
	const built = modules.buildSimulation(saturatedConfig(modules, mode !== 'no-prefix-caching'), {seed: 0});
	if (mode === 'fed') modules.attachPrometheus(built);
	built.simulation.runUntil(5);
	const before = built.metrics[0]!.lifetime.spec.numDrafts;
	const cpu0 = threadCpuSeconds();
	const wall0 = process.hrtime.bigint();
	built.simulation.runUntil(5 + virtualSeconds);
	const wallSeconds = Number(process.hrtime.bigint() - wall0) / 1e9;
	const cpu1 = threadCpuSeconds();
	return {
		mode,
		drafts: built.metrics[0]!.lifetime.spec.numDrafts - before,
		wallSeconds,
		cpuSeconds: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
	};
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
	const mode = process.argv[2] as EngineMode;
	if (!ENGINE_MODES.includes(mode)) {
		process.stderr.write(`usage: engine-saturated.ts ${ENGINE_MODES.join('|')} [VIRTUAL_SECONDS]\n`);
		process.exit(2);
	}
	const root = process.argv[4] ?? fileURLToPath(new URL('../..', import.meta.url));
	const measure = measureEngine(await loadEngineModules(root), mode, Number(process.argv[3] ?? 2000));
	process.stdout.write(`${JSON.stringify(measure)}\n`);
}
