import {describe, expect, it} from 'vitest';
import {EngineStatsLogging} from '../../../src/metrics/log/engine-stats-logging.js';
import {formatLogLine, parseLogPrefixPid} from '../../../src/metrics/log/log-prefix.js';
import {CachingMetrics} from '../../../src/metrics/stats/caching-metrics.js';

// Expected messages are CPython's output for vLLM's format string and the same arguments
// (`"Engine %03d: Avg prompt throughput: %.1f tokens/s, ..." % (0, 1205/10, 8885/10, 4, 2, 0.0025*100, 0.0)`).
describe('EngineStatsLogging (vLLM LoggingStatLogger)', () => {
	it('prints the Engine line byte for byte as Python %-formatting (0.25 rounds half to even)', () => {
		const logger = new EngineStatsLogging({engineIndex: 0, format: 'throughput', startS: 0});
		logger.observeIteration(1200, 1200, 8000, 0);
		logger.observeIteration(5, 5, 885, 1); // preemptions are not printed before the newest vLLM
		logger.observeScheduler(9, 9, 0, 0.5);
		logger.observeScheduler(4, 2, 0, 0.0025); // the last state counts
		expect(logger.log(10)).toEqual({
			level: 'INFO',
			message:
				'Engine 000: Avg prompt throughput: 120.5 tokens/s, Avg generation throughput: 888.5 tokens/s, Running: 4 reqs, Waiting: 2 reqs, GPU KV cache usage: 0.2%, Prefix cache hit rate: 0.0%',
		});
	});

	it('newest layout: computed prompt tokens, waiting + deferred, Deferred and Preemptions parts, windowed hit rate', () => {
		const logger = new EngineStatsLogging({engineIndex: 12, format: 'coverage', startS: 10});
		logger.observeIteration(396, 300, 1001, 2);
		logger.observeScheduler(7, 5, 3, 0.97655);
		logger.observePrefixCache(2, 400, 96);
		expect(logger.log(25).message).toBe(
			'Engine 012: Avg prompt throughput: 20.0 tokens/s, Avg generation throughput: 66.7 tokens/s, Running: 7 reqs, Waiting: 8 reqs, Deferred: 3 reqs, Preemptions: 2, GPU KV cache usage: 97.7%, Prefix cache hit rate: 24.0%',
		);
		// The next interval: no preemption, nothing deferred, so neither part.
		logger.observeIteration(0, 0, 10, 0);
		logger.observeScheduler(1, 0, 0, 0.5);
		expect(logger.log(35).message).toBe(
			'Engine 012: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 50.0%, Prefix cache hit rate: 24.0%',
		);
	});

	it('logs at DEBUG once this and the previous interval were idle, as vLLM avoids noise', () => {
		const logger = new EngineStatsLogging({engineIndex: 0, startS: 0});
		logger.observeIteration(10, 10, 10, 0);
		expect(logger.log(10).level).toBe('INFO');
		expect(logger.log(20).level).toBe('INFO'); // the previous interval was busy
		expect(logger.log(30).level).toBe('DEBUG');
		expect(logger.log(30).message).toContain('Avg prompt throughput: 0.0 tokens/s'); // zero-length interval: 0.0
		logger.observeIteration(0, 0, 1, 0);
		expect(logger.log(40).level).toBe('INFO');
	});

	it('prints the engine-initialised line at INFO, at DEBUG in the newest vLLM', () => {
		expect(new EngineStatsLogging({engineIndex: 1, format: 'classic'}).initialized(29043)).toEqual({
			level: 'INFO',
			message: 'Engine 001: vllm cache_config_info with initialization after num_gpu_blocks is: 29043',
		});
		expect(new EngineStatsLogging({engineIndex: 1, format: 'coverage'}).initialized(5).level).toBe('DEBUG');
	});
});

describe('CachingMetrics (hit rate of the most recent 1000 requests)', () => {
	it('drops the oldest steps past the window, keeps the newest, ignores empty steps', () => {
		const m = new CachingMetrics();
		expect([m.empty, m.hitRate]).toEqual([true, 0]);
		m.observe(600, 1000, 500);
		m.observe(0, 0, 0);
		expect(m.hitRate).toBe(0.5);
		m.observe(600, 1000, 100); // 1200 requests > 1000: the first step goes
		expect(m.hitRate).toBe(0.1);
		m.observe(5000, 100, 100); // larger than the window alone: kept
		expect(m.hitRate).toBe(1);
		m.observe(1, 10, 0, true); // reset before this update
		expect([m.empty, m.hitRate]).toEqual([false, 0]);
	});

	it('holds at most maxRecentRequests + 1 steps however long it runs', () => {
		const m = new CachingMetrics(3);
		for (let i = 0; i < 100; i++) m.observe(1, 2, i % 2);
		expect(m.hitRate).toBe(2 / 6);
	});
});

describe('log line prefix', () => {
	it('names loggers.py for Engine lines and prefixes (APIServer pid=N)', () => {
		const epochMs = Date.UTC(2026, 0, 1, 0, 0, 10);
		expect(formatLogLine('Engine 000: x', epochMs, 'throughput', 'INFO', {source: 'engine', pid: 1})).toBe(
			'(APIServer pid=1) INFO 01-01 00:00:10 [loggers.py:259] Engine 000: x',
		);
		expect(formatLogLine('SpecDecoding metrics: y', epochMs, 'classic')).toBe('INFO 01-01 00:00:10 [metrics.py:86] SpecDecoding metrics: y');
	});

	it('rejects a --log-prefix-pid that is not a process id, naming the flag', () => {
		expect(parseLogPrefixPid('722408')).toBe(722408);
		for (const bad of ['0', '-1', '1.5', 'abc', '', '4194305', '0x10'])
			expect(() => parseLogPrefixPid(bad)).toThrow(/^--log-prefix-pid: expected a process id \(an integer from 1 to 4194304\), got "/);
	});
});
