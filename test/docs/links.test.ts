import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = join(ROOT, 'docs');
const pages = [
	'README.md',
	...readdirSync(DOCS)
		.filter(name => name.endsWith('.md'))
		.map(name => `docs/${name}`),
];

/** GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/`/g, '')
		.replace(/[^\p{L}\p{N}\s_-]/gu, '')
		.replace(/\s/g, '-');
}

function anchorsOf(path: string): Set<string> {
	const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '');
	return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map(match => slug(match[1]!)));
}

/** Relative links `[text](target)` outside code blocks and code spans. */
function linksOf(text: string): string[] {
	const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
	return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map(match => match[1]!).filter(target => !/^[a-z]+:/.test(target));
}

describe('documentation links', () => {
	it.each(pages)('every relative link of %s reaches a file, and a heading where it names one', page => {
		const from = join(ROOT, page);
		const broken: string[] = [];
		for (const target of linksOf(readFileSync(from, 'utf8'))) {
			const [file, anchor] = target.split('#') as [string, string | undefined];
			const path = file === '' ? from : resolve(dirname(from), file);
			if (!existsSync(path)) broken.push(`${target}: no such file`);
			else if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(path).has(anchor)) broken.push(`${target}: no such heading`);
		}
		expect(broken).toEqual([]);
	});

	it('docs/README.md indexes every page of docs/', () => {
		const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
		const missing = readdirSync(DOCS).filter(name => name.endsWith('.md') && name !== 'README.md' && !index.includes(`](${name})`));
		expect(missing).toEqual([]);
	});
});
