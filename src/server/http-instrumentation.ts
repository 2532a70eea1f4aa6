import {type IncomingMessage, type Server, type ServerResponse, STATUS_CODES} from 'node:http';
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
	server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
		const started = performance.now();
		const url = request.url ?? '/';
		const path = url.split('?', 1)[0]!;
		const method = request.method ?? 'GET';
		const onAccessLine = options.onAccessLine;
		// Headers given to writeHead() directly (Hono's adapter does) are not visible to getHeader(): keep them.
		let headersGiven: unknown;
		const writeHead = response.writeHead;
		response.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
			headersGiven = typeof args[1] === 'string' ? (args as unknown[])[2] : args[1];
			const result = writeHead.apply(this, args);
			if (onAccessLine !== undefined) {
				const address = request.socket.remoteAddress ?? '';
				onAccessLine(formatAccessLine(`${address}:${request.socket.remotePort ?? 0}`, method, url, request.httpVersion, this.statusCode));
			}
			return result;
		} as ServerResponse['writeHead'];
		response.once('close', () => {
			const length = (value: unknown): number => {
				const n = Number(Array.isArray(value) ? value[0] : value);
				return Number.isFinite(n) && n >= 0 ? n : 0;
			};
			serverPromOf(options.registry())?.observeHttp({
				method,
				handler: routes.has(path) ? path : 'none',
				status: response.headersSent ? response.statusCode : 500,
				durationS: Math.max(0, (performance.now() - started) / 1000),
				requestBytes: length(request.headers['content-length']),
				// Hono's adapter may also set Node's internal `_contentLength`, which becomes the header.
				responseBytes: length(
					response.getHeader('content-length') ?? contentLength(headersGiven) ?? (response as {_contentLength?: number | null})._contentLength,
				),
				atS: options.nowS(),
			});
		});
	});
}

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
