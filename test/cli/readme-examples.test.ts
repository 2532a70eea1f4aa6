import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {logFormatOption} from '../../src/cli/options.js';
import {cli} from './run-cli.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The first fenced block of `lang` after `heading`. */
function blockAfter(heading: string, lang: string): string {
	const start = readme.indexOf(heading);
	expect(start, heading).toBeGreaterThanOrEqual(0);
	const open = readme.indexOf(`\`\`\`${lang}\n`, start);
	return readme.slice(open + lang.length + 4, readme.indexOf('```', open + 3)).trimEnd();
}

describe('README examples are what the CLI prints', () => {
	it('the headless example lines are the first lines of the default headless run', async () => {
		const {code, stdout} = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '10s');
		expect(code).toBe(0);
		const example = blockAfter('### `specsim run`', 'text');
		expect(example).toBe(stdout.split('\n').slice(0, example.split('\n').length).join('\n'));
	});

	it("--log-format's help names the vLLM versions the README's layout table gives", () => {
		const help = logFormatOption().description;
		const versions = (layout: string) => {
			const row = readme.split('\n').find(line => line.startsWith(`| \`${layout}\``));
			expect(row, layout).toBeDefined();
			return [...row!.matchAll(/\bv(\d+\.\d+(?:\.\d+)?)/g)].map(m => m[1]);
		};
		const [classicFrom, classicTo] = versions('classic');
		expect(help).toContain(`classic: vLLM ${classicFrom}–${classicTo};`);
		expect(help).toContain(`throughput: ${versions('throughput')[0]}+;`);
	});
});
