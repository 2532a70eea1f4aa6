import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {startCli} from '../helpers/cli-run.js';
import {httpGet} from '../helpers/http.js';

const startServe = (args: string[]) => startCli(['serve', ...args]);

// A line of stderr, after uvicorn's startup lines (serve-signals.test.ts pins those).
const SERVING = /^specsim: serving the OpenAI-compatible API on (http:\/\/127\.0\.0\.1:\d+) \(model (.+)\)\n/m;

async function waitFor<T>(read: () => T | undefined): Promise<T> {
	for (;;) {
		const value = read();
		if (value !== undefined) return value;
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

describe('specsim serve (the command)', () => {
	it('serves MODEL under vLLM flag names until SIGINT, then exits 0 and stops listening', async () => {
		const run = startServe([
			'my/model',
			'--port',
			'0',
			'--speed',
			'max',
			'--speculative-config',
			'{"method": "eagle3", "num_speculative_tokens": 5}',
			'--max-model-len',
			'4096',
			'--api-key',
			'k',
		]);
		const [, baseUrl, model] = await waitFor(() => SERVING.exec(run.stderr()) ?? undefined);
		expect(model).toBe('my/model');
		const client = new OpenAI({baseURL: `${baseUrl}/v1`, apiKey: 'k', maxRetries: 0});
		const models = await client.models.list();
		expect(models.data[0]).toMatchObject({id: 'my/model', root: 'my/model', max_model_len: 4096});
		const out = await client.completions.create({model: 'my/model', prompt: 'hi', max_tokens: 50});
		expect(out.usage!.completion_tokens).toBeGreaterThan(0);
		// k = 5 from --speculative-config: the per-position acceptance series run to position 4.
		const metrics = await httpGet(`${baseUrl}/metrics`);
		expect(metrics.body).toContain('position="4"');
		expect(metrics.body).not.toContain('position="5"');
		expect(metrics.body).toContain('model_name="my/model"');
		await waitFor(() => (run.hasSignalHandler() ? true : undefined));
		run.signal();
		expect(await run.exit).toBe(0);
		await expect(httpGet(`${baseUrl!}/health`)).rejects.toThrow();
	});

	it("a response's created is the wall clock when the server started plus virtual time (--start pins it), not a fixed 2026-01-01", async () => {
		const created = async (args: string[]): Promise<number> => {
			const run = startServe(['--port', '0', '--headless', ...args]);
			const [, baseUrl] = await waitFor(() => SERVING.exec(run.stderr()) ?? undefined);
			const client = new OpenAI({baseURL: `${baseUrl}/v1`, apiKey: 'none', maxRetries: 0});
			const out = await client.completions.create({model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'hi', max_tokens: 2});
			await waitFor(() => (run.hasSignalHandler() ? true : undefined));
			run.signal();
			expect(await run.exit).toBe(0);
			return out.created;
		};
		const before = Math.floor(Date.now() / 1000);
		const now = await created([]);
		const after = Math.ceil(Date.now() / 1000);
		expect(now).toBeGreaterThanOrEqual(before);
		expect(now).toBeLessThanOrEqual(after);
		const pinned = await created(['--start', '2030-01-01T00:00:00Z']);
		const elapsed = after - before + 60;
		expect(pinned - Date.UTC(2030, 0, 1) / 1000).toBeGreaterThanOrEqual(0);
		expect(pinned - Date.UTC(2030, 0, 1) / 1000).toBeLessThanOrEqual(elapsed);
	});

	it('refuses a --speculative-config key it does not read, and a bad flag, with one line and exit 2', async () => {
		const bad = startServe(['--port', '0', '--speculative-config', '{"method": "eagle3", "acceptance": 1}']);
		expect(await bad.exit).toBe(2);
		expect(bad.stderr()).toBe(
			'specsim: --speculative-config: key "acceptance" is not supported (specsim reads method, num_speculative_tokens, model)\n',
		);
		const emptyName = startServe(['--port', '0', '--served-model-name', '']);
		expect(await emptyName.exit).toBe(2);
		expect(emptyName.stderr()).toBe('specsim: --served-model-name: a model name must not be empty\n');
		const bigK = startServe(['--port', '0', '--speculative-config', '{"method":"eagle3","num_speculative_tokens":100}']);
		expect(await bigK.exit).toBe(2);
		expect(bigK.stderr()).toBe('specsim: --speculative-config: num_speculative_tokens must be an integer from 0 to 64, got 100\n');
		const badMethod = startServe(['--port', '0', '--speculative-config', '{"method":"telepathy"}']);
		expect(await badMethod.exit).toBe(2);
		expect(badMethod.stderr()).toMatch(/^specsim: --speculative-config: method: Unknown speculative method "telepathy"; known: eagle, /);
		expect(badMethod.stderr().trim().split('\n')).toHaveLength(1);
		const notJson = startServe(['--port', '0', '--speculative-config', '{']);
		expect(await notJson.exit).toBe(2);
		expect(notJson.stderr()).toMatch(/^specsim: --speculative-config: not JSON: .+\n$/);
		const port = startServe(['--port', '70000']);
		expect(await port.exit).toBe(2);
		expect(port.stderr()).toBe('specsim: --port must be an integer in 0..65535, got "70000"\n');
	});

	it("refuses --per-request-spec-decode-metrics without speculative decoding, with vLLM's message", async () => {
		const run = startServe(['--port', '0', '--speculative-config', '{"num_speculative_tokens": 0}', '--per-request-spec-decode-metrics', 'summary']);
		expect(await run.exit).toBe(2);
		expect(run.stderr()).toBe('specsim: --per-request-spec-decode-metrics requires speculative decoding to be enabled (via --speculative-config).\n');
		const bad = startServe(['--port', '0', '--per-request-spec-decode-metrics', 'everything']);
		expect(await bad.exit).toBe(2);
		expect(bad.stderr()).toContain('everything');
	});

	it('--no-enable-prefix-caching turns prefix caching off (cache_config_info says so), --enable-prefix-caching on', async () => {
		for (const [flag, label] of [
			['--no-enable-prefix-caching', 'False'],
			['--enable-prefix-caching', 'True'],
		] as const) {
			const run = startServe(['--port', '0', '--speed', 'max', flag]);
			const [, baseUrl] = await waitFor(() => SERVING.exec(run.stderr()) ?? undefined);
			const metrics = await httpGet(`${baseUrl}/metrics`);
			expect(metrics.body).toContain(`enable_prefix_caching="${label}"`);
			await waitFor(() => (run.hasSignalHandler() ? true : undefined));
			run.signal();
			expect(await run.exit).toBe(0);
		}
	});

	it('--background-qps on a closed-loop preset, or out of range, is refused naming --background-qps (not --qps)', async () => {
		const closed = startServe(['--port', '0', '--preset', 'llama-3.1-8b-eagle3-k-sweep', '--background-qps', '2']);
		expect(await closed.exit).toBe(2);
		expect(closed.stderr()).toBe(
			'specsim: --background-qps does not apply to preset llama-3.1-8b-eagle3-k-sweep: its workload is a closed loop of 1 user\n',
		);
		const huge = startServe(['--port', '0', '--background-qps', '20000']);
		expect(await huge.exit).toBe(2);
		expect(huge.stderr()).toBe(
			'specsim: --background-qps must be 0 (none) or a positive number of requests per virtual second, at most 10000, got "20000"\n',
		);
		const negative = startServe(['--port', '0', '--background-qps', '-1']);
		expect(await negative.exit).toBe(2);
		expect(negative.stderr()).toBe(
			'specsim: --background-qps must be 0 (none) or a positive number of requests per virtual second, at most 10000, got "-1"\n',
		);
		// Without background traffic a closed-loop preset serves: its clients are the HTTP clients.
		const served = startServe(['--port', '0', '--speed', 'max', '--preset', 'llama-3.1-8b-eagle3-k-sweep']);
		await waitFor(() => SERVING.exec(served.stderr()) ?? undefined);
		await waitFor(() => (served.hasSignalHandler() ? true : undefined));
		served.signal();
		expect(await served.exit).toBe(0);
	});

	it('--speed max with no traffic: the virtual clock waits for the next client instead of racing ahead', async () => {
		const run = startServe(['--port', '0', '--speed', 'max', '--start', '2026-01-01T00:00:00Z']);
		const [, baseUrl] = await waitFor(() => SERVING.exec(run.stderr()) ?? undefined);
		// `created` is the virtual clock's time (from --start) in whole seconds.
		const created = async (): Promise<number> =>
			((await (await fetch(`${baseUrl}/v1/models`)).json()) as {data: {created: number}[]}).data[0]!.created;
		const origin = Date.UTC(2026, 0, 1) / 1000;
		const idle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 300));
		await idle();
		expect(await created()).toBe(origin);
		// The engine announced itself at start all the same.
		expect(run.stdout()).toContain('Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is:');
		const client = new OpenAI({baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0});
		const out = await client.completions.create({model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'hi', max_tokens: 20});
		expect(out.usage!.completion_tokens).toBe(20);
		// Twenty tokens take well under a virtual second; then the clock stops again.
		expect(await created()).toBe(origin);
		await idle();
		expect(await created()).toBe(origin);
		await waitFor(() => (run.hasSignalHandler() ? true : undefined));
		run.signal();
		expect(await run.exit).toBe(0);
	});
});
