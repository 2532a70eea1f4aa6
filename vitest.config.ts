import {readdirSync, readFileSync} from 'node:fs';
import {defineConfig} from 'vitest/config';

/**
 * Three projects, all run by `npm test`:
 *
 * - `unit`: everything that calls the code in-process without a terminal, a server or a child
 *   process. Threads without isolation: the modules a file imports (zod, prom-client, the core) stay
 *   loaded for the next file in the same worker instead of being imported again per file.
 * - `integration`: the CLI driven in-process, the Ink dashboard, the /metrics server and anything
 *   that spawns a process (promtool, sweep workers). Separate processes, each file isolated.
 * - `e2e`: the built CLI scraped by a real Prometheus.
 *
 * `npm run test:unit` runs the first for a fast inner loop.
 */
const INTEGRATION = [
	'test/cli/**/*.test.ts',
	'test/*/cli.test.ts',
	'test/server/**/*.test.ts',
	'test/serve/**/*.test.ts',
	'test/ui/**/*.test.tsx',
	'test/ui/run-dashboard.test.ts',
	'test/metrics/prom/promtool.test.ts',
	'test/presets/presets-command.test.ts',
	'test/sweep/sweep.test.ts',
	'test/sweep/load-flags.test.ts',
	'test/sim/dataset-timestamps.test.ts',
	'test/golden/prometheus-client.test.ts',
	'test/metrics/log/mfu-cli.test.ts',
];
const E2E = ['test/e2e/**/*.test.ts'];

/**
 * Test files that start a process (they import `node:child_process`), outside e2e: integration,
 * whatever their folder, so that no unit file can spawn by oversight (the unit project shares one
 * worker's module state and runs with the others at full parallelism).
 */
const SPAWNING = (readdirSync('test', {recursive: true, encoding: 'utf8'}) as string[])
	.map(name => `test/${name.replaceAll('\\', '/')}`)
	.filter(path => /\.test\.tsx?$/.test(path) && !path.startsWith('test/e2e/'))
	.filter(path => readFileSync(path, 'utf8').includes("from 'node:child_process'"));

export default defineConfig({
	test: {
		environment: 'node',
		testTimeout: 30_000,
		hookTimeout: 60_000,
		setupFiles: ['test/setup/fast-check.ts'],
		// The JSON report feeds the `N passed, N failed` line that .ci/run prints.
		reporters: ['default', 'json'],
		outputFile: {json: '.vitest-results.json'},
		projects: [
			{
				extends: true,
				test: {name: 'unit', include: ['test/**/*.test.{ts,tsx}'], exclude: [...INTEGRATION, ...SPAWNING, ...E2E], pool: 'threads', isolate: false},
			},
			{extends: true, test: {name: 'integration', include: [...INTEGRATION, ...SPAWNING], pool: 'forks'}},
			{extends: true, test: {name: 'e2e', include: E2E, pool: 'forks'}},
		],
	},
});
