import {describe, expect, it} from 'vitest';
import {SpecDecodingStats} from '../../../src/metrics/stats/spec-decoding-stats.js';
import {SpecDecodingLogging} from '../../../src/metrics/log/spec-decoding-logging.js';
import {formatLogLine} from '../../../src/metrics/log/log-prefix.js';
import type {LogFormat} from '../../../src/metrics/log/formats.js';

/** One step holding `count` drafts of each [drafted, accepted] pair. */
function step(k: number, drafts: Array<[drafted: number, accepted: number, count?: number]>): SpecDecodingStats {
	const stats = new SpecDecodingStats(k);
	for (const [d, a, count = 1] of drafts) for (let i = 0; i < count; i++) stats.observeDraft(d, a);
	return stats;
}

function logger(format: LogFormat, k: number, startS = 0): SpecDecodingLogging {
	return new SpecDecodingLogging({numSpecTokens: k, format, startS});
}

describe('SpecDecodingLogging reproduces real vLLM log lines byte for byte', () => {
	// Observations reconstructed from the counts each line prints (sources in docs/golden-vectors.md).
	it('classic: vllm-project/vllm#19254, ngram k=3', () => {
		const log = logger('classic', 3);
		// 129 drafts of 3 tokens: 34 accept 3, 12 accept 2, 24 accept 1, 59 accept 0.
		log.observe(
			step(3, [
				[3, 3, 34],
				[3, 2, 12],
			]),
		);
		log.observe(
			step(3, [
				[3, 1, 24],
				[3, 0, 59],
			]),
		);
		expect(log.log(10)).toBe(
			'SpecDecoding metrics: Draft acceptance rate: 38.8%, Mean acceptance length: 2.16, Accepted: 150 tokens, Drafted: 387 tokens, Per-position acceptance rate: 0.543, 0.357, 0.264',
		);
	});

	it('throughput: noonghunna/club-3090#46, k=5', () => {
		const log = logger('throughput', 5, 100);
		// 331 drafts of 5: per-position counts 255, 173, 109, 60, 35.
		log.observe(
			step(5, [
				[5, 5, 35],
				[5, 4, 25],
				[5, 3, 49],
				[5, 2, 64],
				[5, 1, 82],
				[5, 0, 76],
			]),
		);
		expect(log.log(110.0009)).toBe(
			'SpecDecoding metrics: Mean acceptance length: 2.91, Accepted throughput: 63.19 tokens/s, Drafted throughput: 165.49 tokens/s, Accepted: 632 tokens, Drafted: 1655 tokens, Per-position acceptance rate: 0.770, 0.523, 0.329, 0.181, 0.106, Avg Draft acceptance rate: 38.2%',
		);
	});

	it('throughput: zmarty blog, EAGLE-3 k=3', () => {
		const log = logger('throughput', 3);
		// 203 drafts of 3: per-position counts 122, 58, 26.
		log.observe(
			step(3, [
				[3, 3, 26],
				[3, 2, 32],
				[3, 1, 64],
				[3, 0, 81],
			]),
		);
		expect(log.log(10)).toBe(
			'SpecDecoding metrics: Mean acceptance length: 2.01, Accepted throughput: 20.60 tokens/s, Drafted throughput: 60.90 tokens/s, Accepted: 206 tokens, Drafted: 609 tokens, Per-position acceptance rate: 0.601, 0.286, 0.128, Avg Draft acceptance rate: 33.8%',
		);
	});

	it('throughput: the last scheduler golden vector, observed alone', () => {
		const log = logger('throughput', 3);
		log.observe(
			step(3, [
				[3, 2],
				[3, 1],
			]),
		);
		expect(log.log(2)).toBe(
			'SpecDecoding metrics: Mean acceptance length: 2.50, Accepted throughput: 1.50 tokens/s, Drafted throughput: 3.00 tokens/s, Accepted: 3 tokens, Drafted: 6 tokens, Per-position acceptance rate: 1.000, 0.500, 0.000, Avg Draft acceptance rate: 50.0%',
		);
	});

	it('coverage: the upstream-style unit test', () => {
		const log = logger('coverage', 3);
		log.observe(
			step(3, [
				[1, 1],
				[2, 1],
			]),
		);
		expect(log.log(1)).toBe(
			'SpecDecoding metrics: Mean acceptance length: 2.00, Mean verification depth: 1.50/3, Accepted throughput: 2.00 tokens/s, Drafted throughput: 3.00 tokens/s, Accepted: 2 tokens, Drafted: 3 tokens, Per-position acceptance rate: 1.000, 0.000, -----, Per-position verification coverage: 1.000, 0.500, 0.000, Avg Draft acceptance rate: 66.7%',
		);
	});
});

describe('Python rounding in the log line', () => {
	it('rounds exact binary ties half to even, unlike toFixed', () => {
		const log = logger('classic', 2);
		// 16 drafts of 2 tokens, 2 accepted in all: rate 2/32*100 = 6.25 -> "6.2";
		// mean length 1 + 2/16 = 1.125 -> "1.12"; position 0: 2/16 = 0.125 -> "0.125", position 1: 0.
		log.observe(
			step(2, [
				[2, 1, 2],
				[2, 0, 14],
			]),
		);
		const line = log.log(10)!;
		expect((6.25).toFixed(1)).toBe('6.3');
		expect((1.125).toFixed(2)).toBe('1.13');
		expect(line).toBe(
			'SpecDecoding metrics: Draft acceptance rate: 6.2%, Mean acceptance length: 1.12, Accepted: 2 tokens, Drafted: 32 tokens, Per-position acceptance rate: 0.125, 0.000',
		);
	});

	it('rounds a 3-decimal tie of a per-position rate half to even', () => {
		const log = logger('classic', 1);
		// 1/16 = 0.0625 -> "0.062" in Python, "0.063" with toFixed.
		log.observe(
			step(1, [
				[1, 1, 1],
				[1, 0, 15],
			]),
		);
		expect(log.log(1)).toContain('Per-position acceptance rate: 0.062');
	});

	it('prints nan% when drafts carried no draft tokens', () => {
		const log = logger('classic', 2);
		log.observe(step(2, [[0, 0]]));
		expect(log.log(1)).toBe(
			'SpecDecoding metrics: Draft acceptance rate: nan%, Mean acceptance length: 1.00, Accepted: 0 tokens, Drafted: 0 tokens, Per-position acceptance rate: 0.000, 0.000',
		);
		const newest = logger('coverage', 2);
		newest.observe(step(2, [[0, 0]]));
		expect(newest.log(1)).toBe(
			'SpecDecoding metrics: Mean acceptance length: 1.00, Mean verification depth: 0.00/2, Accepted throughput: 0.00 tokens/s, Drafted throughput: 0.00 tokens/s, Accepted: 0 tokens, Drafted: 0 tokens, Per-position acceptance rate: -----, -----, Per-position verification coverage: 0.000, 0.000, Avg Draft acceptance rate: nan%',
		);
	});
});

describe('interval rules', () => {
	it('prints nothing without drafts and keeps the throughput timer running', () => {
		const log = logger('throughput', 1, 0);
		expect(log.log(10)).toBeUndefined();
		expect(log.lastLogS).toBe(0);
		log.observe(step(1, [[1, 1, 20]]));
		// 20 accepted over 20 s since construction (the idle tick at 10 s did not reset it).
		expect(log.log(20)).toContain('Accepted throughput: 1.00 tokens/s, Drafted throughput: 1.00 tokens/s');
		expect(log.lastLogS).toBe(20);
		expect(log.log(30)).toBeUndefined();
	});

	it('reports 0 throughput when no time elapsed', () => {
		const log = logger('throughput', 1, 5);
		log.observe(step(1, [[1, 1]]));
		expect(log.log(5)).toContain('Accepted throughput: 0.00 tokens/s, Drafted throughput: 0.00 tokens/s');
	});

	it('sums every step since the last printed line, then resets', () => {
		const log = logger('classic', 2);
		for (let i = 0; i < 1000; i++)
			log.observe(
				step(2, [
					[2, 2],
					[2, 0],
				]),
			);
		expect(log.log(10)).toBe(
			'SpecDecoding metrics: Draft acceptance rate: 50.0%, Mean acceptance length: 2.00, Accepted: 2000 tokens, Drafted: 4000 tokens, Per-position acceptance rate: 0.500, 0.500',
		);
		log.observe(step(2, [[1, 1]]));
		expect(log.log(20)).toBe(
			'SpecDecoding metrics: Draft acceptance rate: 100.0%, Mean acceptance length: 2.00, Accepted: 1 tokens, Drafted: 1 tokens, Per-position acceptance rate: 1.000, 0.000',
		);
	});

	it('grows to a larger k observed mid-interval', () => {
		const log = logger('classic', 2);
		log.observe(step(2, [[2, 2]]));
		log.observe(step(3, [[3, 3]]));
		expect(log.log(1)).toContain('Per-position acceptance rate: 1.000, 1.000, 0.500');
	});

	it('keeps memory constant however many steps are observed', () => {
		const log = logger('classic', 4);
		const s = step(4, [[4, 2]]);
		const before = log.window.acceptedHistogram;
		for (let i = 0; i < 100_000; i++) log.observe(s);
		expect(log.window.acceptedHistogram).toBe(before);
		expect(log.window.acceptedHistogram.length).toBe(5);
		expect(log.window.numDrafts).toBe(100_000);
	});
});

describe('formatLogLine', () => {
	it('uses vLLM logger layout with a UTC virtual timestamp', () => {
		const epochMs = Date.UTC(2026, 0, 2, 3, 4, 5);
		expect(formatLogLine('SpecDecoding metrics: x', epochMs, 'throughput')).toBe('INFO 01-02 03:04:05 [metrics.py:96] SpecDecoding metrics: x');
		expect(formatLogLine('m', epochMs, 'classic', 'DEBUG')).toBe('DEBUG 01-02 03:04:05 [metrics.py:86] m');
	});
});
