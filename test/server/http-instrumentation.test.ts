import {afterEach, describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {collectFamilies, type PromFamily} from '../../src/metrics/prom/collect.js';
import {Session} from '../../src/runtime/session.js';
import {resolveSimConfig} from '../../src/cli/sim-options.js';
import {formatAccessLine} from '../../src/server/http-instrumentation.js';
import {startOpenAiServer} from '../../src/server/openai-server.js';
import {startMetricsServer, type MetricsServer} from '../../src/server/metrics-server.js';
import {readProcessStats} from '../../src/server/process-stats.js';
import {httpGet} from '../helpers/http.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map(s => s.close()));
});

async function liveSession(): Promise<Session> {
	const {config} = await loadPreset(DEFAULT_PRESET);
	return new Session(config, {seed: 0, server: {readProcess: readProcessStats}});
}

/** The value of each sample named `sample` whose labels include `labels`. */
const values = (families: PromFamily[], sample: string, labels: Record<string, string> = {}): number[] =>
	families
		.flatMap(f => f.series.flatMap(s => s.samples))
		.filter(x => x.name === sample && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
		.map(x => x.value);

/** The registry's families once `n` requests are counted: a request counts when its connection closes, just after the client read the response. */
async function afterCounted(session: Session, n: number): Promise<PromFamily[]> {
	let m = await collectFamilies(session.registry);
	while (values(m, 'http_request_duration_highr_seconds_count')[0]! < n) {
		await new Promise(resolve => setImmediate(resolve));
		m = await collectFamilies(session.registry);
	}
	return m;
}

describe("uvicorn's access line", () => {
	it('is byte for byte what uvicorn prints without colours', () => {
		expect(formatAccessLine('127.0.0.1:54321', 'POST', '/v1/chat/completions', '1.1', 200)).toBe(
			'INFO:     127.0.0.1:54321 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
		);
		expect(formatAccessLine('127.0.0.1:1', 'GET', '/nope?x=1', '1.1', 404)).toBe('INFO:     127.0.0.1:1 - "GET /nope?x=1 HTTP/1.1" 404 Not Found');
		expect(formatAccessLine('::1:2', 'GET', '/', '1.0', 405)).toBe('INFO:     ::1:2 - "GET / HTTP/1.0" 405 Method Not Allowed');
	});
});

describe('the live /metrics server is instrumented as vLLM API server is', () => {
	it('counts real requests into http_* (scrapes and probes excluded) and prints an access line for each, scrapes included', async () => {
		const session = await liveSession();
		const lines: string[] = [];
		const server = await startMetricsServer(session, {port: 0, nowS: () => 1_800_000_000, onAccessLine: line => lines.push(line)});
		servers.push(server);
		await httpGet(`${server.baseUrl}/`);
		await httpGet(`${server.baseUrl}/`);
		await httpGet(`${server.baseUrl}/v1/nothing?q=1`);
		await httpGet(`${server.baseUrl}/health`);
		await httpGet(server.metricsUrl);
		const m = await afterCounted(session, 3);
		// `/` is a route (handler "/"); an unknown path is untemplated ("none"); /health and /metrics are excluded.
		expect(values(m, 'http_requests_total', {handler: '/', method: 'GET', status: '2xx'})).toEqual([2]);
		expect(values(m, 'http_requests_total', {handler: 'none', method: 'GET', status: '4xx'})).toEqual([1]);
		expect(values(m, 'http_requests_total')).toHaveLength(2);
		expect(values(m, 'http_request_duration_seconds_count', {handler: '/', method: 'GET'})).toEqual([2]);
		expect(values(m, 'http_request_duration_highr_seconds_count')).toEqual([3]);
		const port = /:(\d+) - /;
		expect(lines.map(l => l.replace(port, ':PORT - '))).toEqual([
			'INFO:     127.0.0.1:PORT - "GET / HTTP/1.1" 200 OK',
			'INFO:     127.0.0.1:PORT - "GET / HTTP/1.1" 200 OK',
			'INFO:     127.0.0.1:PORT - "GET /v1/nothing?q=1 HTTP/1.1" 404 Not Found',
			'INFO:     127.0.0.1:PORT - "GET /health HTTP/1.1" 200 OK',
			'INFO:     127.0.0.1:PORT - "GET /metrics HTTP/1.1" 200 OK',
		]);
		// The series a request created carries that moment as its _created.
		const text = (await httpGet(server.metricsUrl)).body;
		expect(text).toContain('http_requests_created{handler="/",method="GET",status="2xx"} 1.8e+09\n');
	});

	it("exposes this process's figures as prometheus_client's process collector does, before vLLM's families", async () => {
		const session = await liveSession();
		const server = await startMetricsServer(session, {port: 0});
		servers.push(server);
		const text = (await httpGet(server.metricsUrl)).body;
		const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map(match => match[1]!).filter(name => !name.endsWith('_created'));
		expect(names.slice(0, 6)).toEqual([
			'process_virtual_memory_bytes',
			'process_resident_memory_bytes',
			'process_start_time_seconds',
			'process_cpu_seconds_total',
			'process_open_fds',
			'process_max_fds',
		]);
		expect(names.slice(-5)).toEqual([
			'http_requests_total',
			'http_request_size_bytes',
			'http_response_size_bytes',
			'http_request_duration_highr_seconds',
			'http_request_duration_seconds',
		]);
		const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
		// Independent readings of the same process: Node's own counters.
		expect(value('process_resident_memory_bytes')).toBeGreaterThan(0.5 * process.memoryUsage().rss);
		expect(value('process_resident_memory_bytes')).toBeLessThan(2 * process.memoryUsage().rss);
		const started = Date.now() / 1000 - process.uptime();
		expect(Math.abs(value('process_start_time_seconds') - started)).toBeLessThan(5);
		const cpu = process.cpuUsage();
		expect(value('process_cpu_seconds_total')).toBeLessThanOrEqual((cpu.user + cpu.system) / 1e6 + 0.05);
		expect(value('process_open_fds')).toBeGreaterThan(2);
		expect(value('process_max_fds')).toBeGreaterThanOrEqual(value('process_open_fds'));
		// A custom collector's counter has no _created companion.
		expect(text).not.toContain('process_cpu_seconds_created');
	});
});

describe('specsim serve is instrumented as vLLM API server is', () => {
	it('counts each OpenAI request under its route, with its status class and duration, and prints its access line', async () => {
		const resolved = await resolveSimConfig({preset: DEFAULT_PRESET, seed: '3'});
		const session = new Session(resolved.config, {seed: resolved.seed, speed: 'max', traceLines: [], server: {readProcess: readProcessStats}});
		const lines: string[] = [];
		const server = await startOpenAiServer(session, {port: 0, servedModelNames: ['m'], modelPath: 'm', onAccessLine: line => lines.push(line)});
		const done = session.runner.run();
		try {
			const body = JSON.stringify({model: 'm', messages: [{role: 'user', content: 'Hello there'}], max_tokens: 8});
			const ok = await fetch(`${server.baseUrl}/v1/chat/completions`, {method: 'POST', body, headers: {'content-type': 'application/json'}});
			expect(ok.status).toBe(200);
			await ok.text();
			const missing = await fetch(`${server.baseUrl}/v1/models/none`);
			await missing.text();
			await (await fetch(`${server.baseUrl}/health`)).text();
			const m = await afterCounted(session, 2);
			expect(values(m, 'http_requests_total', {handler: '/v1/chat/completions', method: 'POST', status: '2xx'})).toEqual([1]);
			expect(values(m, 'http_requests_total', {handler: 'none', method: 'GET', status: '4xx'})).toEqual([1]);
			expect(values(m, 'http_requests_total')).toHaveLength(2);
			expect(values(m, 'http_request_size_bytes_sum', {handler: '/v1/chat/completions'})).toEqual([Buffer.byteLength(body)]);
			// The response's Content-Length header, or 0 without one (the instrumentator reads only the header).
			expect(values(m, 'http_response_size_bytes_sum', {handler: '/v1/chat/completions'})).toEqual([Number(ok.headers.get('content-length') ?? 0)]);
			expect(lines.map(l => l.replace(/:(\d+) - /, ':PORT - '))).toEqual([
				'INFO:     127.0.0.1:PORT - "POST /v1/chat/completions HTTP/1.1" 200 OK',
				'INFO:     127.0.0.1:PORT - "GET /v1/models/none HTTP/1.1" 404 Not Found',
				'INFO:     127.0.0.1:PORT - "GET /health HTTP/1.1" 200 OK',
			]);
		} finally {
			await server.close();
			session.runner.stop();
			await done;
		}
	});
});
