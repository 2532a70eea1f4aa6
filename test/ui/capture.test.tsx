import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {renderToString} from 'ink';
import {describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {explainSections} from '../../src/explain/index.js';
import {Session} from '../../src/runtime/session.js';
import App from '../../src/ui/App.js';
import {createDashboardControls} from '../../src/ui/controls.js';
import {createSnapshotStore} from '../../src/ui/snapshot-store.js';
import type {SnapshotSource} from '../../src/ui/snapshot.js';
import {plain} from './create-test-snapshot.js';

/**
 * The README's picture of the dashboard: the default preset after 60 virtual seconds at 100
 * columns and 40 rows (tall enough for every panel), rendered from a real session (seeded, virtual time only, so the text is reproducible).
 * A diff here is a review item: regenerate with `npx vitest run test/ui/capture.test.tsx -u`.
 */
describe('dashboard capture', () => {
	it('default preset, 60 virtual seconds, 100×40', async () => {
		const {config} = await loadPreset(DEFAULT_PRESET);
		const session = new Session(config, {seed: 0});
		const store = createSnapshotStore(session, {metricsUrl: 'http://127.0.0.1:8000/metrics'});
		session.built.simulation.runUntil(60);
		store.refresh();
		const snapshot = store.getSnapshot();
		const source: SnapshotSource = {
			getSnapshot: () => snapshot,
			subscribe: store.subscribe,
		};
		const controls = createDashboardControls(session, {refresh: store.refresh, onRestart: store.restarted});
		const frame = plain(
			renderToString(<App source={source} controls={controls} explain={explainSections} columns={100} rows={40} />, {columns: 100}),
		);
		store.close();
		expect(frame).toContain('t=00:01:00');
		await expect(`${frame}\n`).toMatchFileSnapshot('__capture__/dashboard.txt');
		// The README shows this very frame.
		expect(readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8')).toContain(`\`\`\`text\n${frame}\n\`\`\``);
	});
});
