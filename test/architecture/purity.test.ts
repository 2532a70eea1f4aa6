import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join, relative} from 'node:path';
import {describe, expect, it} from 'vitest';

/**
 * The pure core: no I/O, no wall clock, no global randomness, no UI or Prometheus imports.
 * Everything else (cli, ui, server, prom, files) sits around it.
 */
const CORE_DIRS = [
	'src/rng',
	'src/engine',
	'src/speculative',
	'src/sim',
	'src/metrics/stats',
	'src/metrics/log',
	'src/events',
	'src/util',
	'src/calibrate',
	'src/explain',
];

const FORBIDDEN_IMPORTS = [/^node:/, /^(fs|path|os|child_process|http|net|worker_threads|readline|process)(\/|$)/, /^prom-client$/, /^ink/, /^react/];
const FORBIDDEN_CALLS: Array<[RegExp, string]> = [
	[/\bMath\.random\s*\(/, 'Math.random'],
	[/\bDate\.now\s*\(/, 'Date.now'],
	[/\bnew\s+Date\s*\(\s*\)/, 'new Date() (wall clock)'],
	[/\bperformance\.now\s*\(/, 'performance.now'],
	[/\bconsole\./, 'console'],
	[/\bprocess\./, 'process'],
	[/\brequire\s*\(/, 'require'],
];

function sourceFiles(dir: string): string[] {
	let entries: string[];
	try {
		entries = readdirSync(dir);
	} catch {
		return [];
	}
	return entries.flatMap(name => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|tsx)$/.test(name) ? [path] : [];
	});
}

/** Drop comments and string contents so prose like "never calls Math.random" is not flagged. */
function code(text: string): string {
	return text
		.replace(/\/\*[\s\S]*?\*\//g, '')
		.replace(/(^|[^:])\/\/.*$/gm, '$1')
		.replace(/`(?:\\[\s\S]|[^`\\])*`/g, '``')
		.replace(/'(?:\\.|[^'\\\n])*'/g, match => (match.length < 80 ? match : "''"));
}

/** What a file does that the core must not: forbidden imports and calls. */
function violations(text: string): string[] {
	const imports = [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm)].map(m => m[1] ?? m[2] ?? m[3] ?? '');
	const body = code(text);
	return [
		...imports.filter(spec => FORBIDDEN_IMPORTS.some(re => re.test(spec))).map(spec => `import ${spec}`),
		...FORBIDDEN_CALLS.filter(([re]) => re.test(body)).map(([, name]) => name),
	];
}

const files = CORE_DIRS.flatMap(dir => sourceFiles(dir));

describe('pure core', () => {
	it('has source files to check', () => {
		expect(files.length).toBeGreaterThan(5);
	});

	it('detects what it forbids, and ignores it in comments', () => {
		const bad = [
			"import {readFileSync} from 'node:fs';",
			"import {Registry} from 'prom-client';",
			'const u = Math.random();',
			'const t = Date.now();',
			'console.log(1);',
			'if (process.env.X) {}',
		].join('\n');
		expect(violations(bad)).toEqual(['import node:fs', 'import prom-client', 'Math.random', 'Date.now', 'console', 'process']);
		expect(violations('// never calls Math.random or Date.now()\n/** console.log */\nconst x = new Date(0);')).toEqual([]);
	});

	it.each(files.map(f => [relative('.', f)]))('%s imports nothing impure and calls no wall clock, randomness, console or process', file => {
		expect(violations(readFileSync(file, 'utf8'))).toEqual([]);
	});
});
