import {type IncomingMessage, type Server, ServerResponse, STATUS_CODES} from 'node:http';
import type {Registry} from 'prom-client';
import {serverPromOf} from '../metrics/prom/server-prom.js';

/** Options of {@link instrumentHttpServer}. */
export type HttpInstrumentationOptions = {
	/** The paths the server routes; any other path is counted under the handler `none` (an untemplated route). */
	readonly routes: readonly string[];
	/** The registry to count into, read at each response (a restarted session swaps it). */
	readonly registry: () => Registry;
	/** Unix seconds now, for the `_created` of a series a request creates (the session's clock). */
	readonly nowS: () => number;
	/** Receives each uvicorn access line (no newline) when the response's headers are sent. */
	readonly onAccessLine?: (line: string) => void;
};

/** Python's `http.HTTPStatus(code).phrase` where it differs from Node's `STATUS_CODES`. */
const PYTHON_PHRASES: Readonly<Record<number, string>> = {
	413: 'Request Entity Too Large',
	414: 'Request-URI Too Long',
	416: 'Requested Range Not Satisfiable',
};

/**
 * uvicorn's access line (`uvicorn.logging.AccessFormatter`, no colours):
 * `INFO:     127.0.0.1:54321 - "POST /v1/chat/completions HTTP/1.1" 200 OK`.
 */
export function formatAccessLine(clientAddress: string, method: string, pathWithQuery: string, httpVersion: string, status: number): string {
	const phrase = PYTHON_PHRASES[status] ?? STATUS_CODES[status] ?? '';
	return `INFO:     ${clientAddress} - "${method} ${pathWithQuery} HTTP/${httpVersion}" ${status} ${phrase}`;
}

/**
 * Instrument a Node HTTP server as vLLM's API server is: prometheus-fastapi-instrumentator's
 * middleware counts every response into the `http_*` families of the current registry (excluded
 * handlers aside; a response the client abandoned before its headers counts as 500, as the
 * middleware's default), and uvicorn prints an access line when a response starts. Runs before the
 * server's own request handler, so it sees every response.
 */
export function instrumentHttpServer(server: Server, options: HttpInstrumentationOptions): void {
	const routes = new Set(options.routes);
	const onAccessLine = options.onAccessLine;
	/**
	 * Each response's `writeHead` and `close` listener are these two functions, shared by every
	 * response (what they need of the request is its {@link ResponseRecord}): closures made per
	 * request (with a `once` wrapper) were kept, with the scope they shared, for as long as each
	 * response lives, a stream's whole life.
	 */
	const instrumentedWriteHead = function (this: InstrumentedResponse, ...args: Parameters<ServerResponse['writeHead']>) {
		const record = this[RECORD]!;
		record.headersGiven = typeof args[1] === 'string' ? (args as unknown[])[2] : args[1];
		const result = ServerResponse.prototype.writeHead.apply(this, args);
		if (onAccessLine !== undefined) {
			const request = record.request;
			const address = request.socket.remoteAddress ?? '';
			onAccessLine(formatAccessLine(`${address}:${request.socket.remotePort ?? 0}`, record.method, record.url, request.httpVersion, this.statusCode));
		}
		return result;
	} as ServerResponse['writeHead'];
	function onClose(this: InstrumentedResponse): void {
		const {request, method, url, started, headersGiven} = this[RECORD]!;
		const path = url.split('?', 1)[0]!;
		serverPromOf(options.registry())?.observeHttp({
			method,
			handler: routes.has(path) ? path : 'none',
			status: this.headersSent ? this.statusCode : 500,
			durationS: Math.max(0, (performance.now() - started) / 1000),
			requestBytes: length(request.headers['content-length']),
			// Hono's adapter may also set Node's internal `_contentLength`, which becomes the header.
			responseBytes: length(
				this.getHeader('content-length') ?? contentLength(headersGiven) ?? (this as {_contentLength?: number | null})._contentLength,
			),
			atS: options.nowS(),
		});
	}
	server.prependListener('request', (request: IncomingMessage, response: InstrumentedResponse) => {
		response[RECORD] = {request, method: request.method ?? 'GET', url: request.url ?? '/', started: performance.now(), headersGiven: undefined};
		// Headers given to writeHead() directly (Hono's adapter does) are not visible to getHeader(): keep them.
		response.writeHead = instrumentedWriteHead;
		response.on('close', onClose);
	});
}

/** A byte count from a header's value (the first of a list), 0 when it is none. */
function length(value: unknown): number {
	const n = Number(Array.isArray(value) ? value[0] : value);
	return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** What the instrumentation keeps of a request on its response. */
type ResponseRecord = {
	readonly request: IncomingMessage;
	readonly method: string;
	readonly url: string;
	/** When the request came (`performance.now`). */
	readonly started: number;
	/** The headers given to `writeHead`, once called. */
	headersGiven: unknown;
};
const RECORD = Symbol('http-instrumentation');
type InstrumentedResponse = ServerResponse & {[RECORD]?: ResponseRecord};

/** The Content-Length among headers passed to `writeHead` (an object, or a flat name/value array). */
function contentLength(headers: unknown): unknown {
	if (Array.isArray(headers)) {
		for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === 'content-length') return headers[i + 1];
		return undefined;
	}
	if (typeof headers !== 'object' || headers === null) return undefined;
	for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === 'content-length') return value;
	return undefined;
}
