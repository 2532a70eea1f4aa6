import {describe, expect, it} from 'vitest';
import {parseDuration} from '../../src/util/duration.js';
import {cli} from './run-cli.js';

describe('durations: each unit at most once, largest first', () => {
	it('refuses a repeated unit with the one-line error naming the flag (exit 2)', async () => {
		for (const [flag, text, unit] of [
			['--duration', '1h1h', 'h'],
			['--duration', '30s30s', 's'],
			['--duration', '1h30m15m', 'm'],
			['--log-interval', '5s5s', 's'],
		] as const) {
			const out = await cli('run', '--headless', '--no-server', '--speed', 'max', flag, text);
			expect(out, `${flag} ${text}`).toEqual({
				code: 2,
				stdout: '',
				stderr: `specsim: ${flag}: invalid duration "${text}" (unit ${unit} repeated; expected e.g. 90s, 10m, 1h, 1h30m)\n`,
			});
		}
	});

	it('refuses units out of order (30m1h), which reads as a typo', async () => {
		const out = await cli('run', '--headless', '--no-server', '--duration', '30m1h');
		expect(out).toEqual({
			code: 2,
			stdout: '',
			stderr: 'specsim: --duration: invalid duration "30m1h" (units go from the largest to the smallest; expected e.g. 90s, 10m, 1h, 1h30m)\n',
		});
	});

	it('keeps every valid combination', () => {
		expect(parseDuration('1h30m')).toBe(5400);
		expect(parseDuration('1d2h3m4s5ms')).toBe(86_400 + 7200 + 180 + 4 + 0.005);
		expect(parseDuration('2m30s')).toBe(150);
		expect(parseDuration('1s500ms')).toBe(1.5);
		expect(parseDuration('90s')).toBe(90);
		expect(parseDuration('45')).toBe(45);
	});
});
