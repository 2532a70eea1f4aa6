import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-explain-'));
const base = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../presets/llama-3.1-8b-eagle3.json'), 'utf8')) as {
	speculative: Record<string, unknown>;
};
function preset(name: string, speculative: Record<string, unknown>): string {
	const path = join(dir, name);
	writeFileSync(path, JSON.stringify({...base, speculative: {...base.speculative, ...speculative}}));
	return path;
}

describe('specsim explain without speculation', () => {
	it('--k out of range names the range explain accepts, 1 to 64, at both ends', async () => {
		for (const k of ['0', '65']) {
			const {code, stderr} = await cli('explain', '--k', k);
			expect(code).toBe(2);
			expect(stderr).toBe(`specsim: --k must be an integer from 1 to 64, got "${k}"\n`);
		}
	});

	it('--drafts is 1 to 10^12, so every count it prints is an exact integer: 1e308 was an internal error (exit 70)', async () => {
		for (const drafts of ['0', '1e308', '1000000000001']) {
			const {code, stdout, stderr} = await cli('explain', '--drafts', drafts);
			expect(stdout).toBe('');
			expect(stderr).toBe(`specsim: --drafts must be an integer from 1 to 1000000000000, got "${drafts}"\n`);
			expect(code).toBe(2);
		}
		const {code, stdout} = await cli('explain', '--drafts', '1e12');
		expect(code).toBe(0);
		// k = 3 at most: every count is below 2^53, printed as the integer it is.
		const drafted = /Drafted: (\d+) tokens/.exec(stdout)![1]!;
		expect(drafted).toBe('3000000000000');
	});

	it.each([
		['numSpecTokens 0', {numSpecTokens: 0}],
		['method none', {method: 'none'}],
	])('a preset with %s: one line saying there are no drafts to explain, not the figures of a k it does not run', async (_, speculative) => {
		const path = preset(`off-${Object.keys(speculative)[0]}.json`, speculative);
		const {code, stdout, stderr} = await cli('explain', '--preset', path);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(
			new RegExp(
				`^specsim: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: speculative decoding is off in this preset \\(.+\\): explain needs drafts; .+\n$`,
			),
		);
	});

	it('a preset with numSpecTokens 0 and --k 3 explains k = 3', async () => {
		const {code, stdout} = await cli('explain', '--preset', preset('k0.json', {numSpecTokens: 0}), '--k', '3');
		expect(code).toBe(0);
		expect(stdout.split('\n')[0]).toContain('k = 3');
	});
});

describe('specsim explain with a variable-length proposer', () => {
	it.each(['llama-3.1-70b-suffix-agentic', 'llama-3.1-8b-ngram-mtbench'])(
		'%s: the full-length counts are said to be an assumption, not "every draft had k tokens"',
		async name => {
			const {code, stdout} = await cli('explain', '--preset', name);
			expect(code).toBe(0);
			const section = stdout.slice(stdout.indexOf('## Why drafts x k is not draft tokens'), stdout.indexOf('## Expected acceptance at each k'));
			expect(section).not.toContain('Here they agree: every draft had k tokens');
			expect(section).toMatch(/These counts assume full-length drafts; the (suffix|ngram) proposer drafts only what it finds/);
		},
	);

	it('a fixed-length proposer (EAGLE-3) keeps "every draft had k tokens"', async () => {
		const {stdout} = await cli('explain');
		expect(stdout).toContain('Here they agree: every draft had k tokens');
	});
});

describe('specsim explain on a terminal', () => {
	it('rewraps its prose to the terminal width: no line wider than 80 columns but a word longer than a row, none broken before a word that fits', async () => {
		const {explainText} = await import('../../src/cli/commands/explain.js');
		const flags = {preset: 'llama-3.1-8b-eagle3', drafts: '1000', json: false};
		const wide = await explainText(flags);
		const narrow = await explainText(flags, 80);
		// Piped (no terminal width), the text keeps its lines, some of them past 80 columns.
		expect(wide.split('\n').some(line => line.length > 80)).toBe(true);
		const rows = narrow.split('\n');
		expect(rows.filter(row => row.length > 80 && /\S \S/.test(row))).toEqual([]);
		// In the prose of the first topic, a row ends where the next word would not fit (greedy wrapping).
		const draft = rows.slice(rows.indexOf('## What a draft is') + 2);
		const prose = draft.slice(0, draft.findIndex(row => row.startsWith('## ')) - 1);
		expect(prose.length).toBeGreaterThan(3);
		for (let i = 0; i + 1 < prose.length; i++) {
			if (/[.:]$/.test(prose[i]!)) continue;
			expect(prose[i]!.length + 1 + prose[i + 1]!.trim().split(' ')[0]!.length, `${prose[i]}\n${prose[i + 1]}`).toBeGreaterThan(80);
		}
		// Nothing is lost: the same words in the same order.
		expect(narrow.split(/\s+/).join(' ')).toBe(wide.split(/\s+/).join(' '));
	});
});
