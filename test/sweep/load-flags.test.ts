import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {PRESETS_DIR} from '../../src/config/load.js';
import type {SweepJson} from '../../src/cli/commands/sweep.js';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {buildSimulation} from '../../src/sim/build.js';
import {summarize} from '../../src/sim/summary.js';
import {expandGrid, parseConcurrencyList} from '../../src/sweep/grid.js';
import {UserError} from '../../src/util/user-error.js';
import {cli} from '../cli/run-cli.js';

const flags = {preset: 'llama-3.1-8b-eagle3', seed: '0'};

describe('--concurrency, --input-len, --output-len, --range-ratio', () => {
	it('--concurrency N is a closed loop of N clients without think time', async () => {
		const {config} = await resolveSimConfig({...flags, concurrency: '16'});
		expect(config.workload.arrival).toEqual({kind: 'closed-loop', users: 16});
		// Keeping 16 requests in flight: every finished request is replaced at once.
		const built = buildSimulation(config, {seed: 1});
		let maxInFlight = 0;
		built.simulation.subscribe({
			onStep: out => {
				maxInFlight = Math.max(maxInFlight, out.numRunning + out.numWaiting);
			},
		});
		built.simulation.runUntil(20);
		expect(maxInFlight).toBe(16);
		expect(built.simulation.numArrived - built.simulation.numFinished).toBe(16);
	});

	it("draws lengths as vLLM bench's random dataset: uniform in [floor(len(1-r)), ceil(len(1+r))]", async () => {
		const {config} = await resolveSimConfig({...flags, inputLen: '1000', outputLen: '7', rangeRatio: '0.25'});
		for (const c of config.workload.classes) {
			expect(typeof c).toBe('object');
			if (typeof c === 'string') continue;
			expect(c.prompt).toEqual({kind: 'uniform', min: 750, max: 1250});
			expect(c.output).toEqual({kind: 'uniform', min: 5, max: 9});
		}
		const fixed = await resolveSimConfig({...flags, preset: 'deepseek-v3-mtp', inputLen: '2048', outputLen: '64'});
		// A built-in class name is expanded so its other traits (acceptance factor) stay.
		const c = fixed.config.workload.classes[0]!;
		expect(typeof c === 'object' && [c.name, c.prompt, c.output]).toEqual(['chat', {kind: 'fixed', value: 2048}, {kind: 'fixed', value: 64}]);
	});

	it('rejects bad values with one line naming the flag', async () => {
		const cases: Array<[Record<string, string>, RegExp]> = [
			[{concurrency: '0'}, /^--concurrency must be an integer from 1 to 100000, got "0"$/],
			[{concurrency: '2.5'}, /^--concurrency/],
			[{concurrency: '4', qps: '2'}, /^--concurrency and --qps exclude each other/],
			[{inputLen: '0'}, /^--input-len must be an integer from 1 to 10000000/],
			[{outputLen: 'x'}, /^--output-len/],
			[{inputLen: '10', rangeRatio: '1'}, /^--range-ratio must be a number in \[0, 1\)/],
			[{rangeRatio: '0.1'}, /^--range-ratio needs --input-len or --output-len$/],
			[{k: '-1'}, /^--k must be an integer from 0 to 64/],
		];
		for (const [extra, message] of cases) {
			const error = await resolveSimConfig({...flags, ...extra}).catch((e: unknown) => e);
			expect(error, JSON.stringify(extra)).toBeInstanceOf(UserError);
			expect((error as Error).message).toMatch(message);
		}
		const result = await cli('run', '--headless', '--no-server', '--duration', '1s', '--concurrency', '0');
		expect(result).toEqual({code: 2, stdout: '', stderr: 'specsim: --concurrency must be an integer from 1 to 100000, got "0"\n'});
		expect(() => parseConcurrencyList('1,0')).toThrow(
			'--concurrency must be a list of integers from 1 to 100000 such as 1,16,64,128, got "0" in "1,0"',
		);
		// An unknown hardware name in a preset: one line naming the file, the line and the field.
		const dir = mkdtempSync(join(tmpdir(), 'specsim-hw-'));
		const preset = join(dir, 'h300.json');
		writeFileSync(preset, readFileSync(join(PRESETS_DIR, 'llama-3.1-8b-eagle3.json'), 'utf8').replace('"h100-sxm"', '"h300"'));
		const hw = await cli('run', '--preset', preset, '--headless', '--no-server', '--duration', '1s');
		expect(hw.code).toBe(2);
		expect(hw.stderr).toMatch(new RegExp(`^specsim: ${preset}:6: hardware: unknown built-in hardware "h300"; known: h100-sxm, .*mi355x\n$`));
	});
});

describe('--method none and --k 0', () => {
	it('both run exactly the no-speculation baseline', async () => {
		const run = async (extra: Record<string, string>, off = false) => {
			const {config, seed} = await resolveSimConfig({...flags, concurrency: '8', ...extra});
			const built = buildSimulation(config, {seed, speculationOff: off});
			built.simulation.runUntil(30);
			return summarize(built);
		};
		const baseline = await run({}, true);
		const none = await run({method: 'none'});
		const k0 = await run({k: '0'});
		expect(baseline.spec_decode.num_drafts).toBe(0);
		expect(baseline.engines.generation_tokens).toBeGreaterThan(1000);
		for (const s of [none, k0]) {
			expect(s.spec_decode.num_drafts).toBe(0);
			expect(s.engines).toEqual(baseline.engines);
		}
		const speculative = await run({});
		expect(speculative.spec_decode.num_drafts).toBeGreaterThan(0);
	});

	it('a preset may say method "none" without an acceptance model; one that speculates must have one', async () => {
		const {config} = await resolveSimConfig({...flags, method: 'none'});
		const {acceptance: _, ...speculative} = config.speculative;
		expect(() => buildSimulation({...config, speculative}, {seed: 0})).not.toThrow();
		expect(() => buildSimulation({...config, speculative: {...speculative, method: 'eagle3'}}, {seed: 0})).toThrow(
			/required while speculation is on/,
		);
	});

	it('sweep refuses a configuration without speculation, naming what to pass', async () => {
		const result = await cli('sweep', '--k', '1', '--duration', '1s', '--method', 'none');
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/^specsim: (--method: .*none|a sweep compares speculation with none)/);
	});
});

describe('sweep --concurrency', () => {
	it('puts concurrency rows after qps rows, concurrency null on QPS rows, identically for any worker count', async () => {
		expect(expandGrid({ks: [1], qps: [2], concurrency: [4, 1], methods: []}).map(p => [p.qps, p.concurrency])).toEqual([
			[2, undefined],
			[undefined, 4],
			[undefined, 1],
		]);
		const args = ['sweep', '--k', '1,2', '--qps', '2', '--concurrency', '1,8', '--duration', '8s', '--json', '--output-len', '64'];
		const one = await cli(...args, '--workers', '1');
		const two = await cli(...args, '--workers', '2');
		expect(one).toMatchObject({code: 0, stderr: ''});
		expect(two.stdout).toBe(one.stdout);
		const json = JSON.parse(one.stdout) as SweepJson;
		expect(json.rows.map(r => [r.k, r.qps, r.concurrency])).toEqual([
			[1, 2, null],
			[2, 2, null],
			[1, null, 1],
			[2, null, 1],
			[1, null, 8],
			[2, null, 8],
		]);
		// At concurrency 1 nothing queues, so speculation speeds up both a request's tokens and the throughput.
		const c1 = json.rows.find(r => r.concurrency === 1 && r.k === 2)!;
		expect(c1.throughput_speedup).toBeGreaterThan(1.2);
		expect(c1.latency_speedup).toBeGreaterThan(1.2);
	});
});
