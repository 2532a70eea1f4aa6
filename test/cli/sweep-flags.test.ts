import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

/** `run --json`'s draft count for the flags (the sweep's k given as --k). */
async function runDrafts(...flags: string[]): Promise<number> {
	const {code, stdout} = await cli('run', '--headless', '--no-server', '--json', '--duration', '20s', '--speed', 'max', '--k', '2', ...flags);
	expect(code).toBe(0);
	return (JSON.parse(stdout) as {spec_decode: {num_drafts: number}}).spec_decode.num_drafts;
}

/** The sweep row's draft count for the flags, at k = 2. */
async function sweepDrafts(...flags: string[]): Promise<number> {
	const {code, stdout, stderr} = await cli('sweep', '--k', '2', '--duration', '20s', '--workers', '1', '--json', ...flags);
	expect(stderr).toBe('');
	expect(code).toBe(0);
	return (JSON.parse(stdout) as {rows: Array<{num_drafts: number}>}).rows[0]!.num_drafts;
}

describe('sweep applies every common simulation flag it accepts', () => {
	it.each([
		[['--error-rate', '0.5']],
		[['--abort-rate', '0.5', '--abort-after', '1s']],
		[['--sleep', '2s-15s']],
		[['--input-len', '64', '--output-len', '32', '--range-ratio', '0.5']],
	])('%j: the row is the run with the same flags, not the run without them', async flags => {
		const plain = await runDrafts();
		const withFlags = await runDrafts(...flags);
		expect(withFlags).not.toBe(plain);
		expect(await sweepDrafts(...flags)).toBe(withFlags);
	});
});
