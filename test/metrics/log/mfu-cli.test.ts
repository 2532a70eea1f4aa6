import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {formatFixed} from '../../../src/util/py-format.js';
import {cli} from '../../cli/run-cli.js';
import {serveCli, waitFor} from '../../serve/serve-cli.js';

const MFU = /^INFO (\d\d-\d\d \d\d:\d\d:\d\d) \[perf\.py:1726\] Engine 000: MFU: (\S+) TF\/s\/device (\S+) GB\/s\/device$/;

/** The samples of one counter family in metrics.om, in scrape order. */
function counter(om: string, name: string): number[] {
	return om
		.split('\n')
		.filter(line => line.startsWith(`${name}{`))
		.map(line => Number(line.split(' ')[1]));
}

describe("--enable-mfu-metrics prints vLLM's MFU line (docs/vllm-metrics.md)", () => {
	it("generate: vllm.log has it after each SpecDecoding line, and its figures are the Prometheus counters' growth over the interval", async () => {
		const out = join(mkdtempSync(join(tmpdir(), 'specsim-mfu-')), 'data');
		const result = await cli('generate', '--out', out, '--duration', '40', '--scrape-interval', '10', '--enable-mfu-metrics');
		expect(result.code).toBe(0);
		const log = readFileSync(join(out, 'vllm.log'), 'utf8').trimEnd().split('\n');
		const mfu = log.flatMap((line, i) => (MFU.test(line) ? [i] : []));
		expect(mfu).toHaveLength(4);
		for (const i of mfu) {
			// Right after the same tick's spec-decode line, with its timestamp.
			expect(log[i - 1]).toContain('SpecDecoding metrics:');
			expect(log[i - 1]!.slice(5, 19)).toBe(MFU.exec(log[i]!)![1]);
		}
		// Independent of the log: the counters, fed by the Prometheus side from the same steps, scraped at each tick.
		const om = readFileSync(join(out, 'metrics.om'), 'utf8');
		const flops = counter(om, 'vllm:estimated_flops_per_gpu_total');
		const read = counter(om, 'vllm:estimated_read_bytes_per_gpu_total');
		const written = counter(om, 'vllm:estimated_write_bytes_per_gpu_total');
		expect(flops).toHaveLength(5);
		mfu.forEach((i, n) => {
			const [, , tf, gb] = MFU.exec(log[i]!)!;
			const bytes = read[n + 1]! - read[n]! + (written[n + 1]! - written[n]!);
			expect(tf).toBe(formatFixed((flops[n + 1]! - flops[n]!) / 10 / 1e12, 1));
			expect(gb).toBe(formatFixed(bytes / 10 / 1e9, 1));
			expect(Number(tf)).toBeGreaterThan(1);
		});
	});

	it('run: prints it on stdout with the flag, and not without', async () => {
		const on = await cli('run', '--no-server', '--duration', '20', '--speed', 'max', '--enable-mfu-metrics');
		expect(on.code).toBe(0);
		const lines = on.stdout.split('\n');
		expect(lines.filter(line => MFU.test(line))).toHaveLength(2);
		const off = await cli('run', '--no-server', '--duration', '20', '--speed', 'max');
		expect(off.code).toBe(0);
		expect(off.stdout).not.toContain('MFU:');
		// The other lines are the same with and without the flag.
		expect(lines.filter(line => !MFU.test(line)).join('\n')).toBe(off.stdout);
	});

	it('serve: prints it in the server log', async () => {
		const server = await serveCli(['--background-qps', '4', '--speed', '50', '--enable-mfu-metrics']);
		const line = await waitFor(() =>
			server.run
				.stdout()
				.split('\n')
				.find(l => MFU.test(l)),
		);
		expect(line).toMatch(MFU);
		expect(await server.stop()).toBe(0);
	});
});
