import {describe, expect, it} from 'vitest';
import {COMMAND_NAMES} from '../../src/cli/program.js';
import {startCli} from '../helpers/cli-run.js';

/**
 * Help fits an 80-column terminal: commander leaves a description unwrapped when its column is
 * narrower than `minWidthToWrap` (40 by default), and `serve`'s option terms are 42 wide, so its
 * help printed lines of up to 127 characters. A longer line is allowed only where the text has no
 * space to break at (a single long word such as a metric name).
 */
describe('--help at 80 columns', () => {
	it.each(['', ...COMMAND_NAMES])("'%s --help' wraps every description it can break within 80 columns", async name => {
		const run = startCli(name === '' ? ['--help'] : [name, '--help']);
		expect(await run.exit).toBe(0);
		const long = run
			.stdout()
			.split('\n')
			.filter(line => [...line].length > 80)
			.filter(line => /\S \S/.test(line.trim().split(/ {2,}/).at(-1)!));
		expect(long).toEqual([]);
	});
});
