/**
 * `npm run build`'s second step: the CLI as a few bundled files in `dist/bin/` (after `tsc` wrote
 * `dist/` module by module, for the library and the type declarations).
 *
 * Node 20 loads an ES module file by file (resolve, read, compile, link): `specsim generate` loaded
 * about 250 files, 95 of them zod's (its sixty locales included) for the preset's validation. Here
 * specsim's own modules and the ES-module packages the commands import (zod, jsonc-parser) are one
 * graph split by esbuild: an entry per thread (`cli.js`, `record-worker.js` for generate's
 * serialising thread, `worker.js` for sweep's) and a chunk per command module, so a command still
 * loads only what it runs. The CommonJS packages every command loads are bundled too (commander,
 * seedrandom, and prom-client's class files, which `src/metrics/prom/prom-client.ts` requires by
 * path): Node 20 loads a CommonJS package file by file, and importing one from an ES module also
 * scans its source for its export names; bundled they cost `generate` about 50 ms less CPU at
 * start-up. seedrandom's `require('crypto')` (for seeding without a seed, which specsim never does:
 * `src/rng` seeds Alea from a string) gets an empty module: loading `node:crypto` cost 15 ms and more.
 * The packages of the dashboard and the server (Ink, React, Hono, ...) stay in node_modules, imported
 * as before.
 *
 * Workers are found beside the module that starts them (`spawnWorker`), and the presets at
 * `../../presets` from it, so every output file sits in `dist/bin/`. `dist/cli/cli.js`, the
 * package's `bin` and what tests spawn, becomes a one-line module importing `dist/bin/cli.js`.
 * Source maps go beside each file (`node --enable-source-maps`).
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {Script} from 'node:vm';
import {build} from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

/** Dependencies bundled: the ones `generate` loads. Every other dependency stays external. */
const BUNDLED = new Set(['zod', 'jsonc-parser', 'commander', 'seedrandom', 'prom-client']);

/** The module that loads prom-client's class files with a `require` of its own (see its comment). */
const PROM_CLIENT_MODULE = /[\\/]src[\\/]metrics[\\/]prom[\\/]prom-client\.ts$/;
/** Its `require`, made with `createRequire`, which esbuild does not follow. */
const CREATE_REQUIRE = 'const require = createRequire(import.meta.url);';

/**
 * CommonJS inside an ES module bundle: `prom-client.ts`'s own `require` becomes the bundle's (so its
 * files are bundled), and seedrandom's optional `require('crypto')` an empty module.
 */
const commonJsPlugin = {
	name: 'specsim-commonjs',
	setup(build) {
		build.onLoad({filter: PROM_CLIENT_MODULE}, args => {
			const source = readFileSync(args.path, 'utf8');
			if (!source.includes(CREATE_REQUIRE)) throw new Error(`${args.path}: expected "${CREATE_REQUIRE}" (bundle-cli.mjs bundles its requires)`);
			return {contents: source.replace(CREATE_REQUIRE, '').replace(/^import \{createRequire\} from 'node:module';$/m, ''), loader: 'ts'};
		});
		build.onResolve({filter: /^crypto$/}, args =>
			/[\\/]node_modules[\\/]seedrandom[\\/]/.test(args.importer) ? {path: 'crypto', namespace: 'seedrandom-no-crypto'} : undefined,
		);
		build.onLoad({filter: /.*/, namespace: 'seedrandom-no-crypto'}, () => ({contents: 'module.exports = {};', loader: 'js'}));
	},
};

// Chunk names change with their contents: nothing of an earlier build may stay.
rmSync('dist/bin', {recursive: true, force: true});

/** What both bundles below (the CLI's modules and generate's script) are built for and leave out. */
const NODE_BUNDLE = {
	bundle: true,
	platform: 'node',
	target: 'node20',
	// jsonc-parser's `main` is a UMD build that requires its own files at run time; `module` is ESM.
	mainFields: ['module', 'main'],
	external: Object.keys(pkg.dependencies).filter(name => !BUNDLED.has(name)),
};

const result = await build({
	...NODE_BUNDLE,
	entryPoints: {cli: 'src/cli/cli.ts', 'record-worker': 'src/output/record-worker.ts', worker: 'src/sweep/worker.ts'},
	outdir: 'dist/bin',
	splitting: true,
	format: 'esm',
	// Bundled CommonJS requires Node's built-in modules (commander: `node:events`, ...) through `require`.
	banner: {js: "import {createRequire as __specsimCreateRequire} from 'node:module';\nconst require = __specsimCreateRequire(import.meta.url);"},
	plugins: [commonJsPlugin],
	sourcemap: true,
	logLevel: 'warning',
	metafile: true,
});
// A warning is a bundle that may not do what the modules do (a side-effect import dropped, a require it cannot follow).
if (result.warnings.length > 0) throw new Error(`the CLI bundle has ${result.warnings.length} warning(s), see above`);

// `import {z} from 'zod'` makes zod's whole namespace live (its sixty locales, JSON Schema conversion,
// coercion): 800 KB that every command loading a preset parsed at start-up. `import * as z from 'zod'`
// (zod's documented form) keeps only what is called; the other locales in a bundle mean that form was lost.
const bundled = Object.values(result.metafile.outputs).flatMap(output =>
	Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0),
);
const locales = bundled.filter(([path]) => /zod\/v4\/locales\/(?!en\.js$)/.test(path));
if (locales.length > 0) throw new Error(`the CLI bundle holds ${locales.length} of zod's locales (import * as z from 'zod', not {z})`);

writeFileSync('dist/cli/cli.js', "#!/usr/bin/env node\n// The CLI, bundled (scripts/bundle-cli.mjs).\nimport '../bin/cli.js';\n", {mode: 0o755});

// `generate` once more, as one script for V8's code cache (Node 20 has none for ES modules):
// `dist/bin/cli.js` compiles `generate-cli.cjs` with the cached bytecode of every function the run
// below called, instead of parsing and compiling some 700 KB of JavaScript at each start. The
// script is the generate path alone (program.ts with only the generate command; the other commands'
// modules stay out, never loaded on this path), CommonJS inside the function wrapper `cli.js` calls,
// dynamic imports as requires. V8 accepts the cache only from the same V8 and the same flags
// (`node --cpu-prof ...` compiles the script as before); `cli.js` without these files imports program.js.
const GENERATE_SCRIPT = resolve('dist/bin/generate-cli.cjs');
/** The other commands' modules: not in the generate script (required, were they ever loaded). */
const otherCommandsPlugin = {
	name: 'specsim-generate-only',
	setup(build) {
		build.onResolve({filter: /^\.\/commands\//}, args =>
			args.path !== './commands/generate.js' && /[\\/]src[\\/]cli[\\/]program\.ts$/.test(args.importer)
				? {path: args.path, external: true}
				: undefined,
		);
	},
};
const generateScript = await build({
	...NODE_BUNDLE,
	entryPoints: ['src/cli/program.ts'],
	write: false,
	format: 'cjs',
	define: {'import.meta.url': '__specsimModuleUrl'},
	banner: {js: "const __specsimModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
	// `import()` in a script compiled by node:vm needs a loader of its own; `cli-progress` is CommonJS.
	supported: {'dynamic-import': false},
	// Without comments (those of its modules hold non-ASCII characters) the script is ASCII: cli.js
	// reads it as Latin-1, one byte a character, without decoding UTF-8 (and V8 scans the functions
	// the cache does not hold as one-byte text).
	minifyWhitespace: true,
	plugins: [commonJsPlugin, otherCommandsPlugin],
	logLevel: 'warning',
});
if (generateScript.warnings.length > 0) throw new Error(`the generate script has ${generateScript.warnings.length} warning(s), see above`);
const scriptSource = `(function (exports, require, module, __filename, __dirname) {${generateScript.outputFiles[0].text}\n})`;
if (/[^ -~\t\n\r]/.test(scriptSource)) throw new Error('the generate script is not ASCII (cli.js reads it as Latin-1)');
writeFileSync(GENERATE_SCRIPT, scriptSource);

// The cache: the script compiled and run as cli.js runs it (a short generate, output discarded), then
// V8's code for everything that ran. A run that fails fails the build.
const script = new Script(scriptSource, {filename: GENERATE_SCRIPT});
const generateModule = {exports: {}};
script.runInThisContext()(generateModule.exports, createRequire(GENERATE_SCRIPT), generateModule, GENERATE_SCRIPT, dirname(GENERATE_SCRIPT));
const warmUp = mkdtempSync(join(tmpdir(), 'specsim-bundle-cli-'));
try {
	let stderr = '';
	const output = {
		stdout: () => undefined,
		stderr: text => {
			stderr += text;
		},
	};
	const code = await generateModule.exports.runCli(['generate', '--out', warmUp, '--force', '--duration', '1m'], output);
	if (code !== 0) throw new Error(`the generate script's warm-up run failed (exit ${code}): ${stderr}`);
} finally {
	rmSync(warmUp, {recursive: true, force: true});
}
writeFileSync(`${GENERATE_SCRIPT}.cache`, script.createCachedData());
