import type {ServerResponse} from 'node:http';
import type {Socket} from 'node:net';

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

/**
 * Writers in the order they were queued. Emptied by count, its slots cleared, not by setting an
 * array's length to 0, which drops its backing store: 256 running streams a step grew a new one
 * in about ten allocations every step (about 6 kB).
 */
class WriterQueue {
	readonly #writers: Array<SseWriter | undefined> = [];
	length = 0;

	push(writer: SseWriter): void {
		this.#writers[this.length++] = writer;
	}

	at(i: number): SseWriter {
		return this.#writers[i]!;
	}

	/** Keep the first `length` writers (the slots after them cleared). */
	truncate(length: number): void {
		const writers = this.#writers;
		for (let i = length; i < this.length; i++) writers[i] = undefined;
		this.length = length;
	}

	/** Replace writer `i`. */
	set(i: number, writer: SseWriter): void {
		this.#writers[i] = writer;
	}
}

/**
 * Streams with frames queued in the current turn of the event loop: those whose first frames
 * these are (a stream's first token), then the others.
 */
const queuedFirst = new WriterQueue();
const queued = new WriterQueue();
let flushScheduled = false;

/**
 * Write every queued stream's frames: one write (or `end`) per connection, each a system call
 * however many frames (engine steps, choices) it collected. Streams sending their first frames go
 * first: a step's writes take a while (one system call per connection: 256 running streams take
 * a few milliseconds), and a stream's first token waits for the writes before it, all of which
 * count as added time to first token; the running streams behind them wait as long every step,
 * so their inter-token times do not change.
 */
function flushQueued(): void {
	// A flush cannot queue more frames (writes report errors asynchronously), but stay correct if one did.
	for (let i = 0; i < queuedFirst.length; i++) queuedFirst.at(i).flush();
	queuedFirst.truncate(0);
	for (let i = 0; i < queued.length; i++) queued.at(i).flush();
	queued.truncate(0);
	flushScheduled = false;
}

/**
 * Write the queued first frames now, not at the end of the turn: the serve engine calls this in
 * the middle of a step's report, once the requests whose first tokens the step carries have
 * queued theirs, so they go out before the running streams' chunks are built and before the
 * engine schedules its next step. A stream whose head is not sent yet (its request is still being
 * started) stays queued for the turn's flush.
 */
export function flushFirstFrames(): void {
	let kept = 0;
	for (let i = 0; i < queuedFirst.length; i++) {
		const writer = queuedFirst.at(i);
		if (writer.begun) writer.flush();
		else queuedFirst.set(kept++, writer);
	}
	queuedFirst.truncate(kept);
}

/** What Node's `ServerResponse` keeps about its connection and body encoding (not in its typings). */
type ResponseInternals = {readonly chunkedEncoding?: boolean; readonly socket: (Socket & {readonly _httpMessage?: unknown}) | null};

/**
 * Write `data` as one HTTP/1.1 chunk straight to the response's socket (`SIZE\r\nDATA\r\n`, SIZE
 * its UTF-8 length in hex, as Node frames it): one `write` of one string, which the socket hands
 * to the kernel at once. `ServerResponse.write` would send the same bytes through three buffers
 * (size line, data, CRLF), cork the socket and uncork it on the next tick: about a third of the
 * CPU time of a stream's writes, for nothing a client sees. Falls back to `write` whenever the
 * response is not in the state this needs: head sent, chunked, not ended, and owning its socket
 * (a pipelined response waits for the one before it).
 */
function writeChunk(res: ServerResponse, data: string, utf8Length: number): void {
	const {chunkedEncoding, socket} = res as unknown as ResponseInternals;
	if (chunkedEncoding === true && res.headersSent && !res.writableEnded && socket !== null && socket._httpMessage === res && socket.writable)
		socket.write(`${chunkSizeLine(Number.isNaN(utf8Length) ? Buffer.byteLength(data) : utf8Length)}${data}\r\n`);
	else res.write(data);
}

/** `SIZE\r\n` of the chunk sizes met so far below {@link SIZE_LINES_CACHED}. */
const sizeLines: string[] = [];
/** A step's chunk is a few hundred bytes: the size lines of every chunk up to 4 KiB are kept. */
const SIZE_LINES_CACHED = 4096;

/**
 * An HTTP/1.1 chunk's size line, `SIZE\r\n` (SIZE in hex): made once per size, where it cost every
 * write a number's string and a short string joined to it.
 */
function chunkSizeLine(utf8Length: number): string {
	if (utf8Length >= SIZE_LINES_CACHED) return `${utf8Length.toString(16)}\r\n`;
	let line = sizeLines[utf8Length];
	if (line === undefined) line = sizeLines[utf8Length] = `${utf8Length.toString(16)}\r\n`;
	return line;
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
	/** The UTF-8 length of {@link #pending} when every event's data came with its own, else NaN. */
	#pendingBytes = 0;
	#queued = false;
	/** Frames have been written (the next ones are not the stream's first). */
	#wrote = false;
	#ending = false;
	#closed = false;
	#begun = false;

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
		this.#begun = true;
		res.once('close', () => {
			this.#closed = true;
			this.#pending = '';
			this.#pendingBytes = 0;
			if (!res.writableFinished) onClientGone();
		});
	}

	/** The head has been sent ({@link begin}). */
	get begun(): boolean {
		return this.#begun;
	}

	/** The connection closed before the stream ended (possibly before this writer existed). */
	get clientGone(): boolean {
		return this.#closed || this.#res.destroyed || this.#res.socket?.destroyed !== false;
	}

	/**
	 * Queue the event `data: DATA`; dropped once the stream ended or the client left. `utf8Length`,
	 * DATA's UTF-8 length when the caller knows it: measuring a string built of pieces copies it
	 * into one flat string first (`Buffer.byteLength`), garbage made at every chunk of every stream.
	 */
	send(data: string, utf8Length?: number): void {
		if (this.#closed || this.#ending) return;
		this.#pending += `data: ${data}\n\n`;
		// `data: ` and the blank line: 8 bytes.
		this.#pendingBytes += (utf8Length ?? Number.NaN) + 8;
		this.#queue();
	}

	/**
	 * Queue a whole event, `data: DATA\n\n` as {@link send} makes it, `utf8Length` bytes long: a
	 * chunk format that builds its event from pieces made once (`data: ` with the chunk's head, the
	 * blank line with its tail) saves the two joins {@link send} makes per frame.
	 */
	sendEvent(event: string, utf8Length: number): void {
		if (this.#closed || this.#ending) return;
		this.#pending += event;
		this.#pendingBytes += utf8Length;
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
		(this.#wrote ? queued : queuedFirst).push(this);
		if (flushScheduled) return;
		flushScheduled = true;
		queueMicrotask(flushQueued);
	}

	/** @internal Write what is queued (called by the turn's flush). */
	flush(): void {
		this.#queued = false;
		if (this.#closed) return;
		const data = this.#pending;
		const utf8Length = this.#pendingBytes;
		this.#pending = '';
		this.#pendingBytes = 0;
		if (data !== '') this.#wrote = true;
		if (this.#ending) this.#res.end(data);
		else if (data !== '') writeChunk(this.#res, data, utf8Length);
	}
}
