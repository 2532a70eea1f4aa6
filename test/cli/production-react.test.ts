import {spawnSync} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {describe, expect, it} from 'vitest';

const CLI = pathToFileURL(resolve(import.meta.dirname, '../../dist/cli/cli.js')).href;
const ROOT = resolve(import.meta.dirname, '../..');
// Inside the package's node_modules, so the child resolves 'ink' and 'react' as the CLI does.
const dir = join(ROOT, 'node_modules', '.cache', 'specsim-production-react');
mkdirSync(dir, {recursive: true});

/**
 * A child process that optionally loads the CLI entry (running `--version`), then renders an Ink
 * component 50 times and prints how many `performance.measure` entries Node's timeline holds.
 */
function measuresAfterRenders(loadCli: boolean): number {
	const script = join(dir, `renders-${loadCli}.mjs`);
	writeFileSync(
		script,
		`${loadCli ? `await import(${JSON.stringify(CLI)});` : ''}
const {render, Text} = await import('ink');
const React = await import('react');
const {Writable} = await import('node:stream');
const out = new Writable({write: (_chunk, _encoding, done) => done()});
out.columns = 80;
out.rows = 24;
const app = render(React.createElement(Text, null, 'x'), {stdout: out, patchConsole: false});
for (let i = 0; i < 50; i++) {
	app.rerender(React.createElement(Text, null, String(i)));
	await new Promise(r => setTimeout(r, 1));
}
app.unmount();
process.stderr.write(String(performance.getEntriesByType('measure').length));
`,
	);
	const env = {...process.env};
	delete env['NODE_ENV']; // as a user runs it (vitest sets NODE_ENV=test)
	const child = spawnSync(process.execPath, [script, '--version'], {cwd: ROOT, env, encoding: 'utf8'});
	expect(child.status, child.stderr).toBe(0);
	return Number(child.stderr);
}

describe('the CLI runs React in its production build', () => {
	it('no performance.measure entry accumulates per render (the live dashboard grew ~1 MB/s through them)', () => {
		expect(measuresAfterRenders(false)).toBeGreaterThan(0);
		expect(measuresAfterRenders(true)).toBe(0);
	});
});
