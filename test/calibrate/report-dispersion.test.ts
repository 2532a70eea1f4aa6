import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from '../cli/run-cli.js';

describe('calibrate report: the fits under overdispersion', () => {
	it('says the p-value is that of deviance / φ, and it is: P(χ²₂ ≥ x) = exp(−x/2) for the i.i.d. fit', async () => {
		// A generated log: per-request acceptance varies, so the intervals are overdispersed (φ well above 1).
		const out = join(mkdtempSync(join(tmpdir(), 'specsim-dispersion-')), 'data');
		expect((await cli('generate', '--out', out, '--duration', '2m')).code).toBe(0);
		const result = await cli('calibrate', join(out, 'vllm.log'), '-o', join(out, 'preset.json'));
		const {code} = result;
		const stderr = result.stdout + result.stderr;
		expect(code).toBe(0);
		const phi = Number(/dispersion between intervals: φ = (\d+\.\d+)/.exec(stderr)?.[1]);
		expect(phi).toBeGreaterThan(1.5);
		const iid = /i\.i\.d\. fit \(Leviathan\): alpha = [\d.]+; deviance (\d+\.\d+) on 2 dof \(p = (\d\.\d+) for deviance \/ φ = (\d+\.\d+)\)/.exec(
			stderr,
		);
		expect(iid, stderr).not.toBeNull();
		const [deviance, p, scaled] = [Number(iid![1]), Number(iid![2]), Number(iid![3])];
		expect(scaled).toBeCloseTo(deviance / phi, 1);
		expect(Math.abs(p - Math.exp(-scaled / 2))).toBeLessThan(0.002);
		expect(stderr).toMatch(/decay fit: .*; deviance \d+\.\d+ on 1 dof \((p = \d\.\d+|p < 0\.001) for deviance \/ φ = \d+\.\d+/);
	});
});
