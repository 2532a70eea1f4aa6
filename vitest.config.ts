import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		environment: 'node',
		testTimeout: 30_000,
		hookTimeout: 60_000,
		pool: 'forks',
		// Property tests with a pinned seed; FC_SEED=random for fresh ones (see the file).
		setupFiles: ['test/setup/fast-check.ts'],
		// The JSON report feeds the `N passed, N failed` line that .ci/run prints.
		reporters: ['default', 'json'],
		outputFile: {json: '.vitest-results.json'},
	},
});
