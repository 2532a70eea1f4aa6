import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {Session} from '../../src/runtime/session.js';
import LogLines from '../../src/ui/components/LogLines.js';
import {createSnapshotStore} from '../../src/ui/snapshot-store.js';
import {plain} from './create-test-snapshot.js';

describe('dashboard log lines', () => {
	it('print every line exactly once, in order, while the store holds a bounded list and Ink keeps no copy', async () => {
		const {config} = await loadPreset(DEFAULT_PRESET);
		const session = new Session(config, {seed: 0});
		const maxLogLines = 4;
		const store = createSnapshotStore(session, {maxLogLines});
		// Every line of the run, from a store that never starts a new epoch (the independent record).
		const everything = createSnapshotStore(session, {maxLogLines: 1_000_000});
		const screen = render(<LogLines logs={store.getSnapshot().logs} />);
		let held = 0;
		let lastId = -1;
		let longestStretch = 0;
		// Publish after uneven stretches of simulated time: none, a few lines, and many lines at once
		// (more than the buffer holds, as at --speed max between two publishes).
		let t = 0;
		for (let i = 1; i <= 60; i++) {
			t += (i % 7) * 9;
			session.built.simulation.runUntil(t);
			const {logs} = store.refresh();
			held = Math.max(held, logs.lines.length);
			const newestId = logs.lines.at(-1)?.id ?? -1;
			longestStretch = Math.max(longestStretch, newestId - lastId);
			lastId = newestId;
			screen.rerender(<LogLines logs={logs} />);
		}
		const all = everything.refresh().logs.lines.map(l => l.text);
		expect(all.length).toBeGreaterThan(100);
		expect(lastId).toBe(all.length - 1);
		// Every write to the terminal, in order: the log lines and the (empty) live frames between them.
		const squeeze = (text: string): string => text.replace(/\s+/g, '');
		expect(squeeze(plain(screen.frames.join('')))).toBe(squeeze(all.join('')));
		// ink-testing-library renders in debug mode, where each frame repeats everything Ink keeps of
		// earlier output (as <Static> made it keep every log line): the last frame holds only the last lines.
		expect(plain(screen.lastFrame() ?? '')).not.toContain(all[0]);
		expect(plain(screen.lastFrame() ?? '').length).toBeLessThan(all.join('').length / 4);
		// Bounded by the buffer plus the lines of one publishing interval, not by the run's length.
		expect(longestStretch).toBeGreaterThan(maxLogLines);
		expect(held).toBeLessThanOrEqual(maxLogLines + longestStretch);
		expect(held).toBeLessThan(all.length / 4);
		screen.unmount();
		store.close();
		everything.close();
	});
});
