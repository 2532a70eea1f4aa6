import {ServerResponse} from 'node:http';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import {Session} from '../../src/runtime/session.js';
import {startOpenAiServer} from '../../src/server/openai-server.js';
import {sseData} from '../serve/serve-harness.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
	vi.restoreAllMocks();
	for (const stop of stops.splice(0)) await stop();
});

describe('serve: SSE writes', () => {
	it("a turn's engine steps reach the socket in one write: at --speed max a 300-token stream is a handful of writes, not one per chunk", async () => {
		const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '0'});
		const session = new Session(resolved.config, {seed: resolved.seed, speed: 'max', waitWhenIdle: true, traceLines: []});
		const server = await startOpenAiServer(session, {port: 0, servedModelNames: [MODEL], modelPath: MODEL});
		const done = session.runner.run();
		stops.push(async () => {
			await server.close();
			session.runner.stop();
			await done;
		});
		// Every write and end of a response body in this process (the server runs in it).
		const write = vi.spyOn(ServerResponse.prototype, 'write');
		const end = vi.spyOn(ServerResponse.prototype, 'end');
		const response = await fetch(`${server.baseUrl}/v1/completions`, {
			method: 'POST',
			headers: {'content-type': 'application/json'},
			body: JSON.stringify({prompt: 'count', max_tokens: 300, ignore_eos: true, stream: true}),
		});
		const events = sseData(await response.text());
		// One chunk per engine step (1 to k+1 tokens each), then [DONE].
		expect(events.length).toBeGreaterThan(75);
		// At max speed the runner simulates up to 2 virtual seconds per turn: the whole stream is
		// one or two turns, so one or two writes and the end, however many chunks.
		expect(write.mock.calls.length + end.mock.calls.length).toBeLessThanOrEqual(4);
	});
});
