import {describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../../src/config/load.js';
import {collectFamilies, type PromFamily} from '../../../src/metrics/prom/collect.js';
import {renderText} from '../../../src/metrics/prom/exposition.js';
import {SIMULATED_PROCESS} from '../../../src/metrics/prom/simulated-server.js';
import {Session} from '../../../src/runtime/session.js';

const sum = (families: PromFamily[], sample: string, labels: Record<string, string> = {}): number =>
	families
		.flatMap(f => f.series.flatMap(s => s.samples))
		.filter(x => x.name === sample && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
		.reduce((a, x) => a + x.value, 0);

async function simulated(seconds: number, endpoint?: '/v1/completions') {
	const {config} = await loadPreset(DEFAULT_PRESET);
	const classes = endpoint === undefined ? config.workload.classes : config.workload.classes.map(c => (typeof c === 'string' ? c : {...c, endpoint}));
	const session = new Session({...config, workload: {...config.workload, classes}}, {seed: 4, server: 'simulated', startEpochMs: 1_700_000_000_000});
	session.built.simulation.runUntil(seconds);
	return session;
}

describe("generate's simulated API server", () => {
	it('counts one POST per finished request to its endpoint, lasting from arrival to last token', async () => {
		const session = await simulated(60);
		const m = await collectFamilies(session.registry);
		const finished = sum(m, 'vllm:request_success_total');
		expect(finished).toBeGreaterThan(100);
		expect(sum(m, 'http_requests_total', {handler: '/v1/chat/completions', method: 'POST', status: '2xx'})).toBe(finished);
		expect(sum(m, 'http_requests_total')).toBe(finished);
		// The HTTP duration of a request is its end-to-end latency: the same observations, other buckets.
		expect(sum(m, 'http_request_duration_seconds_sum')).toBeCloseTo(sum(m, 'vllm:e2e_request_latency_seconds_sum'), 6);
		expect(sum(m, 'http_request_duration_highr_seconds_count')).toBe(finished);
		// Request bodies: envelope + model name + 4 bytes per prompt token; streamed responses have no length.
		const envelope = SIMULATED_PROCESS.requestEnvelopeBytes + session.config.servedModelName.length;
		expect(sum(m, 'http_request_size_bytes_sum')).toBe(envelope * finished + 4 * sum(m, 'vllm:request_prompt_tokens_sum'));
		expect(sum(m, 'http_response_size_bytes_sum')).toBe(0);
	});

	it('uses the endpoint a workload class names', async () => {
		const m = await collectFamilies((await simulated(20, '/v1/completions')).registry);
		expect(sum(m, 'http_requests_total', {handler: '/v1/completions'})).toBe(sum(m, 'vllm:request_success_total'));
		expect(sum(m, 'http_requests_total', {handler: '/v1/chat/completions'})).toBe(0);
	});

	it('simulates a plausible process from the simulated work, the same for the same seed', async () => {
		const [a, b] = [await simulated(30), await simulated(30)];
		const text = await renderText(a.registry, {createdS: 1_700_000_000});
		expect(text).toBe(await renderText(b.registry, {createdS: 1_700_000_000}));
		const m = await collectFamilies(a.registry);
		expect(sum(m, 'process_start_time_seconds')).toBe(1_700_000_000);
		expect(sum(m, 'process_max_fds')).toBe(65535);
		const p = SIMULATED_PROCESS;
		const inFlight = sum(m, 'vllm:num_requests_running') + sum(m, 'vllm:num_requests_waiting');
		expect(sum(m, 'process_open_fds')).toBe(p.baseOpenFds + inFlight);
		expect(sum(m, 'process_resident_memory_bytes')).toBe(p.baseResidentBytes + inFlight * p.bytesPerRequest);
		const cpu = sum(m, 'process_cpu_seconds_total');
		const expected =
			p.idleCpuPerS * 30 +
			p.cpuPerRequestS * sum(m, 'vllm:request_success_total') +
			p.cpuPerPromptTokenS * sum(m, 'vllm:prompt_tokens_total') +
			p.cpuPerOutputTokenS * sum(m, 'vllm:generation_tokens_total');
		// Rounded to clock ticks (0.01 s), as /proc counts CPU time.
		expect(Math.abs(cpu - expected)).toBeLessThanOrEqual(0.005 + 1e-9);
	});
});
