import {spawnSync} from 'node:child_process';
import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';

const MODULE = resolve(import.meta.dirname, '../../src/server/young-generation.ts');

/**
 * A node process (with tsx) that allocates like a server, 10,000 small objects a turn with a
 * twentieth of them kept for a while, for 1,500 turns, optionally holding its young generation
 * first; prints the size V8 reports for the new space (both semi-spaces, bytes).
 */
function newSpaceAfterWork(hold: boolean, nodeFlags: readonly string[] = []): number {
	const script = `
		import {getHeapSpaceStatistics} from 'node:v8';
		import {holdYoungGeneration} from ${JSON.stringify(MODULE)};
		if (${hold}) holdYoungGeneration();
		const keep = [];
		let turns = 0;
		const work = () => {
			for (let i = 0; i < 1e4; i++) { const o = {a: i, b: 'x' + i}; if (i % 20 === 0) keep.push(o); }
			if (keep.length > 3e4) keep.splice(0, 1e4);
			if (++turns < 1500) setImmediate(work);
			else console.log(getHeapSpaceStatistics().find(s => s.space_name === 'new_space').space_size);
		};
		work();`;
	const child = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8'});
	expect(child.stderr).toBe('');
	return Number(child.stdout.trim());
}

describe('holdYoungGeneration', () => {
	it("keeps V8's semi-spaces at 4 MiB where V8 alone grows them to its limit (16 MiB with 64-bit Node 20 on a machine with the memory for it)", () => {
		const unheld = newSpaceAfterWork(false);
		expect(unheld).toBeGreaterThanOrEqual(2 * 2 * 2 ** 20);
		expect(newSpaceAfterWork(true)).toBe(Math.min(unheld, 2 * 4 * 2 ** 20));
	});

	it('leaves a node started with --max-semi-space-size as it was started', () => {
		expect(newSpaceAfterWork(true, ['--max-semi-space-size=2'])).toBe(2 * 2 * 2 ** 20);
		expect(newSpaceAfterWork(true, ['--max-semi-space-size=8'])).toBe(2 * 8 * 2 ** 20);
	});
});
