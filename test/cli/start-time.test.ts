import {describe, expect, it} from 'vitest';
import {parseStartTime} from '../../src/cli/start-time.js';
import {cli} from './run-cli.js';

describe('--start reads ISO 8601 with a zone, the same on every machine', () => {
	it.each([
		['2026-01-01T00:00:00Z', Date.UTC(2026, 0, 1)],
		['2026-01-01', Date.UTC(2026, 0, 1)],
		['2026-06-30T12:34:56.789Z', Date.UTC(2026, 5, 30, 12, 34, 56, 789)],
		['2026-06-30 12:34Z', Date.UTC(2026, 5, 30, 12, 34)],
		['2026-06-30T12:00:00+02:00', Date.UTC(2026, 5, 30, 10)],
		['2026-06-30T12:00:00-0530', Date.UTC(2026, 5, 30, 17, 30)],
		['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
		['1970-01-01T00:00:00Z', 0],
	])('%s', (text, ms) => {
		expect(parseStartTime(text)).toBe(ms);
	});

	it.each([
		// Date.parse takes these, in the machine's local time or as odd years.
		['1', 'ISO 8601'],
		['5', 'ISO 8601'],
		['Dec 25 2026', 'ISO 8601'],
		['2026', 'ISO 8601'],
		['2026-01-01T00:00:00', 'has no time zone: add Z'],
		['2026-01-01 00:00', 'has no time zone: add Z'],
		// Not a date.
		['2026-02-30T00:00:00Z', 'no such date'],
		['2025-02-29', 'no such date'],
		['2026-13-01', 'no such date'],
		['2026-01-01T24:00:00Z', 'no such date'],
		['2026-01-01T00:00:00+25:00', 'no such zone offset'],
		// Timestamps a dataset cannot carry: negative Unix time, five-digit years, NaN-NaN log stamps.
		['1900-01-01T00:00:00Z', 'from 1970-01-01T00:00:00Z to 9999-12-01T00:00:00Z'],
		['0070-01-01', 'from 1970-01-01T00:00:00Z to 9999-12-01T00:00:00Z'],
		['9999-12-31T00:00:00Z', 'from 1970-01-01T00:00:00Z to 9999-12-01T00:00:00Z'],
		['+275760-09-13T00:00:00Z', 'ISO 8601'],
	])('refuses %s', (text, message) => {
		expect(() => parseStartTime(text)).toThrow(message);
	});

	it('a zone-less time is a one-line usage error of run (exit 2), not local time', async () => {
		const {code, stdout, stderr} = await cli('run', '--headless', '--no-server', '--duration', '1s', '--start', '2026-01-01T00:00:00');
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toBe(
			'specsim: --start "2026-01-01T00:00:00" has no time zone: add Z for UTC or an offset such as +02:00 (read in this machine\'s zone, the same flags would give other timestamps elsewhere)\n',
		);
	});
});
