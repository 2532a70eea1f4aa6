import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

/** The decimal numbers of `text` with more than 12 significant digits: float noise such as 0.7295999999999989. */
function noisy(text: string): string[] {
	return (text.match(/\d+\.\d+/g) ?? []).filter(n => n.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length > 12);
}

describe('sweep --json and --csv print numbers without float noise', () => {
	it('--json: the closed forms read 0.7296, not 0.7295999999999989 (rounded to 12 significant digits, as run --json)', async () => {
		const {code, stdout} = await cli('sweep', '--k', '1..2', '--qps', '4', '--duration', '5s', '--workers', '1', '--json');
		expect(code).toBe(0);
		const rows = (JSON.parse(stdout) as {rows: Array<Record<string, unknown>>}).rows;
		expect(rows[0]!['expected_draft_acceptance_rate']).toBe(0.7296);
		expect(noisy(stdout)).toEqual([]);
	});

	it('--csv too', async () => {
		const {code, stdout} = await cli('sweep', '--k', '1..2', '--qps', '4', '--duration', '5s', '--workers', '1', '--csv');
		expect(code).toBe(0);
		const [header, first] = stdout.split('\n');
		const column = header!.split(',').indexOf('expected_draft_acceptance_rate');
		expect(first!.split(',')[column]).toBe('0.7296');
		expect(noisy(stdout)).toEqual([]);
	});
});
