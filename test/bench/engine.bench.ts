import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {simConfigSchema} from '../../src/config/schema.js';
import {attachPrometheus} from '../../src/metrics/prom/attach.js';
import type {BeforeAfterResult} from './engine-ab.js';
import {ENGINE_MODES, type EngineMeasure} from './engine-saturated.js';
import {buildSimulation} from '../../src/sim/build.js';
import {loadPreset} from '../../src/config/load.js';
import type {BenchResult} from './harness.js';
import {measureHeap, timed} from './harness.js';

/**
 * Engine throughput: drafts simulated per wall second on the saturated batch of
 * `engine-saturated.ts` (256 requests, k = 5), core only and with every Prometheus family fed
 * (prefix caching on, vLLM's default), and core only without prefix caching (what it costs).
 * Each configuration runs in a child process of its own: measured one after another in one
 * process, the later ones ran on code V8 had optimised for the earlier ones' objects (the order
 * alone cost a few percent, which made `--no-enable-prefix-caching`, measured last, look slower).
 */
export async function benchEngine(): Promise<BenchResult[]> {
	const results: BenchResult[] = [];
	for (const mode of ENGINE_MODES) {
		const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/engine-saturated.ts', mode], {encoding: 'utf8'});
		if (child.status !== 0) throw new Error(`engine bench (${mode}) failed: ${child.stderr}`);
		const {drafts, wallSeconds, cpuSeconds} = JSON.parse(child.stdout) as EngineMeasure;
		const cpu = cpuSeconds === undefined ? '' : `, ${(drafts / cpuSeconds / 1e6).toFixed(2)} M per CPU second of the main thread`;
		results.push({
			name: `engine: drafts simulated per second, saturated batch of 256, k=5${mode === 'fed' ? ', every Prometheus family fed' : ' (scheduler, drafts, verification, stats, logging, metrics)'}${mode === 'no-prefix-caching' ? ', --no-enable-prefix-caching' : ''}`,
			value: drafts / wallSeconds,
			unit: 'drafts/s',
			note: `${(drafts / 1e6).toFixed(1)}M drafts in ${wallSeconds.toFixed(2)} s wall${cpu}`,
		});
	}
	return results;
}

/**
 * Issue 10's engine question, before and after on the same machine in the same run: drafts per CPU
 * second with every family fed, this checkout over main just before issue 10 (`engine-ab.ts
 * --before`, in a child process of its own so that the other sections' code does not share its
 * type feedback). Where git or that commit is missing the row says why instead.
 */
export async function benchEngineBeforeAfter(): Promise<BenchResult[]> {
	const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/engine-ab.ts', '--before', '--json'], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	process.stderr.write(child.stderr);
	const name = 'engine before/after issue 10: drafts per CPU second, saturated batch of 256, k=5, every family fed, this checkout over 58129f4';
	if (child.status !== 0) {
		const reason = child.stderr.trim().split('\n').at(-1) ?? `exit ${child.status}`;
		return [{name, value: Number.NaN, unit: '×', note: reason}];
	}
	const {rounds, fed} = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as BeforeAfterResult;
	const mega = (x: number) => `${(x / 1e6).toFixed(2)} M`;
	return [
		{
			name,
			value: fed.medianRatio,
			unit: '×',
			note: `median of ${rounds} interleaved rounds (${fed.ratios.map(r => r.toFixed(2)).join(', ')}); best runs ${fed.bestRatio.toFixed(2)}× (${mega(Math.max(...fed.b))} against ${mega(Math.max(...fed.a))} drafts/s); target >= 0.85`,
		},
	];
}

/**
 * The Python accumulator's rate (vLLM's `SpecDecodingStats` semantics, `vllm_accumulator_baseline.py`),
 * measured now, on this machine: the yardstick `generate` is compared with. The accumulator alone:
 * `-S` keeps site-packages (and so prometheus_client, which the script uses when it finds it) out.
 */
function pythonAccumulatorRate(): {rate: number; note: string} | {error: string} {
	const result = spawnSync('python3', ['-S', 'test/bench/vllm_accumulator_baseline.py'], {encoding: 'utf8'});
	if (result.error !== undefined) return {error: `python3 not available (${result.error.message})`};
	const match = /accumulator: ([\d,]+) drafts\/s \(prometheus_client: (\w+)\)/.exec(result.stdout);
	if (result.status !== 0 || match === null) return {error: `the baseline failed: ${result.stderr.trim() || result.stdout.trim()}`};
	return {rate: Number(match[1]!.replaceAll(',', '')), note: `prometheus_client: ${match[2]}`};
}

/** Runs of `generate --duration 1s` in {@link benchGenerate}, for its start-up (median reported). */
const STARTUP_ROUNDS = 5;

/** Rounds of {@link benchGenerate}: the Python baseline and `generate` alternate, and the median round is reported. */
const GENERATE_ROUNDS = 3;

/**
 * `specsim generate` for one virtual hour at 20 QPS on the default preset, as a child process (dist
 * build, start-up included), as drafts per wall second and as a ratio to the Python accumulator's
 * rate measured in the same bench run, in {@link GENERATE_ROUNDS} rounds of Python then `generate`
 * (so the load of the machine affects both alike); the round with the median ratio is reported.
 */
export async function benchGenerate(): Promise<BenchResult[]> {
	const out = mkdtempSync(join(tmpdir(), 'specsim-bench-generate-'));
	try {
		const rounds: Array<{seconds: number; drafts: number; python: ReturnType<typeof pythonAccumulatorRate>}> = [];
		for (let round = 0; round < GENERATE_ROUNDS; round++) {
			const python = pythonAccumulatorRate();
			const {seconds} = await timed(() => {
				const result = spawnSync(process.execPath, ['dist/cli/cli.js', 'generate', '--out', out, '--force', '--duration', '1h', '--qps', '20'], {
					encoding: 'utf8',
				});
				if (result.status !== 0) throw new Error(`generate failed: ${result.stderr}`);
			});
			const drafts = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {spec_decode: {num_drafts: number}}).spec_decode.num_drafts;
			rounds.push({seconds, drafts, python});
		}
		// Start-up: what a near-empty run costs (module loading, config, worker), the part of the hour's wall time that does not simulate.
		const startups: number[] = [];
		for (let round = 0; round < STARTUP_ROUNDS; round++) {
			const {seconds} = await timed(() => {
				const result = spawnSync(process.execPath, ['dist/cli/cli.js', 'generate', '--out', out, '--force', '--duration', '1s'], {encoding: 'utf8'});
				if (result.status !== 0) throw new Error(`generate failed: ${result.stderr}`);
			});
			startups.push(seconds);
		}
		startups.sort((a, b) => a - b);
		const ratio = (r: (typeof rounds)[number]): number => ('error' in r.python ? r.seconds : r.drafts / r.seconds / r.python.rate);
		const sorted = [...rounds].sort((a, b) => ratio(a) - ratio(b));
		const {seconds, drafts, python} = sorted[Math.floor(sorted.length / 2)]!;
		const rate = drafts / seconds;
		const spread = `${GENERATE_ROUNDS} rounds, median shown; wall ${rounds.map(r => r.seconds.toFixed(2)).join(', ')} s`;
		const results: BenchResult[] = [
			{name: 'generate: wall time for 1 virtual hour at 20 QPS (default preset, all six files)', value: seconds, unit: 's', note: spread},
			{name: 'generate: drafts written per wall second', value: rate, unit: 'drafts/s', note: `${(drafts / 1e6).toFixed(2)}M drafts`},
			{
				name: 'generate: start-up, wall time of 1 virtual second (all six files)',
				value: startups[Math.floor(startups.length / 2)]!,
				unit: 's',
				note: `median of ${STARTUP_ROUNDS}: ${startups.map(s => s.toFixed(2)).join(', ')} s`,
			},
		];
		if ('error' in python) {
			results.push({name: 'generate / Python accumulator rate', value: Number.NaN, unit: '×', note: python.error});
		} else {
			results.push(
				{name: 'Python accumulator (vLLM semantics, same round)', value: python.rate, unit: 'drafts/s', note: python.note},
				{
					name: 'generate / Python accumulator rate (target >= 1.5)',
					value: rate / python.rate,
					unit: '×',
					note: `rounds: ${rounds.map(r => ratio(r).toFixed(2)).join(', ')}`,
				},
			);
		}
		return results;
	} finally {
		rmSync(out, {recursive: true, force: true});
	}
}

/** Heap after 1 and after 24 virtual hours of the default preset at 20 QPS (Prometheus fed): must not grow with duration. */
export async function benchLongRunHeap(): Promise<BenchResult[]> {
	const {config} = await loadPreset('llama-3.1-8b-eagle3');
	const built = buildSimulation(simConfigSchema.parse({...config, workload: {...config.workload, arrival: {kind: 'poisson', rate: 20}}}), {seed: 0});
	attachPrometheus(built);
	const gc = (globalThis as {gc?: () => void}).gc;
	const heapAt = (): number => {
		gc?.();
		return process.memoryUsage().heapUsed / 2 ** 20;
	};
	let afterHour = 0;
	const {seconds, heap} = await measureHeap(() =>
		timed(async () => {
			for (let hour = 1; hour <= 24; hour++) {
				for (let t = (hour - 1) * 3600; t < hour * 3600; t += 60) {
					built.simulation.runUntil(t + 60);
					await new Promise(resolve => setImmediate(resolve));
				}
				if (hour === 1) afterHour = heapAt();
			}
		}),
	);
	const after24 = heapAt();
	return [
		{name: 'heap after 1 virtual hour (default preset, 20 QPS)', value: afterHour, unit: 'MiB'},
		{
			name: 'heap after 24 virtual hours',
			value: after24,
			unit: 'MiB',
			note: `peak ${heap.peakMiB.toFixed(1)} MiB; 24 h simulated in ${seconds.toFixed(1)} s wall`,
		},
	];
}
