import {createRequire} from 'node:module';
import {pathToFileURL} from 'node:url';
import {Worker} from 'node:worker_threads';

/**
 * A worker thread on the module `name` (without extension) beside the module at `here` (pass
 * `import.meta.url`). Compiled (dist) it runs `name.js`; from source (tsx, vitest) it registers
 * tsx's loader first and then imports `name.ts` (Node 20 does not apply `--import tsx` given in a
 * worker's execArgv, hence the small bootstrap).
 */
export function spawnWorker(here: string, name: string): Worker {
	if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here));
	const workerUrl = new URL(`./${name}.ts`, here).href;
	const tsxApi = pathToFileURL(
		createRequire(here)
			.resolve('tsx/esm/api')
			.replace(/\.cjs$/, '.mjs'),
	).href;
	const bootstrap = `import(${JSON.stringify(tsxApi)}).then(api => { api.register(); return import(${JSON.stringify(workerUrl)}); });`;
	return new Worker(bootstrap, {eval: true});
}
