/**
 * One process of the serve benchmark's streaming clients (`node --import tsx`, forked by
 * {@link measureStreams}): a share of the concurrent streaming clients, each streaming completions
 * back to back until the run ends. A thousand streams read by one Node process delay each other:
 * every chunk of every stream is a callback on one event loop, so the last stream read in a turn
 * waits for all the others, and that wait would be counted as the server's. Spread over several
 * processes, each reads fewer; each stream's first text is found in the raw bytes and the rest of
 * the stream is drained without being decoded or parsed (the measure needs only the first token).
 *
 * Messages: receives one {@link ClientsJob}, answers `{ready: true}`, starts on `'go'` (so that
 * every process sends its opening wave in the same instant) and answers one {@link ClientsResult}.
 */
import {Agent, request} from 'node:http';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {type ClientsJob, type ClientsMessage, type ClientsResult, monotonicOffsetMs, type StreamTiming} from './serve-protocol.js';
import {outputTokensOf} from './serve-shape.js';

/** The first event with generated text: a completion's `"text":"x` or a chat delta's `"content":"x` (not empty). */
const NEEDLES = [Buffer.from('"text":"'), Buffer.from('"content":"')];
const QUOTE = 0x22;

/** Does `data` hold a non-empty text or content field? */
function hasText(data: Buffer): boolean {
	for (const needle of NEEDLES) {
		let at = data.indexOf(needle);
		while (at !== -1) {
			const next = at + needle.length;
			if (next < data.length && data[next] !== QUOTE) return true;
			at = data.indexOf(needle, next);
		}
	}
	return false;
}

/** One streaming request; `firstMs` when the first event with text was read. */
function stream(agent: Agent, url: string, payload: string, tag: string): Promise<StreamTiming> {
	return new Promise(ok => {
		const startMs = performance.now();
		let firstMs = Number.NaN;
		let status = 0;
		const fail = (error: Error) => ok({tag, startMs, firstMs: Number.NaN, endMs: performance.now(), status: 0, error: error.message});
		const req = request(
			url,
			// The tag in a header too: the server child ties the response's socket to it (when its first text is written).
			{method: 'POST', agent, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-bench-tag': tag}},
			res => {
				status = res.statusCode ?? 0;
				let pending: Buffer | undefined;
				const onData = (chunk: Buffer) => {
					const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
					if (!hasText(data)) {
						pending = data;
						return;
					}
					firstMs = performance.now();
					pending = undefined;
					// The rest is drained unread: the stream keeps flowing without a listener.
					res.removeListener('data', onData);
				};
				res.on('data', onData);
				res.on('end', () => {
					const endMs = performance.now();
					ok({
						tag,
						startMs,
						firstMs: Number.isNaN(firstMs) ? endMs : firstMs,
						endMs,
						status,
					});
				});
				res.on('error', fail);
			},
		);
		req.on('error', fail);
		req.end(payload);
	});
}

/** Run `job`: its clients stream back to back for `durationS` from now. */
async function run(job: ClientsJob): Promise<ClientsResult> {
	const agent = new Agent({keepAlive: true, maxSockets: job.clients});
	const url = `${job.baseUrl}/v1/completions`;
	const timings: StreamTiming[] = [];
	const opening: string[] = [];
	const failed: string[] = [];
	const loop = monitorEventLoopDelay({resolution: 10});
	loop.enable();
	const cpuBefore = process.cpuUsage();
	const endAt = performance.now() + job.durationS * 1000;
	let i = 0;
	const client = async () => {
		let first = true;
		while (performance.now() < endAt) {
			const tag = `bench-${job.first + job.stride * i++}`;
			if (first) opening.push(tag);
			first = false;
			const payload = JSON.stringify({
				model: job.model,
				prompt: 'Write a haiku about speculative decoding.',
				max_tokens: outputTokensOf(job.shape, tag),
				ignore_eos: true,
				user: tag,
				stream: true,
			});
			const t = await stream(agent, url, payload, tag);
			if (t.status === 200) timings.push(t);
			else failed.push(t.error ?? `HTTP ${t.status}`);
		}
	};
	await Promise.all(Array.from({length: job.clients}, client));
	loop.disable();
	agent.destroy();
	const cpu = process.cpuUsage(cpuBefore);
	return {
		timings,
		opening,
		failed,
		loopDelayMs: {p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6},
		cpuMs: (cpu.user + cpu.system) / 1000,
		clockOffsetMs: monotonicOffsetMs(),
	};
}

let job: ClientsJob | undefined;
process.on('message', async (message: ClientsMessage) => {
	if (message === 'go') {
		const result = await run(job!);
		process.send!({result} satisfies ClientsMessage, () => process.disconnect());
	} else if (typeof message === 'object' && 'job' in message) {
		job = message.job;
		process.send!({ready: true} satisfies ClientsMessage);
	}
});
