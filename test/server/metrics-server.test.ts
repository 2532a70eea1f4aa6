import {connect} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, renderOpenMetrics, renderText} from '../../src/metrics/prom/exposition.js';
import {Session} from '../../src/runtime/session.js';
import {prefersOpenMetrics} from '../../src/server/negotiate.js';
import {startMetricsServer, type MetricsServer} from '../../src/server/metrics-server.js';
import {floatToGoString} from '../../src/util/py-format.js';
import {UserError} from '../../src/util/user-error.js';
import {httpGet} from '../helpers/http.js';

const get = httpGet;

async function createSession(): Promise<Session> {
	const {config} = await loadPreset(DEFAULT_PRESET);
	const session = new Session(config, {seed: 0});
	session.built.simulation.runUntil(20);
	return session;
}

const servers: MetricsServer[] = [];
async function serve(session: Session): Promise<MetricsServer> {
	const server = await startMetricsServer(session, {port: 0});
	servers.push(server);
	return server;
}

afterEach(async () => {
	await Promise.all(servers.splice(0).map(s => s.close()));
});

describe('prefersOpenMetrics (prometheus_client choose_encoder)', () => {
	it.each([
		['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', true],
		['text/plain;version=0.0.4;q=0.5, application/openmetrics-text; version=1.0.0', true],
		['application/openmetrics-text', true],
		['text/plain', false],
		['*/*', false],
		['application/json, application/openmetrics-textx', false],
		[undefined, false],
	])('%s → %s', (accept, expected) => {
		expect(prefersOpenMetrics(accept)).toBe(expected);
	});
});

describe('/metrics server', () => {
	it('serves text 0.0.4 by default, byte-identical to renderText, and OpenMetrics on request', async () => {
		const session = await createSession();
		const server = await serve(session);
		expect(server.metricsUrl).toBe(`http://127.0.0.1:${server.port}/metrics`);
		const text = await get(server.metricsUrl);
		expect(text.status).toBe(200);
		expect(text.headers['content-type']).toBe(TEXT_CONTENT_TYPE);
		expect(text.body).toBe(await renderText(session.registry, {createdS: session.createdS}));
		expect(text.body).toMatch(/^vllm:spec_decode_num_drafts_total\{engine="0",model_name="meta-llama\/Llama-3.1-8B-Instruct"\} \d+\.0$/m);
		expect(Number(text.headers['content-length'])).toBe(Buffer.byteLength(text.body));
		const om = await get(server.metricsUrl, {accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'});
		expect(om.headers['content-type']).toBe(OPENMETRICS_CONTENT_TYPE);
		expect(om.body).toBe(await renderOpenMetrics(session.registry, {createdS: session.createdS}));
		expect(om.body.endsWith('# EOF\n')).toBe(true);
	});

	it('HEAD gives the headers of GET and no body; / is an index; /health answers; others 404 or 405', async () => {
		const session = await createSession();
		const server = await serve(session);
		const head = await get(server.metricsUrl, {method: 'HEAD'});
		expect(head.status).toBe(200);
		expect(head.body).toBe('');
		expect(head.headers['content-type']).toBe(TEXT_CONTENT_TYPE);
		expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(await renderText(session.registry, {createdS: session.createdS})));
		const health = await get(`${server.baseUrl}/health`);
		expect([health.status, health.body, health.headers['content-length']]).toEqual([200, '', '0']);
		const index = await get(`${server.baseUrl}/`);
		expect(index.status).toBe(200);
		expect(index.body).toContain(`GET ${server.baseUrl}/metrics`);
		expect(index.body).toContain('/health');
		const missing = await get(`${server.baseUrl}/metricz`);
		expect([missing.status, missing.body]).toEqual([404, 'Not Found\n']);
		const query = await get(`${server.metricsUrl}?name[]=x`);
		expect(query.status).toBe(200);
		const post = await get(server.metricsUrl, {method: 'POST'});
		expect([post.status, post.headers['allow']]).toEqual([405, 'GET, HEAD']);
	});

	it('reads the registry at each scrape, so a restart shows at once', async () => {
		const session = await createSession();
		const server = await serve(session);
		expect((await get(server.metricsUrl)).body).not.toMatch(/^vllm:spec_decode_num_drafts_total\{[^}]*\} 0\.0$/m);
		session.restart();
		const after = (await get(server.metricsUrl)).body;
		expect(after).toMatch(/^vllm:spec_decode_num_drafts_total\{[^}]*\} 0\.0$/m);
		expect(after).toContain(
			`vllm:spec_decode_num_drafts_created{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} ${floatToGoString(session.createdS!)}`,
		);
	});

	it('20 concurrent scrapes of a paused simulation return identical bodies', async () => {
		const session = await createSession();
		const server = await serve(session);
		const replies = await Promise.all(
			Array.from({length: 20}, (_, i) => get(server.metricsUrl, i % 2 === 0 ? {} : {accept: 'application/openmetrics-text'})),
		);
		const texts = new Set(replies.filter((_, i) => i % 2 === 0).map(r => r.body));
		const oms = new Set(replies.filter((_, i) => i % 2 === 1).map(r => r.body));
		expect(replies.every(r => r.status === 200)).toBe(true);
		expect(texts.size).toBe(1);
		expect(oms.size).toBe(1);
	});

	it('a client that disconnects before or during the response harms nothing', async () => {
		const session = await createSession();
		const server = await serve(session);
		// Gone right after sending the request (the exposition is still rendering).
		for (let i = 0; i < 5; i++) {
			const socket = connect(server.port, '127.0.0.1');
			socket.on('error', () => undefined);
			socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', () => socket.destroy());
		}
		// Gone after the first bytes of the response.
		await new Promise<void>(resolve => {
			const socket = connect(server.port, '127.0.0.1');
			socket.on('error', () => undefined);
			socket.once('data', () => {
				socket.destroy();
				resolve();
			});
			socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
		});
		// Half a request line, then gone.
		await new Promise<void>(resolve => {
			const socket = connect(server.port, '127.0.0.1', () => socket.end('GET /metr', resolve));
			socket.on('error', () => undefined);
		});
		const reply = await get(server.metricsUrl);
		expect(reply.status).toBe(200);
		expect(reply.body).toBe(await renderText(session.registry, {createdS: session.createdS}));
	});

	it('a port in use is a UserError with exit code 1 and one line naming the address', async () => {
		const session = await createSession();
		const first = await serve(session);
		const attempt = startMetricsServer(session, {port: first.port});
		await expect(attempt).rejects.toBeInstanceOf(UserError);
		await expect(attempt).rejects.toMatchObject({exitCode: 1, message: `cannot listen on 127.0.0.1:${first.port}: address already in use`});
	});

	it('close() returns with a keep-alive connection open, and is idempotent', async () => {
		const session = await createSession();
		const server = await startMetricsServer(session, {port: 0});
		const socket = connect(server.port, '127.0.0.1');
		socket.on('error', () => undefined);
		await new Promise<void>(resolve => {
			socket.once('data', () => resolve());
			socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
		});
		await Promise.all([server.close(), server.close()]);
		await expect(get(server.metricsUrl)).rejects.toMatchObject({code: 'ECONNREFUSED'});
		socket.destroy();
	});

	it('rejects a port out of range', async () => {
		const session = await createSession();
		await expect(startMetricsServer(session, {port: 70_000})).rejects.toThrow('port must be an integer in 0..65535, got 70000');
	});
});
