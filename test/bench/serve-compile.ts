/**
 * The serve bench's server child as JavaScript, the way `specsim serve` runs: the target file
 * (`serve-target.ts`, `serve-floor.ts`) and the bench helpers it imports bundled into one module in
 * its checkout's `dist/bench/`, importing specsim's own modules from that checkout's `dist/` (what
 * `npm run build` compiled) and its packages from `node_modules`.
 *
 * Run through tsx instead, the server was another program: tsx's esbuild service (a child process
 * of the server, pinned with it) woke on the server's core, and every function and class the
 * server's code made (a closure per request) went through esbuild's `__name` helper.
 */
import {readdirSync, statSync} from 'node:fs';
import {basename, dirname, join, relative, resolve, sep} from 'node:path';
import {build, type Plugin} from 'esbuild';

/** `src/` files newer than what `dist/` holds of them: the bench would measure old code. */
function staleModules(checkout: string): string[] {
	const src = resolve(checkout, 'src');
	const stale: string[] = [];
	for (const file of readdirSync(src, {recursive: true, encoding: 'utf8'})) {
		if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
		let compiledMs = 0;
		try {
			compiledMs = statSync(resolve(checkout, 'dist', file.replace(/\.ts$/, '.js'))).mtimeMs;
		} catch {
			// not compiled at all
		}
		if (compiledMs < statSync(resolve(src, file)).mtimeMs) stale.push(join('src', file));
	}
	return stale;
}

/**
 * Compile the target at `targetPath` (in `CHECKOUT/test/bench/`) to `CHECKOUT/dist/bench/NAME.mjs`
 * and return that path. Throws when the checkout's `dist/` is older than its `src/`.
 */
export async function compileTarget(targetPath: string): Promise<string> {
	const checkout = resolve(dirname(targetPath), '..', '..');
	const stale = staleModules(checkout);
	if (stale.length > 0)
		throw new Error(
			`serve bench: ${checkout}/dist is older than ${stale[0]}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}: run npm run build there first`,
		);
	const outfile = resolve(checkout, 'dist', 'bench', basename(targetPath).replace(/\.ts$/, '.mjs'));
	const srcDir = resolve(checkout, 'src') + sep;
	/** `../../src/x.js` becomes the compiled `dist/x.js`, imported as it is, not bundled. */
	const fromDist: Plugin = {
		name: 'serve-bench-dist',
		setup(b) {
			b.onResolve({filter: /^\.\.?\//}, args => {
				const path = resolve(args.resolveDir, args.path);
				if (!path.startsWith(srcDir)) return undefined;
				const compiled = relative(dirname(outfile), resolve(checkout, 'dist', path.slice(srcDir.length)));
				return {path: compiled.startsWith('.') ? compiled : `./${compiled}`, external: true};
			});
		},
	};
	const result = await build({
		entryPoints: [targetPath],
		outfile,
		bundle: true,
		platform: 'node',
		target: 'node20',
		format: 'esm',
		packages: 'external',
		plugins: [fromDist],
		logLevel: 'warning',
	});
	if (result.warnings.length > 0) throw new Error(`serve bench: compiling ${targetPath} gave ${result.warnings.length} warning(s), see above`);
	return outfile;
}
