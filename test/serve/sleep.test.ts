import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {readProcessStats} from '../../src/server/process-stats.js';
import {counter, MODEL, type Running, type StartOptions, startServe as startHarness} from './serve-harness.js';

/** A server with vLLM's dev-mode sleep endpoints and sleep mode on, the API server's families, and its log. */
async function startServe(options: StartOptions = {}): Promise<Running & {log: string[]}> {
	const log: string[] = [];
	const r = await startHarness({
		devMode: true,
		enableSleepMode: true,
		// A fault section (no fault in it) gives the simulation the injector that sleeps and wakes, as serve's --enable-sleep-mode does.
		flags: {errorRate: '0'},
		onLogLine: line => log.push(line),
		session: {server: {readProcess: readProcessStats}},
		...options,
	});
	r.session.subscribe({onLogLine: (_engine, _t, line) => log.push(line.message)});
	return {...r, log};
}

const post = (r: Running, path: string) => fetch(`${r.server.baseUrl}${path}`, {method: 'POST'});
const isSleeping = async (r: Running) => (await (await fetch(`${r.server.baseUrl}/is_sleeping`)).json()) as {is_sleeping: boolean};
const gauge = (r: Running, state: string) => counter(r.server.baseUrl, 'vllm:engine_sleep_state', `sleep_state="${state}"`);

async function until(read: () => Promise<boolean> | boolean): Promise<void> {
	while (!(await read())) await new Promise(resolve => setTimeout(resolve, 10));
}

describe("specsim serve: vLLM's sleep-mode endpoints (/sleep, /wake_up, /is_sleeping)", () => {
	it('sleep level 1: 200 with no body, is_sleeping, the gauge and the log lines; a request queues until /wake_up, then runs', async () => {
		const r = await startServe();
		expect(await isSleeping(r)).toEqual({is_sleeping: false});
		expect(await gauge(r, 'awake')).toBe(1);
		const sleep = await post(r, '/sleep?level=1');
		expect(sleep.status).toBe(200);
		expect(await sleep.text()).toBe('');
		expect(await isSleeping(r)).toEqual({is_sleeping: true});
		expect(await gauge(r, 'awake')).toBe(0);
		expect(await gauge(r, 'weights_offloaded')).toBe(1);
		expect(r.log).toEqual([
			'Successfully reset prefix cache',
			expect.stringMatching(/^Sleep mode freed \d+\.\d\d GiB memory, 1\.38 GiB memory is still in use\.$/),
			expect.stringMatching(/^It took \d+\.\d{6} seconds to fall asleep\.$/),
		]);
		// The engine admits nothing while asleep: the request waits, deferred, and is not answered.
		let answered = false;
		const pending = r.client.completions.create({model: MODEL, prompt: 'hi', max_tokens: 5}).then(out => {
			answered = true;
			return out;
		});
		await until(async () => (await counter(r.server.baseUrl, 'vllm:num_requests_waiting_by_reason', 'reason="deferred"')) === 1);
		expect(answered).toBe(false);
		const wake = await post(r, '/wake_up');
		expect(wake.status).toBe(200);
		expect(await wake.text()).toBe('');
		const out = await pending;
		expect(out.choices[0]!.finish_reason).not.toBe('abort');
		expect(await isSleeping(r)).toEqual({is_sleeping: false});
		expect(await gauge(r, 'awake')).toBe(1);
		expect(await gauge(r, 'weights_offloaded')).toBe(0);
		// vLLM's API server times each call in vllm:sleep_mode_operation_duration_seconds.
		expect(await counter(r.server.baseUrl, 'vllm:sleep_mode_operation_duration_seconds_count', 'operation="sleep"')).toBe(1);
		expect(await counter(r.server.baseUrl, 'vllm:sleep_mode_operation_duration_seconds_count', 'operation="wake"')).toBe(1);
		expect(r.log.slice(3)).toEqual([
			expect.stringMatching(/^INFO \d\d-\d\d \d\d:\d\d:\d\d \[api_router\.py:38\] wake up the engine with tags: None$/),
			expect.stringMatching(/^It took \d+\.\d{6} seconds to wake up tags \{'weights', 'kv_cache'\}\.$/),
		]);
	});

	it('mode=abort (the default) aborts requests in flight: a stream ends with finish_reason abort', async () => {
		const r = await startServe({speed: 1});
		const stream = await r.client.completions.create({
			model: MODEL,
			prompt: 'long',
			max_tokens: 3000,
			ignore_eos: true,
			stream: true,
		} as OpenAI.CompletionCreateParamsStreaming);
		const reasons: (string | null)[] = [];
		let chunks = 0;
		for await (const chunk of stream) {
			reasons.push(chunk.choices[0]?.finish_reason ?? null);
			if (++chunks === 2) expect((await post(r, '/sleep?level=2')).status).toBe(200);
		}
		expect(reasons.at(-1)).toBe('abort');
		expect(await gauge(r, 'discard_all')).toBe(1);
		expect(await counter(r.server.baseUrl, 'vllm:request_success_total', 'finished_reason="abort"')).toBe(1);
	});

	it('mode=wait: /sleep returns once the running request has finished, which it does normally', async () => {
		// Events, not wall time: the request is long (16,000 tokens, about 40 virtual seconds at speed 1),
		// so it is still running when /sleep arrives however loaded the machine; once the sleep call has
		// begun draining, the clock goes to max speed and the request runs to its end.
		const r = await startServe({speed: 1});
		const engine = r.session.built.engines[0]!;
		let generating = false;
		const firstToken = new Promise<void>(resolve => {
			r.session.subscribe({
				onStep: () => {
					if (generating || ![...engine.requests()].some(q => q.numOutputTokens > 0)) return;
					generating = true;
					resolve();
				},
			});
		});
		const sleepBegan = new Promise<void>(resolve => {
			r.session.subscribe({onSleepOperation: (operation, _t, phase) => operation === 'sleep' && phase === 'begin' && resolve()});
		});
		const pending = r.client.completions.create({
			model: MODEL,
			prompt: 'wait for me',
			max_tokens: 16_000,
			ignore_eos: true,
		} as OpenAI.CompletionCreateParamsNonStreaming);
		await firstToken;
		let returned = false;
		const sleep = post(r, '/sleep?level=1&mode=wait').then(response => {
			returned = true;
			return response;
		});
		await sleepBegan;
		// Draining: the request still runs, the call has not returned.
		expect(r.server.engine.numInFlight).toBe(1);
		expect(r.session.built.simulation.sleepState()).toEqual({sleeping: true, draining: true});
		expect(returned).toBe(false);
		r.session.runner.setSpeed('max');
		expect((await sleep).status).toBe(200);
		// The call returned only once the engine had finished the request (nothing in flight), with all its tokens.
		expect(r.server.engine.numInFlight).toBe(0);
		expect(engine.numRunning).toBe(0);
		const out = await pending;
		expect(out.choices[0]!.finish_reason).toBe('length');
		expect(out.usage!.completion_tokens).toBe(16_000);
		expect(await isSleeping(r)).toEqual({is_sleeping: true});
	});

	it('level 2, then /wake_up?tags=weights keeps it asleep; ?tags=kv_cache wakes it', async () => {
		const r = await startServe();
		await post(r, '/sleep?level=2');
		await post(r, '/wake_up?tags=weights');
		expect(await isSleeping(r)).toEqual({is_sleeping: true});
		expect(await gauge(r, 'discard_all')).toBe(1);
		await post(r, '/wake_up?tags=kv_cache');
		expect(await isSleeping(r)).toEqual({is_sleeping: false});
		expect(await gauge(r, 'awake')).toBe(1);
		expect(r.log.slice(3)).toEqual([
			expect.stringMatching(/\[api_router\.py:38\] wake up the engine with tags: \['weights'\]$/),
			"It took 0.050000 seconds to wake up tags ['weights'].",
			expect.stringMatching(/\[api_router\.py:38\] wake up the engine with tags: \['kv_cache'\]$/),
			"It took 0.050000 seconds to wake up tags ['kv_cache'].",
		]);
		// Sleeping twice or waking an awake engine is a no-op, as in vLLM.
		expect((await post(r, '/wake_up')).status).toBe(200);
		expect(await gauge(r, 'awake')).toBe(1);
	});

	it("bad parameters get vLLM's 400 JSON naming the parameter; without --enable-sleep-mode /sleep is refused", async () => {
		const r = await startServe();
		for (const [path, param, message] of [
			['/sleep?level=3', 'level', 'level must be 1 or 2, got "3"'],
			['/sleep?level=0', 'level', 'level 0 (pause scheduling without sleeping) is not simulated: use level 1 or 2'],
			['/sleep?mode=keep', 'mode', 'mode "keep" is not simulated: use abort or wait'],
			['/sleep?mode=later', 'mode', 'mode must be abort or wait, got "later"'],
			['/wake_up?tags=gpu', 'tags', 'unknown tag "gpu": the tags are weights and kv_cache'],
		] as const) {
			const response = await post(r, path);
			expect(response.status).toBe(400);
			expect(await response.json()).toEqual({error: {message, type: 'BadRequestError', param, code: 400}});
		}
		expect(await isSleeping(r)).toEqual({is_sleeping: false});
		const off = await startServe({enableSleepMode: false});
		const refused = await post(off, '/sleep');
		expect(refused.status).toBe(400);
		expect(((await refused.json()) as {error: {message: string}}).error.message).toBe(
			'Sleep mode is not enabled: start specsim serve with --enable-sleep-mode',
		);
		// Without dev mode the endpoints do not exist: FastAPI's 404.
		const plain = await startServe({devMode: false});
		const missing = await post(plain, '/sleep');
		expect(missing.status).toBe(404);
		expect(await missing.json()).toEqual({detail: 'Not Found'});
	});
});
