import type {ServerResponse} from 'node:http';

/**
 * The head of every stream: what the first transport (Hono's `streamSSE`) sent, with Starlette's
 * charset on the media type as vLLM's `StreamingResponse` has it.
 */
const SSE_HEAD = {
	'cache-control': 'no-cache',
	connection: 'keep-alive',
	'content-type': 'text/event-stream; charset=utf-8',
	'transfer-encoding': 'chunked',
} as const;

/** Streams with frames queued in the current turn of the event loop. */
const queued: SseWriter[] = [];
let flushScheduled = false;

/**
 * Write every queued stream's frames: one `write` (or `end`) per connection. Node corks a socket
 * on a response's first write and uncorks it on the next tick, so each connection costs one
 * system call however many frames (engine steps, choices) it collected.
 */
function flushQueued(): void {
	// A flush cannot queue more frames (writes report errors asynchronously), but stay correct if one did.
	for (let i = 0; i < queued.length; i++) queued[i]!.flush();
	queued.length = 0;
	flushScheduled = false;
}

/**
 * A Server-Sent Events response written straight to Node's `ServerResponse`, without the Web
 * Streams (`ReadableStream`, `TransformStream`, `TextEncoder`) a fetch-style `Response` goes
 * through: frames are appended to a string and written together at the end of the current turn
 * (a microtask), so every engine step that ran in one turn (a runner tick, or the catch-up a new
 * request triggers) costs each connection one write, and a frame costs no promise.
 */
export class SseWriter {
	readonly #res: ServerResponse;
	#pending = '';
	#queued = false;
	#ending = false;
	#closed = false;

	/** Frames sent before {@link begin} wait for it (they go out in the same flush). */
	constructor(res: ServerResponse) {
		this.#res = res;
	}

	/**
	 * Send the response head now (a client sees the stream open before the first token, as from
	 * vLLM). `onClientGone` runs once if the connection closes before the stream ends.
	 */
	begin(onClientGone: () => void): void {
		const res = this.#res;
		res.writeHead(200, SSE_HEAD);
		res.flushHeaders();
		res.once('close', () => {
			this.#closed = true;
			this.#pending = '';
			if (!res.writableFinished) onClientGone();
		});
	}

	/** The connection closed before the stream ended (possibly before this writer existed). */
	get clientGone(): boolean {
		return this.#closed || this.#res.destroyed || this.#res.socket?.destroyed !== false;
	}

	/** Queue the event `data: DATA`; dropped once the stream ended or the client left. */
	send(data: string): void {
		if (this.#closed || this.#ending) return;
		this.#pending += `data: ${data}\n\n`;
		this.#queue();
	}

	/** End the response after the frames queued so far. */
	end(): void {
		if (this.#closed || this.#ending) return;
		this.#ending = true;
		this.#queue();
	}

	#queue(): void {
		if (this.#queued) return;
		this.#queued = true;
		queued.push(this);
		if (flushScheduled) return;
		flushScheduled = true;
		queueMicrotask(flushQueued);
	}

	/** @internal Write what is queued (called by the turn's flush). */
	flush(): void {
		this.#queued = false;
		if (this.#closed) return;
		const data = this.#pending;
		this.#pending = '';
		if (this.#ending) this.#res.end(data);
		else if (data !== '') this.#res.write(data);
	}
}
