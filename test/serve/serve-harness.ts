import OpenAI from 'openai';
import {afterEach} from 'vitest';
import {resolveSimConfig, type SimFlags} from '../../src/cli/sim-options.js';
import {DEFAULT_PRESET} from '../../src/config/load.js';
import type {Speed} from '../../src/runtime/runner.js';
import {Session, type SessionOptions} from '../../src/runtime/session.js';
import {type OpenAiServer, type OpenAiServerOptions, startOpenAiServer} from '../../src/server/openai-server.js';

export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

export type Running = {server: OpenAiServer; session: Session; client: OpenAI; done: Promise<void>};

/** Options of {@link startServe}: the server's, plus the runner's speed, the seed and a preset. */
export type StartOptions = Partial<OpenAiServerOptions> & {
	speed?: Speed;
	seed?: string;
	preset?: string;
	prefixCaching?: boolean;
	/** More command-line flags (faults: `errorRate`, `sleep`, ...). */
	flags?: Partial<SimFlags>;
	/** More session options (`kvCacheMetricsSample`, ...). */
	session?: SessionOptions;
};

const running: Running[] = [];

/**
 * A preset (the default one unless named) with no background traffic, served on a free port, its
 * runner going at `speed` (default max), with an openai SDK client. Closed after each test.
 */
export async function startServe(options: StartOptions = {}): Promise<Running> {
	const resolved = await resolveSimConfig({
		preset: options.preset ?? DEFAULT_PRESET,
		seed: options.seed ?? '0',
		...(options.prefixCaching === undefined ? {} : {enablePrefixCaching: options.prefixCaching}),
		...options.flags,
	});
	const session = new Session(resolved.config, {
		...options.session,
		seed: resolved.seed,
		speed: options.speed ?? 'max',
		waitWhenIdle: true,
		traceLines: [],
	});
	const server = await startOpenAiServer(session, {port: 0, servedModelNames: [MODEL], modelPath: MODEL, ...options});
	const done = session.runner.run();
	const client = new OpenAI({baseURL: `${server.baseUrl}/v1`, apiKey: options.apiKey ?? 'unused', maxRetries: 0});
	const r = {server, session, client, done};
	running.push(r);
	return r;
}

afterEach(async () => {
	for (const r of running.splice(0)) {
		await r.server.close();
		r.session.runner.stop();
		await r.done;
	}
});

/** A metric's value summed over its series matching `labels` (a substring of the label set) in a text exposition. */
export async function counter(baseUrl: string, name: string, labels = ''): Promise<number> {
	const text = await (await fetch(`${baseUrl}/metrics`)).text();
	let sum = 0;
	for (const line of text.split('\n')) {
		if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `))) continue;
		if (labels !== '' && !line.includes(labels)) continue;
		sum += Number(line.slice(line.lastIndexOf(' ') + 1));
	}
	return sum;
}

/** The `data:` payloads of a raw SSE body, in order. */
export function sseData(body: string): string[] {
	if (!body.endsWith('\n\n')) throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(body.slice(-40))}`);
	return body
		.slice(0, -2)
		.split('\n\n')
		.map(event => {
			if (!event.startsWith('data: ')) throw new Error(`not a data event: ${event}`);
			return event.slice('data: '.length);
		});
}
