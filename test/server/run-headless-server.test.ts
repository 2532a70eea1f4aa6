import {createServer, type AddressInfo} from 'node:net';
import {describe, expect, it, vi} from 'vitest';
import {startCli} from '../helpers/cli-run.js';
import {httpGet} from '../helpers/http.js';
import {SETTLE} from '../helpers/settle.js';

const scrape = (url: string) => httpGet(url);

const startRun = (args: string[]) => startCli(['run', ...args]);

const SERVING = /^specsim: serving \/metrics on (http:\/\/127\.0\.0\.1:(\d+)\/metrics)\n$/;

describe('specsim run --headless with /metrics', () => {
	it('prints the address on stderr (stdout stays log lines), serves while running, closes at the end', async () => {
		const run = startRun(['--headless', '--port', '0', '--speed', 'max', '--duration', '30s']);
		expect(await run.exit).toBe(0);
		const match = SERVING.exec(run.stderr());
		expect(match, run.stderr()).not.toBeNull();
		expect(Number(match![2])).toBeGreaterThan(0);
		expect(
			run
				.stdout()
				.split('\n')
				.find(l => l.includes('SpecDecoding')),
		).toMatch(/^INFO 01-01 00:00:10 \[metrics\.py:\d+\] SpecDecoding metrics: /);
		expect(run.stdout()).not.toContain('serving');
		await expect(scrape(match![1]!)).rejects.toMatchObject({code: 'ECONNREFUSED'});
	});

	it('SIGINT/SIGTERM: the runner stops, the summary prints, the server closes, exit code 0', async () => {
		const run = startRun(['--headless', '--port', '0', '--speed', '20']);
		let url = '';
		await vi.waitFor(() => {
			const match = SERVING.exec(run.stderr());
			expect(match).not.toBeNull();
			url = match![1]!;
		}, SETTLE);
		const reply = await scrape(url);
		expect(reply.status).toBe(200);
		expect(reply.body).toContain('# TYPE vllm:spec_decode_num_drafts_total counter');
		run.signal();
		expect(await run.exit).toBe(0);
		expect(run.stdout()).toContain('specsim summary: preset llama-3.1-8b-eagle3, seed 0');
		await expect(scrape(url)).rejects.toMatchObject({code: 'ECONNREFUSED'});
	});

	it("prints uvicorn's access line of each response among the log lines, with --log-prefix-pid's prefix; with --json on stderr", async () => {
		for (const json of [false, true]) {
			const run = startRun(['--headless', '--port', '0', '--speed', '20', '--log-prefix-pid', '7', ...(json ? ['--json'] : [])]);
			let url = '';
			await vi.waitFor(() => {
				// With --json the log lines share stderr with the address.
				const match = /^specsim: serving \/metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(run.stderr());
				expect(match).not.toBeNull();
				url = match![1]!;
			}, SETTLE);
			expect((await scrape(url)).status).toBe(200);
			expect((await scrape(url.replace('/metrics', '/nope'))).status).toBe(404);
			run.signal();
			expect(await run.exit).toBe(0);
			const log = json ? run.stderr() : run.stdout();
			const access = log.split('\n').filter(line => line.includes(' - "GET '));
			expect(access.map(line => line.replace(/:\d+ - /, ':PORT - '))).toEqual([
				'(APIServer pid=7) INFO:     127.0.0.1:PORT - "GET /metrics HTTP/1.1" 200 OK',
				'(APIServer pid=7) INFO:     127.0.0.1:PORT - "GET /nope HTTP/1.1" 404 Not Found',
			]);
			if (json) expect(run.stdout()).not.toContain('INFO:');
		}
	});

	it('a port in use: one line on stderr, exit code 1, nothing simulated', async () => {
		const blocker = createServer();
		await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve));
		const {port} = blocker.address() as AddressInfo;
		try {
			const run = startRun(['--headless', '--port', String(port), '--speed', 'max', '--duration', '10s']);
			expect(await run.exit).toBe(1);
			expect(run.stderr()).toBe(`specsim: cannot listen on 127.0.0.1:${port}: address already in use\n`);
			expect(run.stdout()).toBe('');
		} finally {
			await new Promise(resolve => blocker.close(resolve));
		}
	});

	it.each(['abc', '-1', '65536', '1.5'])('rejects --port %s with exit code 2', async port => {
		const run = startRun(['--headless', '--port', port, '--duration', '1s']);
		expect(await run.exit).toBe(2);
		expect(run.stderr()).toBe(`specsim: --port must be an integer in 0..65535, got "${port}"\n`);
	});
});
