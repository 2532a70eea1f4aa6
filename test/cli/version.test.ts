import {describe, expect, it, vi} from 'vitest';
import {runCli} from '../../src/cli/program.js';
import {VERSION} from '../../src/cli/version.js';
import {cli} from './run-cli.js';

// A command module that is loaded fails the import: `--version` must print without any of them.
for (const name of ['run', 'generate', 'replay', 'sweep', 'presets', 'calibrate', 'explain', 'serve']) {
	vi.doMock(`../../src/cli/commands/${name}.js`, () => {
		throw new Error(`specsim --version loaded the ${name} command`);
	});
}

describe('specsim --version', () => {
	it('prints the version as commander does (one line, exit 0) without loading any command module', async () => {
		for (const flag of ['--version', '-V']) expect(await cli(flag)).toEqual({code: 0, stdout: `${VERSION}\n`, stderr: ''});
		expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
	});

	it('with anything else on the line goes to the program with every command, as before (which here fails loading them)', async () => {
		const output = {stdout: () => undefined, stderr: () => undefined};
		await expect(runCli(['--version', 'extra'], output)).rejects.toThrow(/mock/);
	});
});
