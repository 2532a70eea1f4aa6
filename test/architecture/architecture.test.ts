import {execFileSync} from 'node:child_process';
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {parse} from 'jsonc-parser';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

/**
 * The architecture rules are enforced by tools in `npm run lint` (dependency-cruiser for imports,
 * Biome for calls in the pure core). These tests run the same tools with the same configuration on
 * a small fixture tree with known violations, so a rule that stops firing (a typo in a path regex,
 * a renamed folder, a Biome upgrade) fails here instead of passing silently.
 */

const ROOT = resolve(import.meta.dirname, '../..');

type DepcruiseConfig = {
	CORE_DIRS: string[];
	forbidden: unknown[];
	missingDirs: (root: string, dirs?: string[]) => string[];
	default: {options: Record<string, unknown>};
};

const depcruiseConfig = (await import(pathToFileURL(join(ROOT, '.dependency-cruiser.mjs')).href)) as DepcruiseConfig;
const {CORE_DIRS} = depcruiseConfig;

type BiomeOverride = {includes?: string[]; plugins?: string[]};
const biomeConfig = parse(readFileSync(join(ROOT, 'biome.jsonc'), 'utf8')) as {overrides: BiomeOverride[]};
const coreOverride = biomeConfig.overrides.find(o => o.plugins?.includes('./lint/pure-core.grit'));

/** A core file that breaks every rule once, each on its own line, with double quotes where it matters. */
const CORE_VIOLATIONS = `import {readFileSync} from "node:fs";
import {join} from 'path';
import {z} from "zod";
import {Registry} from 'prom-client';
import {parse} from "../cli/args.js";
export const u = Math.random();
export const t = Date.now();
export const d = new Date();
export const s = Date();
console.log(u);
export const env = process.env;
setTimeout(() => undefined, 1);
export const p = performance.now();
export const r = Math['random']();
const {now} = Date;
export const all = [readFileSync, join, z, Registry, parse, t, d, s, env, p, now];
`;

/** What the core may do: mentions in comments and strings, a date from a number, seedrandom, other core modules. */
const CORE_ALLOWED = `import seedrandom from 'seedrandom';
import {helper} from '../util/helper.js';
import type {Args} from '../cli/args.js';
// Math.random() and Date.now() in a comment; console.log too.
export const text = 'Math.random() Date.now() process.env console.log';
export const epoch = new Date(0);
export const floor = Math['floor'](1.5);
const {max} = Math;
export const biggest = max(1, 2);
export const rng = seedrandom('1');
export type A = Args;
export {helper};
`;

let fixture: string;

beforeAll(() => {
	fixture = mkdtempSync(join(tmpdir(), 'specsim-architecture-'));
	const write = (file: string, text: string): void => {
		mkdirSync(dirname(join(fixture, file)), {recursive: true});
		writeFileSync(join(fixture, file), text);
	};
	write('package.json', JSON.stringify({type: 'module', dependencies: {seedrandom: '*', zod: '*', 'prom-client': '*'}}));
	symlinkSync(join(ROOT, 'node_modules'), join(fixture, 'node_modules'), 'dir');
	cpSync(join(ROOT, 'biome.jsonc'), join(fixture, 'biome.jsonc'));
	cpSync(join(ROOT, 'lint'), join(fixture, 'lint'), {recursive: true});
	for (const dir of CORE_DIRS) write(`${dir}/index.ts`, 'export const ok = 1;\n');
	write('src/util/helper.ts', 'export const helper = 1;\n');
	write('src/engine/bad.ts', CORE_VIOLATIONS);
	write('src/engine/good.ts', CORE_ALLOWED);
	// Edges may do all of it.
	write('src/cli/args.ts', 'export type Args = string[];\nexport const parse = (a: string[]): Args => a;\n');
	write('src/cli/main.ts', `import {readFileSync} from 'node:fs';\nconsole.log(Date.now(), Math.random(), process.argv, readFileSync);\n`);
	write('src/config/load.ts', `import {parse} from "../cli/args.js";\nexport const load = parse;\n`);
	write('src/output/write.ts', `import type {Args} from '../cli/args.js';\nexport type W = Args;\n`);
	write('src/runtime/session.ts', 'export class Session {}\n');
	write('src/runtime/live-session.ts', 'export type LiveSession = {readonly seed: number};\n');
	write('src/ui/store.ts', `import type {LiveSession} from '../runtime/live-session.js';\nexport type S = LiveSession;\n`);
	write('src/ui/start.ts', `import type {Session} from "../runtime/session.js";\nexport type S = Session;\n`);
	write('src/engine/unresolved.ts', `import {gone} from './gone.js';\nexport const g = gone;\n`);
	// prom-client's classes: from src/metrics/prom/prom-client.ts only (types from anywhere).
	write('src/metrics/prom/prom-client.ts', `import {Registry} from 'prom-client';\nexport {Registry};\n`);
	write('src/metrics/prom/types.ts', `import type {Registry} from 'prom-client';\nexport type R = Registry;\n`);
	write('src/metrics/prom/direct.ts', `import {Registry} from 'prom-client';\nexport const r = new Registry();\n`);
	// generate reaching another command's module (through a helper) and the HTTP server.
	write('src/server/http.ts', 'export const listen = 1;\n');
	write('src/cli/commands/run.ts', `import {listen} from '../../server/http.js';\nexport const run = listen;\n`);
	write('src/cli/flags.ts', `export {run} from './commands/run.js';\n`);
	write(
		'src/cli/commands/generate.ts',
		`import {run} from '../flags.js';\nimport {Registry} from '../../metrics/prom/prom-client.js';\nexport const g = [run, Registry];\n`,
	);
});

afterAll(() => {
	rmSync(fixture, {recursive: true, force: true});
});

describe('one list of core folders', () => {
	it('biome.jsonc lints exactly the folders .dependency-cruiser.mjs treats as the core', () => {
		expect(coreOverride?.includes).toEqual(CORE_DIRS.map(dir => `${dir}/**`));
	});

	it('every listed folder exists and holds TypeScript', () => {
		expect(depcruiseConfig.missingDirs(ROOT)).toEqual([]);
	});

	it('a renamed or emptied core folder is reported, and the config refuses to load', async () => {
		const tree = mkdtempSync(join(tmpdir(), 'specsim-renamed-'));
		try {
			for (const dir of CORE_DIRS.filter(dir => dir !== 'src/engine')) {
				mkdirSync(join(tree, dir), {recursive: true});
				writeFileSync(join(tree, dir, 'x.ts'), '');
			}
			mkdirSync(join(tree, 'src/engines'));
			writeFileSync(join(tree, 'src/engines/x.ts'), '');
			mkdirSync(join(tree, 'src/util/empty'));
			rmSync(join(tree, 'src/util/x.ts'));
			expect(depcruiseConfig.missingDirs(tree, CORE_DIRS)).toEqual(['src/engine', 'src/util']);
			// The same config file, placed in that tree, throws when dependency-cruiser loads it.
			cpSync(join(ROOT, '.dependency-cruiser.mjs'), join(tree, '.dependency-cruiser.mjs'));
			await expect(import(pathToFileURL(join(tree, '.dependency-cruiser.mjs')).href)).rejects.toThrow(
				'listed folder(s) missing or empty: src/engine, src/util, src/config, src/output, src/ui, src/runtime',
			);
		} finally {
			rmSync(tree, {recursive: true, force: true});
		}
	});
});

describe('dependency-cruiser: imports', () => {
	let violations: string[];

	beforeAll(async () => {
		const {cruise} = await import('dependency-cruiser');
		const {tsConfig: _, ...options} = depcruiseConfig.default.options;
		const result = await cruise(['src'], {...options, baseDir: fixture, validate: true, ruleSet: {forbidden: depcruiseConfig.forbidden}} as never);
		if (typeof result.output === 'string') throw new Error(result.output);
		violations = result.output.summary.violations.map(v => `${v.rule.name}: ${v.from} -> ${v.to}`);
	});

	it('reports each forbidden import of the core, quoted either way', () => {
		expect(violations.filter(v => v.includes('src/engine/bad.ts')).sort()).toEqual([
			'core-no-edge: src/engine/bad.ts -> src/cli/args.ts',
			'core-no-node-builtins: src/engine/bad.ts -> fs',
			'core-no-node-builtins: src/engine/bad.ts -> path',
			expect.stringMatching(/^core-only-seedrandom: src\/engine\/bad\.ts -> \S*node_modules\/prom-client\//),
			expect.stringMatching(/^core-only-seedrandom: src\/engine\/bad\.ts -> \S*node_modules\/zod\//),
		]);
	});

	it('reports src/config importing src/cli, and an import that resolves to nothing', () => {
		expect(violations).toContain('config-output-no-cli: src/config/load.ts -> src/cli/args.ts');
		expect(violations).toContain('config-output-no-cli: src/output/write.ts -> src/cli/args.ts');
		expect(violations).toContain('no-unresolvable: src/engine/unresolved.ts -> ./gone.js');
	});

	it('reports src/ui reaching the Session class, not the LiveSession interface', () => {
		expect(violations.filter(v => v.includes('src/ui/'))).toEqual(['ui-through-live-session: src/ui/start.ts -> src/runtime/session.ts']);
	});

	it("reports prom-client's entry point imported for its values anywhere but src/metrics/prom/prom-client.ts", () => {
		expect(violations.filter(v => v.startsWith('prom-client-classes-from-their-files'))).toEqual([
			expect.stringMatching(/^prom-client-classes-from-their-files: src\/metrics\/prom\/direct\.ts -> \S*node_modules\/prom-client\/index\.js$/),
		]);
	});

	it('reports generate reaching another command or the HTTP server, even through a helper', () => {
		expect(violations.filter(v => v.startsWith('generate-loads-no-ui-or-server')).sort()).toEqual([
			'generate-loads-no-ui-or-server: src/cli/commands/generate.ts -> src/cli/commands/run.ts',
			'generate-loads-no-ui-or-server: src/cli/commands/generate.ts -> src/server/http.ts',
		]);
	});

	it('allows seedrandom, other core modules and type-only imports of edge types in the core, and anything at the edges', () => {
		expect(violations.filter(v => v.includes('good.ts') || v.includes('src/cli/main.ts'))).toEqual([]);
	});
});

describe('Biome: calls in the core', () => {
	let found: string[];

	beforeAll(() => {
		const biome = join(ROOT, 'node_modules/.bin/biome');
		let out: string;
		try {
			out = execFileSync(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '--vcs-enabled=false', 'src'], {
				cwd: fixture,
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'ignore'],
			});
		} catch (error) {
			// Biome exits non-zero when it reports errors, which is the point here.
			out = (error as {stdout: string}).stdout;
		}
		const report = JSON.parse(out) as {diagnostics: Array<{category: string; location: {path: string; start: {line: number}}}>};
		found = report.diagnostics
			.filter(d => d.category === 'plugin' || d.category === 'lint/style/noRestrictedGlobals')
			.map(d => `${d.location.path}:${d.location.start.line} ${d.category}`);
	});

	it('reports Math.random, Date.now, new Date(), Date() (also through a computed key or destructuring), console, process, setTimeout and performance in the core', () => {
		expect(found.filter(f => f.startsWith('src/engine/bad.ts')).sort()).toEqual(
			[
				'src/engine/bad.ts:6 plugin',
				'src/engine/bad.ts:7 plugin',
				'src/engine/bad.ts:8 plugin',
				'src/engine/bad.ts:9 plugin',
				'src/engine/bad.ts:10 lint/style/noRestrictedGlobals',
				'src/engine/bad.ts:11 lint/style/noRestrictedGlobals',
				'src/engine/bad.ts:12 lint/style/noRestrictedGlobals',
				'src/engine/bad.ts:13 lint/style/noRestrictedGlobals',
				'src/engine/bad.ts:14 plugin',
				'src/engine/bad.ts:15 plugin',
			].sort(),
		);
	});

	it('ignores comments, strings and new Date(x) in the core, and everything at the edges', () => {
		expect(found.filter(f => !f.startsWith('src/engine/bad.ts'))).toEqual([]);
	});
});
