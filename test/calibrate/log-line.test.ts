import {describe, expect, it} from 'vitest';
import {parseLogLine, stripAnsi} from '../../src/calibrate/log-line.js';
import {SAMPLE_LINES} from './samples.js';

describe('parseLogLine', () => {
	it.each([
		['v0', SAMPLE_LINES.v0, 'v0'],
		['V1-b', SAMPLE_LINES.v1b, 'v1-b'],
		['V1-c/classic template', SAMPLE_LINES.v1PerPosition, 'classic'],
		['throughput (club-3090)', SAMPLE_LINES.club3090, 'throughput'],
		['throughput (zmarty)', SAMPLE_LINES.zmarty, 'throughput'],
	])('recognises the %s sample line', (_, line, format) => {
		const result = parseLogLine(line);
		expect(result.kind).toBe('ok');
		if (result.kind === 'ok') expect(result.printed.format).toBe(format);
	});

	it('reads every field of a throughput line as printed text', () => {
		const result = parseLogLine(SAMPLE_LINES.club3090);
		expect(result).toEqual({
			kind: 'ok',
			printed: {
				format: 'throughput',
				message: SAMPLE_LINES.club3090.slice(SAMPLE_LINES.club3090.indexOf('SpecDecoding')),
				meanLength: '2.91',
				acceptedThroughput: '63.19',
				draftedThroughput: '165.49',
				accepted: '632',
				drafted: '1655',
				perPos: ['0.770', '0.523', '0.329', '0.181', '0.106'],
				rate: '38.2',
			},
		});
	});

	it('reads coverage: depth, k after the slash, "-----" entries and coverage', () => {
		const line =
			'INFO 09-11 12:00:10 [metrics.py:122] SpecDecoding metrics: Mean acceptance length: 1.67, Mean verification depth: 1.50/3, Accepted throughput: 0.20 tokens/s, Drafted throughput: 0.30 tokens/s, Accepted: 2 tokens, Drafted: 3 tokens, Per-position acceptance rate: 1.000, 0.000, -----, Per-position verification coverage: 1.000, 0.500, 0.000, Avg Draft acceptance rate: 66.7%';
		const result = parseLogLine(line);
		expect(result.kind).toBe('ok');
		if (result.kind !== 'ok') return;
		expect(result.printed).toMatchObject({
			format: 'coverage',
			depth: '1.50',
			k: '3',
			perPos: ['1.000', '0.000', '-----'],
			coverage: ['1.000', '0.500', '0.000'],
			rate: '66.7',
		});
	});

	it('accepts V1-a with its trailing comma and space', () => {
		const result = parseLogLine(
			'INFO 04-01 10:00:00 [loggers.py:80] Speculative metrics: Draft acceptance rate: 0.625, Number of accepted tokens: 25, Number of draft tokens: 40, ',
		);
		expect(result).toMatchObject({kind: 'ok', printed: {format: 'v1-a', rate: '0.625', accepted: '25', drafted: '40'}});
	});

	it('ignores logger prefixes, ANSI colours, DEBUG level, relative paths, prefixes and CRLF', () => {
		const message = SAMPLE_LINES.zmarty.slice(SAMPLE_LINES.zmarty.indexOf('SpecDecoding'));
		for (const line of [
			`\u001b[32mINFO\u001b[0m 10-26 12:36:16 [metrics.py:96] ${message}`,
			`(ApiServer_1 pid=99) DEBUG 10-26 12:36:16 [v1/spec_decode/metrics.py:96] ${message}\r`,
			`myprefix INFO 10-26 12:36:16 [metrics.py:96] ${message}`,
			`2025-10-26T12:36:16.123Z stdout F ${message}`,
			message,
		]) {
			const result = parseLogLine(line);
			expect(result.kind, line).toBe('ok');
			if (result.kind === 'ok') expect(result.printed.message).toBe(message);
		}
		expect(stripAnsi('\u001b[1;31mred\u001b[0m')).toBe('red');
	});

	it('classifies ordinary lines, diffusion lines and broken spec lines', () => {
		expect(parseLogLine('INFO 10-26 12:36:16 [loggers.py:123] Engine 000: Avg prompt throughput: 0.0 tokens/s')).toEqual({kind: 'none'});
		expect(
			parseLogLine(
				'DiffusionDecoding metrics: Committed token throughput: 1.00 tokens/s, Mean denoising steps per canvas: 2.00, Mean tokens committed per denoising step: 1.00, Committed: 10 tokens, Denoising steps: 10, Canvas positions evaluated: 20',
			),
		).toEqual({kind: 'diffusion'});
		const truncated = parseLogLine(
			'SpecDecoding metrics: Mean acceptance length: 2.91, Accepted throughput: 63.19 tokens/s, Drafted throughput: 165.49 tokens/s, Accepted: 632 tok',
		);
		expect(truncated.kind).toBe('unparseable');
		if (truncated.kind === 'unparseable')
			expect(truncated.reason).toMatch(/^no "Drafted:" field: SpecDecoding metrics: Mean acceptance length: 2\.91/);
		const badValue = parseLogLine('SpecDecoding metrics: Draft acceptance rate: abc%, Accepted: 66 tokens, Drafted: 66 tokens');
		expect(badValue.kind).toBe('unparseable');
	});
});
