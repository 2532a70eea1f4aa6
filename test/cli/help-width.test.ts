import {describe, expect, it} from 'vitest';
import {COMMAND_NAMES} from '../../src/cli/program.js';
import {startCli} from '../helpers/cli-run.js';

/**
 * Help fits an 80-column terminal: commander leaves a description unwrapped when its column is
 * narrower than `minWidthToWrap` (40 by default), so `serve`'s help, whose option terms are 41
 * wide, printed lines of up to 127 characters; and a word longer than the description column (a
 * metric name with braces, a dotted JSON path) stays whole past the edge.
 */
describe('--help at 80 columns', () => {
	it.each(['', ...COMMAND_NAMES])("'%s --help' has no line wider than 80 columns", async name => {
		const run = startCli(name === '' ? ['--help'] : [name, '--help']);
		expect(await run.exit).toBe(0);
		expect(
			run
				.stdout()
				.split('\n')
				.filter(line => [...line].length > 80),
		).toEqual([]);
	});
});
