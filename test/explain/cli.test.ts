import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {DEFAULT_PRESET, loadPreset} from '../../src/config/load.js';
import {EXPLAIN_SECTION_IDS} from '../../src/explain/index.js';
import {cli} from '../cli/run-cli.js';

/** The default preset with Leviathan's i.i.d. acceptance, alpha = 0.8, k = 4, classic log layout. */
async function iidPreset(): Promise<string> {
	const {input} = await loadPreset(DEFAULT_PRESET);
	const speculative: Record<string, unknown> = {...input.speculative, numSpecTokens: 4, acceptance: {kind: 'constant', alpha: 0.8}};
	delete speculative['heterogeneity'];
	const path = join(mkdtempSync(join(tmpdir(), 'specsim-explain-')), 'iid.json');
	writeFileSync(path, JSON.stringify({...input, name: 'iid-0.8', speculative, logging: {format: 'classic'}}));
	return path;
}

describe('specsim explain', () => {
	it("prints every section with the preset's numbers", async () => {
		const {code, stdout, stderr} = await cli('explain', '--preset', await iidPreset());
		expect(stderr).toBe('');
		expect(code).toBe(0);
		expect(stdout.startsWith('specsim explain: preset iid-0.8, k = 4, expected counts for 1000 full-length drafts\n\n## What a draft is\n')).toBe(
			true,
		);
		expect(stdout).toContain('0.800            0.800');
		expect(stdout).toContain('3                       0.410            0.800'); // r_3 = 0.8^4 = 0.4096
		expect(stdout).toContain('The model expects 1 + E[N] = 3.362'); // 1 + 0.8 + 0.64 + 0.512 + 0.4096
		expect(stdout).toContain(
			'Draft acceptance rate: 59.1%, Mean acceptance length: 3.36, Accepted: 2362 tokens, Drafted: 4000 tokens, Per-position acceptance rate: 0.800, 0.640, 0.512, 0.410',
		);
		expect(stdout).toMatch(/^4 +3\.362 +59\.0% +0\.410 +<- this k$/m);
		expect(stdout).toContain('## How Prometheus and PromQL show them');
	});

	it('--k changes k everywhere; --json gives numbers and sections', async () => {
		const preset = await iidPreset();
		const {stdout} = await cli('explain', '--preset', preset, '--k', '2');
		expect(stdout).toContain('k = 2, expected counts');
		expect(stdout).toMatch(/^2 +2\.440 +72\.0% +0\.640 +<- this k$/m);
		const json = JSON.parse((await cli('explain', '--preset', preset, '--json', '--drafts', '500')).stdout) as {
			numbers: {k: number; numDrafts: number};
			sections: Array<{id: string}>;
		};
		expect(json.numbers).toMatchObject({k: 4, numDrafts: 500});
		expect(json.sections.map(s => s.id)).toEqual([...EXPLAIN_SECTION_IDS]);
	});

	it('rejects bad flags with one line', async () => {
		expect((await cli('explain', '--k', '0')).stderr).toBe('specsim: --k must be an integer from 1 to 64, got "0"\n');
		expect((await cli('explain', '--drafts', 'x')).stderr).toBe('specsim: --drafts must be an integer from 1 to 1000000000000, got "x"\n');
	});
});
