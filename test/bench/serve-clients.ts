/**
 * One process of the serve benchmark's streaming clients (`node --import tsx`, forked by
 * {@link measureStreams}): a share of the concurrent streaming clients, each streaming completions
 * back to back until the run ends. Each stream's first text is found in the raw bytes and the rest
 * of the stream is drained without being decoded or parsed (the measure needs only the first
 * token). The bench runs one such process by default (see `DEFAULT_CLIENT_PROCESSES`): on the one
 * core the clients have, several processes wait for each other's time slices.
 *
 * Messages: receives one {@link ClientsJob}, answers `{ready: true}`, starts on `'go'` (so that
 * every process sends its opening wave in the same instant) and answers one {@link ClientsResult}.
 */
import {Agent, request} from 'node:http';
import {connect, type Socket} from 'node:net';
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

const CRLF = Buffer.from('\r\n');
/** Where every raw connection's reads land (see {@link RawConnection}). */
const READ_BUFFER = Buffer.alloc(256 * 1024);
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One client's raw keep-alive connection (the `net` reader, see {@link BenchClient}): a request is
 * one `write` of its head and body, `startMs` taken just before it; the response is parsed as it
 * comes (status line, head, then either `content-length` bytes or HTTP/1.1 chunks up to the last,
 * empty one), the stream's first text found in the chunks' bytes as the `http` reader finds it.
 * The connection is opened on first use and again after the server closed it.
 */
class RawConnection {
	readonly #host: string;
	readonly #port: number;
	#socket: Socket | undefined;
	#connected: Promise<void> | undefined;
	#rest: Buffer | undefined;
	#current: {tag: string; startMs: number; done: (t: StreamTiming) => void} | undefined;
	#state: 'head' | 'size' | 'data' | 'trailer' | 'body' = 'head';
	#status = 0;
	#remaining = 0;
	#firstMs = Number.NaN;
	#pending: Buffer | undefined;

	constructor(baseUrl: string) {
		const url = new URL(baseUrl);
		this.#host = url.hostname;
		this.#port = Number(url.port);
	}

	async stream(path: string, payload: string, tag: string): Promise<StreamTiming> {
		if (this.#socket === undefined) await this.#connect();
		const body = Buffer.from(payload);
		const head = `POST ${path} HTTP/1.1\r\nhost: ${this.#host}:${this.#port}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nx-bench-tag: ${tag}\r\n\r\n`;
		const bytes = Buffer.concat([Buffer.from(head, 'latin1'), body]);
		return new Promise(ok => {
			this.#state = 'head';
			this.#status = 0;
			this.#firstMs = Number.NaN;
			this.#pending = undefined;
			const startMs = performance.now();
			this.#current = {tag, startMs, done: ok};
			this.#socket!.write(bytes);
		});
	}

	#connect(): Promise<void> {
		this.#connected ??= new Promise((ok, fail) => {
			// `onread`: each read lands in one buffer shared by the process' connections (it is parsed at
			// once), with no `Readable` stream, no 'data' event and no buffer allocated per read.
			const socket = connect({
				host: this.#host,
				port: this.#port,
				noDelay: true,
				onread: {
					buffer: READ_BUFFER,
					callback: (n: number, buffer: Uint8Array) => {
						this.#read(Buffer.from(buffer.buffer, buffer.byteOffset, n));
						return true;
					},
				},
			});
			socket.once('connect', () => {
				this.#socket = socket;
				ok();
			});
			const gone = (error?: Error) => {
				this.#socket = undefined;
				this.#connected = undefined;
				this.#rest = undefined;
				const current = this.#current;
				this.#current = undefined;
				const message = error?.message ?? 'connection closed';
				current?.done({tag: current.tag, startMs: current.startMs, firstMs: Number.NaN, endMs: performance.now(), status: 0, error: message});
				fail(error ?? new Error(message));
			};
			socket.once('error', gone);
			socket.once('close', () => gone());
		});
		return this.#connected;
	}

	#read(data: Buffer): void {
		let buf = this.#rest === undefined ? data : Buffer.concat([this.#rest, data]);
		this.#rest = undefined;
		while (buf.length > 0 && this.#current !== undefined) {
			if (this.#state === 'head') {
				const end = buf.indexOf(HEAD_END);
				if (end === -1) break;
				const head = buf.toString('latin1', 0, end).toLowerCase();
				this.#status = Number(head.slice(9, 12));
				const length = /\r\ncontent-length: *([0-9]+)/.exec(head);
				buf = buf.subarray(end + HEAD_END.length);
				if (length !== null) {
					this.#state = 'body';
					this.#remaining = Number(length[1]);
					if (this.#remaining === 0) this.#finish();
				} else this.#state = 'size';
			} else if (this.#state === 'size' || this.#state === 'trailer') {
				const end = buf.indexOf(CRLF);
				if (end === -1) break;
				const size = this.#state === 'size' ? Number.parseInt(buf.toString('latin1', 0, end), 16) : 0;
				buf = buf.subarray(end + CRLF.length);
				if (this.#state === 'trailer') this.#finish();
				else if (size === 0) this.#state = 'trailer';
				else {
					this.#state = 'data';
					this.#remaining = size + CRLF.length;
				}
			} else {
				const take = Math.min(this.#remaining, buf.length);
				if (Number.isNaN(this.#firstMs)) this.#look(buf.subarray(0, take));
				this.#remaining -= take;
				buf = buf.subarray(take);
				if (this.#remaining === 0) {
					if (this.#state === 'body') this.#finish();
					else this.#state = 'size';
				}
			}
		}
		if (buf.length > 0) this.#rest = Buffer.from(buf);
	}

	/** Look for the first text in a stretch of the body (with what came before it in the same response, if no text yet). */
	#look(data: Buffer): void {
		const all = this.#pending === undefined ? data : Buffer.concat([this.#pending, data]);
		if (hasText(all)) {
			this.#firstMs = performance.now();
			this.#pending = undefined;
		} else this.#pending = Buffer.from(all);
	}

	#finish(): void {
		const current = this.#current!;
		this.#current = undefined;
		this.#state = 'head';
		const endMs = performance.now();
		current.done({
			tag: current.tag,
			startMs: current.startMs,
			firstMs: Number.isNaN(this.#firstMs) ? endMs : this.#firstMs,
			endMs,
			status: this.#status,
		});
	}

	close(): void {
		this.#socket?.destroy();
	}
}

/** Run `job`: its clients stream back to back for `durationS` from now. */
async function run(job: ClientsJob): Promise<ClientsResult> {
	const agent = new Agent({keepAlive: true, maxSockets: job.clients});
	const url = `${job.baseUrl}/v1/completions`;
	const connections: RawConnection[] = [];
	const timings: StreamTiming[] = [];
	const opening: string[] = [];
	const failed: string[] = [];
	const loop = monitorEventLoopDelay({resolution: 10});
	loop.enable();
	const cpuBefore = process.cpuUsage();
	const endAt = performance.now() + job.durationS * 1000;
	let i = 0;
	const client = async () => {
		const raw = job.client === 'net' ? new RawConnection(job.baseUrl) : undefined;
		if (raw !== undefined) connections.push(raw);
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
			const t = raw === undefined ? await stream(agent, url, payload, tag) : await raw.stream('/v1/completions', payload, tag);
			if (t.status === 200) timings.push(t);
			else failed.push(t.error ?? `HTTP ${t.status}`);
		}
	};
	await Promise.all(Array.from({length: job.clients}, client));
	loop.disable();
	agent.destroy();
	for (const connection of connections) connection.close();
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
