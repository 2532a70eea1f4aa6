import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {startCli} from '../helpers/cli-run.js';
import {serveCli as serve, waitFor} from './serve-cli.js';
import {counter} from './serve-harness.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

describe('specsim serve: the fault and KV-metrics flags of run and generate', () => {
	it("--error-rate 1: clients get 500, the log has the ERROR line and uvicorn's 500 access line", async () => {
		const s = await serve(['--speed', 'max', '--error-rate', '1']);
		const failure = await s.client.completions.create({model: MODEL, prompt: 'hi', max_tokens: 4}).catch(e => e);
		expect(failure).toBeInstanceOf(OpenAI.InternalServerError);
		expect(await counter(s.baseUrl, 'vllm:request_success_total', 'finished_reason="error"')).toBe(1);
		expect(await s.stop()).toBe(0);
		const lines = s.run.stdout().split('\n');
		const error = lines.findIndex(line =>
			/ \[serving\.py:175\] Request cmpl-[0-9a-f]{32} failed with an internal error during generation$/.test(line),
		);
		expect(error).toBeGreaterThan(-1);
		expect(lines[error]).toMatch(/^ERROR /);
		// vLLM logs the error, then uvicorn the response.
		expect(lines[error + 1]).toMatch(/^INFO: {5}127\.0\.0\.1:\d+ - "POST \/v1\/completions HTTP\/1\.1" 500 Internal Server Error$/);
	});

	it("--abort-rate aborts background requests only: a client's request is never aborted by it", async () => {
		// Every background request gives up at its arrival; at speed 20 several arrive each wall second.
		const s = await serve(['--speed', '20', '--background-qps', '5', '--abort-rate', '1', '--abort-after', '0s']);
		await waitFor(async () => ((await counter(s.baseUrl, 'vllm:request_success_total', 'finished_reason="abort"')) >= 3 ? true : undefined));
		for (let i = 0; i < 3; i++) {
			const out = await s.client.completions.create({
				model: MODEL,
				prompt: `client ${i}`,
				max_tokens: 4,
				ignore_eos: true,
			} as OpenAI.CompletionCreateParamsNonStreaming);
			expect(out.choices[0]!.finish_reason).toBe('length');
		}
		expect(await s.stop()).toBe(0);
	});

	it('--kv-cache-metrics: /metrics shows the three KV block residency histograms (without it, none)', async () => {
		const s = await serve(['--speed', 'max', '--kv-cache-metrics', '--kv-cache-metrics-sample', '1']);
		await s.client.completions.create({model: MODEL, prompt: 'x '.repeat(200), max_tokens: 50});
		const text = await (await fetch(`${s.baseUrl}/metrics`)).text();
		expect(text).toContain('# TYPE vllm:kv_block_lifetime_seconds histogram');
		expect(text).toContain('# TYPE vllm:kv_block_idle_before_evict_seconds histogram');
		expect(text).toContain('# TYPE vllm:kv_block_reuse_gap_seconds histogram');
		expect(await s.stop()).toBe(0);
		const without = await serve(['--speed', 'max']);
		expect(await (await fetch(`${without.baseUrl}/metrics`)).text()).not.toContain('vllm:kv_block_lifetime_seconds');
		expect(await without.stop()).toBe(0);
	});

	it('bad fault and KV-metrics flags are refused with one line naming the flag, exit 2', async () => {
		const cases: [string[], string][] = [
			[['--error-rate', '1.5'], 'specsim: --error-rate must be a fraction of requests from 0 to 1, got "1.5"\n'],
			[
				['--abort-rate', '0.5', '--abort-after', '10s'],
				'specsim: --abort-rate applies to the background load only: give --background-qps too (real clients abort by disconnecting)\n',
			],
			[['--kv-cache-metrics-sample', '0'], 'specsim: --kv-cache-metrics-sample must be a number in (0, 1], got "0"\n'],
			[['--sleep', '2m-1m'], ''],
		];
		for (const [args, message] of cases) {
			const run = startCli(['serve', '--port', '0', ...args]);
			expect(await run.exit).toBe(2);
			if (message !== '') expect(run.stderr()).toBe(message);
			else expect(run.stderr()).toMatch(/^specsim: --sleep[^\n]*\n$/);
		}
	});
});
