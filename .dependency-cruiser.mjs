/**
 * The architecture, checked by dependency-cruiser (`npm run lint:deps`, part of `npm test`).
 *
 * The pure core (CORE_DIRS) is deterministic and runs on a virtual clock: it imports only other
 * core modules and seedrandom. Node built-ins, Prometheus, the UI stack, zod and the edge folders
 * (cli, config, output, ui, runtime, server, replay, sweep, metrics/prom) sit around it. Forbidden
 * *calls* in the core (Math.random, Date.now, console, process, timers) are Biome's job: see the
 * pure-core override in biome.jsonc, which lists the same folders.
 *
 * dependency-cruiser parses the code and resolves every import to a file, so quoting style and
 * relative paths do not matter. A folder that does not exist matches no rule silently, so the
 * config refuses to load if a listed folder is missing (a renamed core folder fails the build).
 *
 * src/ui reaches src/runtime only through the LiveSession interface (src/runtime/live-session.ts).
 */
import {existsSync, readdirSync, statSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

/** The pure core: one list, also checked against biome.jsonc by test/architecture. */
export const CORE_DIRS = [
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

/** The one npm package the core may use: seeded random streams (src/rng). */
const CORE_PACKAGES = ['seedrandom'];

/** Folders that must not import the CLI (they are used by the CLI, the server and the library alike). */
const NOT_CLI_DIRS = ['src/config', 'src/output'];

/** Folders the rules below name; they must exist too. */
const RULE_DIRS = ['src/ui', 'src/runtime'];

const escapeRegExp = dir => dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const under = dirs => `^(${dirs.map(escapeRegExp).join('|')})/`;

/** Listed folders missing under `root` or holding no TypeScript file. */
export function missingDirs(root, dirs = [...CORE_DIRS, ...NOT_CLI_DIRS, ...RULE_DIRS]) {
	const hasSource = dir =>
		readdirSync(dir).some(name => {
			const path = join(dir, name);
			return statSync(path).isDirectory() ? hasSource(path) : /\.tsx?$/.test(name);
		});
	return dirs.filter(dir => {
		const path = join(root, dir);
		return !existsSync(path) || !statSync(path).isDirectory() || !hasSource(path);
	});
}

const missing = missingDirs(dirname(fileURLToPath(import.meta.url)));
if (missing.length > 0) {
	throw new Error(
		`.dependency-cruiser.mjs: listed folder(s) missing or empty: ${missing.join(', ')} (renamed? update CORE_DIRS here and in biome.jsonc)`,
	);
}

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
export const forbidden = [
	{
		name: 'core-no-node-builtins',
		comment: 'The pure core does no I/O and reads no environment: node:* modules belong to the edges.',
		severity: 'error',
		from: {path: under(CORE_DIRS)},
		to: {dependencyTypes: ['core']},
	},
	{
		name: 'core-only-seedrandom',
		comment: 'The pure core imports no prom-client, ink, react, zod or other package; seedrandom (src/rng) is the one exception.',
		severity: 'error',
		from: {path: under(CORE_DIRS)},
		to: {
			dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'],
			pathNot: `node_modules/(${CORE_PACKAGES.join('|')})/`,
		},
	},
	{
		name: 'core-no-edge',
		comment: 'The pure core imports only the core. Type-only imports are erased at compile time and may name edge types (the preset schema type).',
		severity: 'error',
		from: {path: under(CORE_DIRS)},
		to: {path: '^src/', pathNot: under(CORE_DIRS), dependencyTypesNot: ['type-only']},
	},
	{
		name: 'config-output-no-cli',
		comment: 'src/config and src/output serve the CLI, the server and the library: they do not import src/cli.',
		severity: 'error',
		from: {path: under(NOT_CLI_DIRS)},
		to: {path: '^src/cli/'},
	},
	{
		name: 'ui-through-live-session',
		comment: 'The dashboard talks to the simulation through the LiveSession interface, not the Session class or anything else in src/runtime.',
		severity: 'error',
		from: {path: '^src/ui/'},
		to: {path: '^src/runtime/', pathNot: '^src/runtime/live-session\\.ts$'},
	},
	{
		name: 'generate-loads-no-ui-or-server',
		comment:
			"`specsim generate` loads only what it runs (src/cli/program.ts imports a command's module when that command runs): no dashboard, no HTTP server, no other command's module, statically or not.",
		severity: 'error',
		from: {path: '^src/cli/commands/generate\\.ts$'},
		to: {
			path: '(^src/(ui|server)/|^src/cli/commands/(?!generate\\.ts$)|node_modules/(ink|react|hono|@hono)/)',
			reachable: true,
		},
	},
	{
		name: 'prom-client-classes-from-their-files',
		comment:
			"prom-client's entry point also loads its default metrics (@opentelemetry/api) and the Pushgateway (node:http): its classes come from src/metrics/prom/prom-client.ts, which loads only their files. Type-only imports are erased.",
		severity: 'error',
		from: {path: '^src/', pathNot: `^src/metrics/prom/prom-client\\.ts$|${under(CORE_DIRS)}`},
		to: {path: 'node_modules/prom-client/index\\.js$', dependencyTypesNot: ['type-only']},
	},
	{
		name: 'no-unresolvable',
		comment: 'An import that resolves to nothing escapes every rule above.',
		severity: 'error',
		from: {path: '^src/'},
		to: {couldNotResolve: true},
	},
];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
	forbidden,
	options: {
		doNotFollow: {path: 'node_modules'},
		tsPreCompilationDeps: true,
		tsConfig: {fileName: 'tsconfig.json'},
		moduleSystems: ['es6', 'cjs'],
		enhancedResolveOptions: {exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default']},
	},
};
