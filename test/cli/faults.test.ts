import {mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-faults-'));
/** A short headless run without the metrics server. */
const HEADLESS = ['run', '--headless', '--no-server', '--speed', 'max'];
const FAULT_FLAGS = ['--error-rate', '0.1', '--abort-rate', '0.2', '--abort-after', 'exp:4s', '--sleep', '20s-30s,45s-50s:2'];

/** `generate` for one virtual minute with every fault on; returns the output directory. */
async function generate(name: string, ...flags: string[]): Promise<string> {
	const out = join(dir, name);
	const {code, stderr} = await cli('generate', '--out', out, '--duration', '60s', '--seed', '7', ...flags);
	expect(stderr).toContain('wrote');
	expect(code).toBe(0);
	return out;
}

const read = (out: string, file: string): string => readFileSync(join(out, file), 'utf8');

describe('faults on every surface of a generated dataset', () => {
	let out: string;
	beforeAll(async () => {
		out = await generate('all', ...FAULT_FLAGS);
	});

	it("counters equal requests.jsonl's finish reasons, reason by reason", () => {
		const records = read(out, 'requests.jsonl')
			.trim()
			.split('\n')
			.map(line => JSON.parse(line) as {finish_reason: string});
		const counted = new Map<string, number>();
		for (const r of records) counted.set(r.finish_reason, (counted.get(r.finish_reason) ?? 0) + 1);
		expect(counted.get('error')).toBeGreaterThan(5);
		expect(counted.get('abort')).toBeGreaterThan(5);
		const prom = read(out, 'metrics.prom');
		for (const reason of ['stop', 'length', 'abort', 'error']) {
			const m = new RegExp(`^vllm:request_success_total\\{engine="0",finished_reason="${reason}",[^}]*\\} (\\S+)$`, 'm').exec(prom);
			expect(m, reason).not.toBeNull();
			expect(Number(m![1])).toBe(counted.get(reason) ?? 0);
		}
	});

	it('the sleep gauge reads asleep in the scrapes inside a sleep interval and awake outside', () => {
		const om = read(out, 'metrics.om');
		const samples = [...om.matchAll(/^vllm:engine_sleep_state\{[^}]*sleep_state="(\w+)"\} (\S+) (\S+)$/gm)].map(m => ({
			state: m[1]!,
			value: Number(m[2]),
			t: Number(m[3]) - Date.parse('2026-01-01T00:00:00Z') / 1000,
		}));
		const at = (t: number, state: string) => samples.find(s => s.t === t && s.state === state)?.value;
		// Scrapes every 15 s: 0, 15 awake; 30 is the wake-up instant (awake); 45 asleep at level 2.
		expect([at(0, 'awake'), at(15, 'awake'), at(30, 'awake'), at(45, 'awake'), at(60, 'awake')]).toEqual([1, 1, 1, 0, 1]);
		expect([at(45, 'weights_offloaded'), at(45, 'discard_all')]).toEqual([0, 1]);
	});

	it("vllm.log prints vLLM's sleep and wake-up lines at the interval bounds", () => {
		const lines = read(out, 'vllm.log')
			.split('\n')
			.filter(l => /asleep|wake up|prefix cache|Sleep mode/.test(l));
		expect(lines).toEqual([
			'INFO 01-01 00:00:20 [block_pool.py:321] Successfully reset prefix cache',
			'INFO 01-01 00:00:20 [gpu_worker.py:104] Sleep mode freed 71.68 GiB memory, 1.38 GiB memory is still in use.',
			'INFO 01-01 00:00:20 [executor_base.py:187] It took 0.692421 seconds to fall asleep.',
			"INFO 01-01 00:00:30 [executor_base.py:203] It took 0.692421 seconds to wake up tags {'weights', 'kv_cache'}.",
			'INFO 01-01 00:00:45 [block_pool.py:321] Successfully reset prefix cache',
			'INFO 01-01 00:00:45 [gpu_worker.py:104] Sleep mode freed 71.68 GiB memory, 1.38 GiB memory is still in use.',
			'INFO 01-01 00:00:45 [executor_base.py:187] It took 0.050000 seconds to fall asleep.',
			"INFO 01-01 00:00:50 [executor_base.py:203] It took 0.050000 seconds to wake up tags {'weights', 'kv_cache'}.",
		]);
	});

	it('the effective configuration records the faults', () => {
		const summary = JSON.parse(read(out, 'summary.json')) as {config: {faults: unknown}};
		expect(summary.config.faults).toEqual({
			errorRate: 0.1,
			abort: {rate: 0.2, after: {kind: 'exponential', mean: 4}},
			sleep: [
				{startS: 20, endS: 30, level: 1},
				{startS: 45, endS: 50, level: 2},
			],
		});
	});

	it('the same seed gives byte-identical files with faults on', async () => {
		const again = await generate('again', ...FAULT_FLAGS);
		for (const file of readdirSync(out)) expect(read(again, file), file).toBe(read(out, file));
	});

	it('without faults the effective configuration has no faults section', async () => {
		const plain = await generate('plain');
		expect(JSON.parse(read(plain, 'summary.json')).config).not.toHaveProperty('faults');
	});
});

describe('fault flags: bad values get one line naming the flag, exit code 2', () => {
	it.each([
		[['--error-rate', '-0.1'], '--error-rate must be a fraction of requests from 0 to 1, got "-0.1"'],
		[['--error-rate', '1.5'], '--error-rate must be a fraction of requests from 0 to 1, got "1.5"'],
		[['--error-rate', ''], '--error-rate must be a fraction of requests from 0 to 1, got ""'],
		[['--abort-rate', '2', '--abort-after', '5s'], '--abort-rate must be a fraction of requests from 0 to 1, got "2"'],
		[['--abort-rate', '0.1'], '--abort-rate needs --abort-after (when a client aborts, e.g. 30s or exp:30s)'],
		[['--abort-after', '5s'], '--abort-after needs --abort-rate (the fraction of requests whose client aborts)'],
		[['--abort-rate', '0.1', '--abort-after', 'soon'], '--abort-after: invalid duration "soon" (expected e.g. 90s, 10m, 1h, 1h30m)'],
		[['--abort-rate', '0.1', '--abort-after', 'uniform:1m..10s'], '--abort-after: MAX must be at least MIN, got "uniform:1m..10s"'],
		[['--abort-rate', '0.1', '--abort-after', 'gauss:1s'], '--abort-after: expected a duration, exp:MEAN or uniform:MIN..MAX, got "gauss:1s"'],
		[['--sleep', '2m-1m'], '--sleep: interval 1 "2m-1m": END must be after START'],
		[
			['--sleep', '1m-2m,90s-3m'],
			'--sleep: interval 2 "90s-3m": starts at 90, inside the interval from 60 to 120 on the same engine: an engine must wake before it sleeps again',
		],
		[
			['--sleep', '5m-6m,1m-2m'],
			'--sleep: interval 2 "1m-2m": sleep intervals must be in start order: 60 is before the previous interval\'s start 300',
		],
		[['--sleep', '1m-2m:3'], '--sleep: interval 1 "1m-2m:3": LEVEL must be 1 or 2, got "3"'],
		[['--sleep', '1m-2m@1'], '--sleep: no engine 1: there are 1 (engines 0 to 0)'],
		[['--sleep', 'soon'], '--sleep: interval 1 "soon": expected START-END[:LEVEL][/wait][@ENGINE], e.g. 1m-2m or 5m-6m:2/wait@0'],
		[['--sleep', '1m-2m/keep'], '--sleep: interval 1 "1m-2m/keep": the only mode to name is /wait, got "/keep"'],
	])('%j', async (flags, message) => {
		const {code, stdout, stderr} = await cli(...HEADLESS, '--duration', '1s', ...flags);
		expect(stdout).toBe('');
		expect(stderr).toBe(`specsim: ${message}\n`);
		expect(code).toBe(2);
	});

	it('a sleep may start at 0 and a client may abort at once (0, 0s)', async () => {
		for (const zero of ['0', '0s']) {
			expect((await cli(...HEADLESS, '--duration', '2s', '--sleep', `${zero}-1s`)).code).toBe(0);
			const {code, stdout} = await cli(...HEADLESS, '--duration', '5s', '--abort-rate', '1', '--abort-after', zero);
			expect(code).toBe(0);
			expect(stdout).toMatch(/requests (\d+) finished of \d+ \(0 error, \1 abort\)/);
		}
	});

	it('--sleep START-END:LEVEL/wait@ENGINE sets every field of the interval', async () => {
		const out = await generate('wait', '--engines', '2', '--sleep', '10s-20s:2/wait@1,30s-40s');
		expect(JSON.parse(read(out, 'summary.json')).config.faults.sleep).toEqual([
			{startS: 10, endS: 20, level: 2, mode: 'wait', engine: 1},
			{startS: 30, endS: 40, level: 1},
		]);
	});

	it('sleep intervals on different engines may overlap', async () => {
		const {code} = await cli(...HEADLESS, '--duration', '3s', '--engines', '2', '--sleep', '1s-2s@0,1s-2s@1');
		expect(code).toBe(0);
	});
});

describe('faults in headless run', () => {
	it("with --log-prefix-pid the sleep lines carry the engine core's process prefix, the stat lines the API server's", async () => {
		const {code, stdout} = await cli(...HEADLESS, '--duration', '12s', '--engines', '2', '--sleep', '5s-11s', '--log-prefix-pid', '100');
		expect(code).toBe(0);
		const lines = stdout.split('\n').filter(l => /asleep|wake up|prefix cache|Sleep mode|Engine 00[01]: Avg/.test(l));
		expect(lines.map(l => l.replace(/ INFO 01-01 \S+ \[\S+\] .*/, ''))).toEqual([
			'(EngineCore_DP0 pid=101)',
			'(EngineCore_DP0 pid=101)',
			'(EngineCore_DP0 pid=101)',
			'(EngineCore_DP1 pid=102)',
			'(EngineCore_DP1 pid=102)',
			'(EngineCore_DP1 pid=102)',
			'(APIServer pid=100)',
			'(APIServer pid=100)',
			'(EngineCore_DP0 pid=101)',
			'(EngineCore_DP1 pid=102)',
		]);
	});

	it("headless run's summary counts the requests that ended with error or abort", async () => {
		const {code, stdout} = await cli(...HEADLESS, '--duration', '30s', '--error-rate', '0.2', '--abort-rate', '0.2', '--abort-after', '1s');
		expect(code).toBe(0);
		const m = /requests (\d+) finished of \d+ \((\d+) error, (\d+) abort\)/.exec(stdout);
		expect(m).not.toBeNull();
		const [finished, errors, aborts] = m!.slice(1).map(Number) as [number, number, number];
		expect(errors).toBeGreaterThan(0.1 * finished);
		expect(aborts).toBeGreaterThan(0);
		const plain = await cli(...HEADLESS, '--duration', '5s');
		expect(plain.stdout).toMatch(/requests \d+ finished of \d+, /);
	});
});
