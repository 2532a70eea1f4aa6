import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {Registry} from 'prom-client';
import {OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, renderOpenMetrics, renderText} from '../metrics/prom/exposition.js';
import {EXIT_RUNTIME, UserError} from '../util/user-error.js';
import {instrumentHttpServer} from './http-instrumentation.js';
import {prefersOpenMetrics} from './negotiate.js';

/**
 * What `/metrics` exposes. Read at every scrape, never cached, so a restarted session (a new
 * registry and a new `_created` time) is what the next scrape sees. `Session` satisfies it.
 */
export type MetricsSource = {
	readonly registry: Registry;
	/** `_created` of every counter and histogram child, in Unix seconds. */
	readonly createdS: number | undefined;
};

/** Options of {@link startMetricsServer}. */
export type MetricsServerOptions = {
	/** @default '127.0.0.1' */
	readonly host?: string;
	/** 0 picks a free port (read it back from {@link MetricsServer.port}). @default 8000 */
	readonly port?: number;
	/** Receives uvicorn's access line of each response (vLLM's server log prints them). */
	readonly onAccessLine?: (line: string) => void;
	/** Unix seconds now, for the `_created` of HTTP series (the session's clock). @default the wall clock */
	readonly nowS?: () => number;
};

/** A listening `/metrics` server. */
export type MetricsServer = {
	readonly host: string;
	/** The port actually bound (the chosen one when 0 was asked for). */
	readonly port: number;
	/** `http://HOST:PORT` (IPv6 hosts in brackets). */
	readonly baseUrl: string;
	/** `http://HOST:PORT/metrics`. */
	readonly metricsUrl: string;
	/** Stop listening and drop open (keep-alive) connections. Idempotent. */
	close(): Promise<void>;
};

const INDEX = (base: string): string =>
	[
		'specsim: a simulated vLLM engine',
		'',
		`GET ${base}/metrics   Prometheus text 0.0.4; OpenMetrics 1.0.0 when Accept asks for application/openmetrics-text`,
		`GET ${base}/health    200 with an empty body while the simulator runs (as vLLM's /health)`,
		'',
	].join('\n');

/**
 * Serve `source` over HTTP as vLLM's API server does: `/metrics` (text 0.0.4 by default,
 * OpenMetrics on request), `/health`, a short index at `/`, 404 elsewhere, 405 for methods other
 * than GET and HEAD. Each scrape renders a fresh exposition, so concurrent scrapes never share
 * state, and a client that goes away mid-response only loses its own response.
 *
 * @throws UserError (exit code 1) when the address cannot be bound, e.g.
 * `cannot listen on 127.0.0.1:8000: address already in use`.
 */
export async function startMetricsServer(source: MetricsSource, options: MetricsServerOptions = {}): Promise<MetricsServer> {
	const host = options.host ?? '127.0.0.1';
	const requestedPort = options.port ?? 8000;
	if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
		throw new RangeError(`port must be an integer in 0..65535, got ${requestedPort}`);
	}
	let baseUrl = '';
	const server = createServer((request, response) => {
		handle(source, baseUrl, request, response);
	});
	// prometheus-fastapi-instrumentator and uvicorn's access log, as around vLLM's app.
	instrumentHttpServer(server, {
		routes: ['/metrics', '/health', '/'],
		registry: () => source.registry,
		nowS: options.nowS ?? (() => Date.now() / 1000),
		...(options.onAccessLine === undefined ? {} : {onAccessLine: options.onAccessLine}),
	});
	// A malformed request line or a reset socket: answer 400 if we still can, never crash.
	server.on('clientError', (_error, socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
		else socket.destroy();
	});
	await listen(server, host, requestedPort);
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : requestedPort;
	baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
	let closing: Promise<void> | undefined;
	return {
		host,
		port,
		baseUrl,
		metricsUrl: `${baseUrl}/metrics`,
		close(): Promise<void> {
			closing ??= new Promise<void>(resolve => {
				server.close(() => resolve());
				// Prometheus keeps its connection alive between scrapes: drop it so close() returns now.
				server.closeAllConnections();
			});
			return closing;
		},
	};
}

/**
 * Bind `server` to `host:port`; an address that cannot be bound becomes a one-line UserError
 * (exit code 1). Shared by the `/metrics` server and `specsim serve`. `backlog` is the queue of
 * connections the kernel accepts before the server does (Node's default: 511).
 */
export function listen(server: Server, host: string, port: number, backlog?: number): Promise<void> {
	return new Promise<void>((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException): void => {
			server.off('listening', onListening);
			const reason = error.code === 'EADDRINUSE' ? 'address already in use' : error.code === 'EACCES' ? 'permission denied' : error.message;
			reject(new UserError(`cannot listen on ${host}:${port}: ${reason}`, EXIT_RUNTIME));
		};
		const onListening = (): void => {
			server.off('error', onError);
			resolve();
		};
		server.once('error', onError);
		server.once('listening', onListening);
		if (backlog === undefined) server.listen(port, host);
		else server.listen(port, host, backlog);
	});
}

function handle(source: MetricsSource, baseUrl: string, request: IncomingMessage, response: ServerResponse): void {
	// A client that resets its connection surfaces here; the response is simply dropped.
	request.on('error', () => undefined);
	response.on('error', () => undefined);
	const method = request.method ?? 'GET';
	const path = (request.url ?? '/').split('?', 1)[0]!;
	if (method !== 'GET' && method !== 'HEAD') {
		send(response, method, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', {allow: 'GET, HEAD'});
		return;
	}
	switch (path) {
		case '/metrics':
			void serveMetrics(source, request, response, method);
			return;
		case '/health':
			send(response, method, 200, undefined, '');
			return;
		case '/':
			send(response, method, 200, 'text/plain; charset=utf-8', INDEX(baseUrl));
			return;
		default:
			send(response, method, 404, 'text/plain; charset=utf-8', 'Not Found\n');
	}
}

async function serveMetrics(source: MetricsSource, request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
	// Read the registry now, not at server start: `r` (restart) swaps it.
	const {registry, createdS} = source;
	const openMetrics = prefersOpenMetrics(request.headers.accept);
	let body: string;
	try {
		body = openMetrics
			? await renderOpenMetrics(registry, createdS === undefined ? {} : {createdS})
			: await renderText(registry, createdS === undefined ? {} : {createdS});
	} catch (error) {
		send(response, method, 500, 'text/plain; charset=utf-8', `exposition failed: ${(error as Error).message}\n`);
		return;
	}
	send(response, method, 200, openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE, body);
}

function send(
	response: ServerResponse,
	method: string,
	status: number,
	contentType: string | undefined,
	body: string,
	extra: Record<string, string> = {},
): void {
	// The client may have gone while the exposition rendered: nothing to answer.
	if (response.destroyed || response.writableEnded) return;
	const bytes = Buffer.from(body, 'utf8');
	const headers: Record<string, string | number> = {'content-length': bytes.length, ...extra};
	if (contentType !== undefined) headers['content-type'] = contentType;
	response.writeHead(status, headers);
	response.end(method === 'HEAD' ? undefined : bytes);
}
