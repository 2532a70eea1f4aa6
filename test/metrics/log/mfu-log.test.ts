import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {PerfMetricsLogging} from '../../../src/metrics/log/perf-metrics-logging.js';

type Event = ['step', number, number, number] | ['log', number];
type Case = {name: string; engine: number; start: number; events: Event[]; lines: Array<string | null>};

/** Expected lines computed by CPython (scripts/mfu_log_golden.py, docs/vllm-metrics.md), never by specsim. */
const golden = JSON.parse(readFileSync(new URL('../../golden/mfu-log.json', import.meta.url), 'utf8')) as {cases: Case[]};

describe("vLLM's MFU log line (PerfMetricsLogging) against CPython", () => {
	it('has the golden cases, the idle and beyond-2^53 ones included', () => {
		expect(golden.cases.length).toBeGreaterThan(20);
		expect(golden.cases.map(c => c.name)).toEqual(expect.arrayContaining(['ties', 'idle intervals', 'zero delta', 'beyond 2**53']));
	});

	it.each(golden.cases.map(c => [c.name, c] as const))('%s: byte-identical lines, none where nothing was estimated', (_name, c) => {
		const logging = new PerfMetricsLogging(c.engine, c.start);
		const lines: Array<string | null> = [];
		for (const event of c.events) {
			if (event[0] === 'step') logging.observe(event[1], event[2], event[3]);
			else lines.push(logging.log(event[1]) ?? null);
		}
		expect(lines).toEqual(c.lines);
	});

	it('restart() forgets the sums and restarts the average, as a restarted engine', () => {
		const logging = new PerfMetricsLogging(0, 0);
		logging.observe(5e12, 1e9, 0);
		logging.restart(8);
		expect(logging.log(10)).toBeUndefined();
		logging.observe(4e12, 2e9, 2e9);
		expect(logging.log(12)).toBe('Engine 000: MFU: 1.0 TF/s/device 1.0 GB/s/device');
	});
});
