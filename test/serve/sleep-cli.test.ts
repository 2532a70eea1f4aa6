import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {serveCli as serve, waitFor} from './serve-cli.js';
import {counter} from './serve-harness.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

describe('specsim serve: sleep mode from the command line', () => {
	it('--enable-sleep-mode with VLLM_SERVER_DEV_MODE=1 serves /sleep and /wake_up; the log shows the sleep and wake-up lines', async () => {
		const s = await serve(['--speed', 'max', '--enable-sleep-mode'], {VLLM_SERVER_DEV_MODE: '1'});
		expect((await fetch(`${s.baseUrl}/sleep?level=2`, {method: 'POST'})).status).toBe(200);
		expect(await (await fetch(`${s.baseUrl}/is_sleeping`)).json()).toEqual({is_sleeping: true});
		expect(await counter(s.baseUrl, 'vllm:engine_sleep_state', 'sleep_state="discard_all"')).toBe(1);
		expect((await fetch(`${s.baseUrl}/wake_up`, {method: 'POST'})).status).toBe(200);
		expect(await s.stop()).toBe(0);
		const out = s.run.stdout();
		expect(out).toMatch(/^INFO \d\d-\d\d \d\d:\d\d:\d\d \[block_pool\.py:321\] Successfully reset prefix cache$/m);
		expect(out).toMatch(/^INFO \d\d-\d\d \d\d:\d\d:\d\d \[executor_base\.py:187\] It took 0\.050000 seconds to fall asleep\.$/m);
		expect(out).toMatch(/^INFO \d\d-\d\d \d\d:\d\d:\d\d \[api_router\.py:38\] wake up the engine with tags: None$/m);
		expect(out).toMatch(
			/^INFO \d\d-\d\d \d\d:\d\d:\d\d \[executor_base\.py:203\] It took 0\.050000 seconds to wake up tags \{'weights', 'kv_cache'\}\.$/m,
		);
		expect(out).toMatch(/^INFO: {5}127\.0\.0\.1:\d+ - "POST \/sleep\?level=2 HTTP\/1\.1" 200 OK$/m);
	});

	it('without VLLM_SERVER_DEV_MODE=1 the endpoints do not exist, and --enable-sleep-mode says why', async () => {
		const s = await serve(['--speed', 'max', '--enable-sleep-mode']);
		expect(s.run.stderr()).toContain(
			'specsim: --enable-sleep-mode: /sleep, /wake_up and /is_sleeping are served only with VLLM_SERVER_DEV_MODE=1, as by vLLM\n',
		);
		const missing = await fetch(`${s.baseUrl}/sleep`, {method: 'POST'});
		expect(missing.status).toBe(404);
		expect(await s.stop()).toBe(0);
	});

	it('a scheduled --sleep holds a client request queued until the interval ends, then serves it', async () => {
		// Asleep from 0 to 100 virtual seconds at 50 virtual seconds per wall second: about 2 s of wall time.
		const s = await serve(['--speed', '50', '--sleep', '0s-100s', '--enable-per-request-metrics', '--start', '2026-01-01T00:00:00Z']);
		const pending = s.client.completions.create({model: MODEL, prompt: 'hi', max_tokens: 3});
		await waitFor(async () => ((await counter(s.baseUrl, 'vllm:num_requests_waiting_by_reason', 'reason="deferred"')) === 1 ? true : undefined));
		expect(await counter(s.baseUrl, 'vllm:engine_sleep_state', 'sleep_state="weights_offloaded"')).toBe(1);
		const out = (await pending) as OpenAI.Completion & {metrics: {queue_time_ms: number}};
		expect(out.choices[0]!.finish_reason).not.toBe('abort');
		// It arrived while the engine slept and was scheduled only at the wake-up, 100 virtual seconds in.
		expect(out.metrics.queue_time_ms).toBeGreaterThan(0);
		// The answer came after the wake-up: the virtual clock (`created` of /v1/models, from --start) is past 100 s.
		const models = (await (await fetch(`${s.baseUrl}/v1/models`)).json()) as {data: {created: number}[]};
		expect(models.data[0]!.created).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1) / 1000 + 100);
		expect(await counter(s.baseUrl, 'vllm:engine_sleep_state', 'sleep_state="awake"')).toBe(1);
		expect(await s.stop()).toBe(0);
	});
});
