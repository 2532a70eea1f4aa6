import {EXIT_USAGE} from '../../src/util/user-error.js';
import {describe, expect, it} from 'vitest';
import {COMMAND_NAMES, createProgram} from '../../src/cli/program.js';
import {startCli} from '../helpers/cli-run.js';

const output = {stdout: () => undefined, stderr: () => undefined};

/** `specsim <command> ...` registers only that command (see `createProgram`); what users see must not change. */
describe('commands loaded on demand', () => {
	it('lists every registered command, in the order of the full help', async () => {
		const program = await createProgram(output);
		expect(program.commands.map(c => c.name())).toEqual(COMMAND_NAMES);
		expect(COMMAND_NAMES).toContain('generate');
	});

	it('registers just the command asked for', async () => {
		const program = await createProgram(output, undefined, 'generate');
		expect(program.commands.map(c => c.name())).toEqual(['generate']);
	});

	it.each(COMMAND_NAMES)("prints the same help for '%s --help' as the program with every command", async name => {
		const alone = startCli([name, '--help']);
		const withAll = startCli(['help', name]);
		expect(await alone.exit).toBe(0);
		expect(await withAll.exit).toBe(0);
		expect(alone.stdout()).toContain(`Usage: specsim ${name}`);
		expect(alone.stdout()).toBe(withAll.stdout());
	});

	it('names every command in the top-level help and in the unknown-command error', async () => {
		const help = startCli(['--help']);
		expect(await help.exit).toBe(0);
		for (const name of COMMAND_NAMES) expect(help.stdout()).toMatch(new RegExp(`^  ${name} `, 'm'));
		const unknown = startCli(['generat']);
		expect(await unknown.exit).toBe(EXIT_USAGE);
		expect(unknown.stderr()).toBe(`specsim: unknown command 'generat' (commands: ${COMMAND_NAMES.join(', ')})\n`);
	});

	it('reports an unknown option of a command loaded alone as before', async () => {
		const cli = startCli(['generate', '--out', 'x', '--duration', '1s', '--bogus']);
		expect(await cli.exit).toBe(EXIT_USAGE);
		expect(cli.stderr()).toBe("specsim: unknown option '--bogus'\n");
	});
});
