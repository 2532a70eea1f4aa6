import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {PRESETS_DIR, listPresetNames} from '../../src/config/load.js';
import {listingText} from '../../src/cli/commands/presets.js';
import {cli} from '../cli/run-cli.js';

/** Every `source` string in a JSON value, and the values of a root `sources` record. */
function sourcesIn(value: unknown, root = true): string[] {
	if (Array.isArray(value)) return value.flatMap(item => sourcesIn(item, false));
	if (value === null || typeof value !== 'object') return [];
	return Object.entries(value).flatMap(([key, child]) => {
		if (key === 'source' && typeof child === 'string') return [child];
		if (key === 'sources' && root) return Object.values(child as Record<string, string>);
		return sourcesIn(child, false);
	});
}

describe('specsim presets', () => {
	it('lists every preset on one aligned line: name, method, k, model, hardware, description', async () => {
		const {code, stdout, stderr} = await cli('presets');
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const names = await listPresetNames();
		const lines = stdout.split('\n');
		expect(lines[0]).toMatch(/^NAME +METHOD +K +MODEL +HARDWARE +DESCRIPTION$/);
		const rows = lines.slice(1, 1 + names.length);
		expect(rows.map(row => row.split(' ')[0])).toEqual(names);
		const columns = ['METHOD', 'K', 'MODEL', 'HARDWARE', 'DESCRIPTION'].map(header => lines[0]!.indexOf(header));
		for (const row of rows) for (const at of columns) expect(row[at - 1]).toBe(' ');
		expect(rows.find(row => row.startsWith('llama-3.1-8b-eagle3 '))).toMatch(
			/^llama-3\.1-8b-eagle3 +eagle3 +3 +llama-3\.1-8b +1x h100-sxm +Llama-3\.1-8B-Instruct \+ RedHatAI EAGLE-3/,
		);
		expect(rows.find(row => row.startsWith('llama-3.1-70b-ngram-cnndm '))).toMatch(/ ngram +5 +llama-3\.1-70b +4x h100-sxm /);
		expect(rows.find(row => row.startsWith('deepseek-v3-mtp '))).toMatch(/ deepseek_mtp +1 +deepseek-v3 +8x h200 /);
		expect(stdout).toContain(`${names.length} presets; default (npm start): llama-3.1-8b-eagle3.`);
	});

	it('fits a terminal: descriptions cut to the room left, below their rows when it is small, the model column left out at 80', async () => {
		const names = await listPresetNames();
		const widthOf = (text: string) => Math.max(...text.split('\n').map(line => line.length));
		const whole = await listingText();
		expect(widthOf(whole)).toBeGreaterThan(140);
		const wide = await listingText(140);
		expect(widthOf(wide)).toBe(139);
		expect(wide.split('\n')[0]).toMatch(/^NAME +METHOD +K +MODEL +HARDWARE +DESCRIPTION$/);
		expect(wide).toMatch(/^deepseek-v3-mtp +deepseek_mtp +1 +deepseek-v3 +8x h200 +DeepSeek-V3 \(FP8\) with its native MTP module, k=1,…$/m);
		const narrow = await listingText(100);
		expect(widthOf(narrow)).toBeLessThanOrEqual(99);
		expect(narrow.split('\n').slice(0, 3)).toEqual([
			expect.stringMatching(/^NAME +METHOD +K +MODEL +HARDWARE$/),
			expect.stringMatching(/^deepseek-v3-mtp +deepseek_mtp +1 +deepseek-v3 +8x h200$/),
			'  DeepSeek-V3 (FP8) with its native MTP module, k=1, chat traffic on 8 H200s',
		]);
		const eighty = await listingText(80);
		expect(widthOf(eighty)).toBeLessThanOrEqual(79);
		expect(eighty.split('\n')[0]).toMatch(/^NAME +METHOD +K +HARDWARE$/);
		// Every preset is still listed, in order, under every width.
		for (const text of [wide, narrow, eighty])
			expect(
				text
					.split('\n')
					.filter(line => /^[a-z]/.test(line))
					.map(line => line.split(' ')[0]),
			).toEqual(names);
	});

	it('says when a class sends multi-turn conversations', async () => {
		const {code, stdout} = await cli('presets', 'llama-3.1-8b-eagle3-multi-turn');
		expect(code).toBe(0);
		expect(stdout).toContain(
			'  workload      poisson rate 0.5; classes: multi-turn-chat (weight 1, multi-turn conversations: turns uniform min 6, max 9)\n',
		);
	});

	it('shows one preset: model, method, acceptance closed forms, workload, published figures and every source in the file', async () => {
		const {code, stdout, stderr} = await cli('presets', 'llama-3.1-8b-eagle3');
		expect(stderr).toBe('');
		expect(code).toBe(0);
		expect(stdout).toMatch(/^llama-3\.1-8b-eagle3 \(default\)\n {2}Llama-3\.1-8B-Instruct \+ RedHatAI EAGLE-3/);
		expect(stdout).toContain('  served model  meta-llama/Llama-3.1-8B-Instruct\n');
		expect(stdout).toContain(
			'  model         llama-3.1-8b: meta-llama/Llama-3.1-8B-Instruct, 8.03B params, 2 bytes/param, 32 layers, 131072 KV bytes/token\n',
		);
		expect(stdout).toContain('  hardware      1x h100-sxm: NVIDIA H100 SXM 80GB\n');
		expect(stdout).toContain('  speculative   method eagle3, num_speculative_tokens 3\n');
		expect(stdout).toContain('    per-position (unconditional)  0.7296, 0.5208, 0.3545\n');
		// c_1 = 0.5208 / 0.7296, c_2 = 0.3545 / 0.5208; AL = 1 + Σ r_i; rate = Σ r_i / 3.
		expect(stdout).toContain('    conditional                   0.7296, 0.7138, 0.6807\n');
		expect(stdout).toContain('    mean acceptance length        2.6049\n');
		expect(stdout).toContain('    draft acceptance rate         53.50%\n');
		expect(stdout).toContain('  workload      poisson rate 4; classes: mt-bench (weight 1)\n');
		expect(stdout).toContain('  k=3  mean acceptance length 2.6; per-position 0.7296, 0.5208, 0.3545\n');
		const file = JSON.parse(readFileSync(join(PRESETS_DIR, 'llama-3.1-8b-eagle3.json'), 'utf8')) as unknown;
		const sources = sourcesIn(file);
		expect(sources.length).toBeGreaterThanOrEqual(3);
		for (const source of sources) expect(stdout).toContain(source);
		expect(stdout).toContain('  model (built-in llama-3.1-8b): config.json: hidden_size 4096');
	});

	it.each(['deepseek-v3-mtp', 'llama-3.1-70b-ngram-cnndm', 'llama-3.1-70b-suffix-agentic', 't5-xxl-t5-small-ende', 'teaching-alpha-0.8-k5'])(
		'%s: shows every source in its file',
		async name => {
			const {code, stdout} = await cli('presets', name);
			expect(code).toBe(0);
			for (const source of sourcesIn(JSON.parse(readFileSync(join(PRESETS_DIR, `${name}.json`), 'utf8')))) expect(stdout).toContain(source);
		},
	);

	it('names the canonical method of an alias and flags variable-length drafts', async () => {
		expect((await cli('presets', 'deepseek-v3-mtp')).stdout).toContain('  speculative   method deepseek_mtp (vLLM: mtp), num_speculative_tokens 1\n');
		const ngram = (await cli('presets', 'llama-3.1-70b-ngram-cnndm')).stdout;
		expect(ngram).toContain('num_speculative_tokens 5 (a maximum: drafts are variable-length)');
		expect(ngram).toContain('closed forms at k=5 (for full-length drafts;');
		expect(ngram).toContain('    mean acceptance length        2.5000\n');
		expect((await cli('presets', 'llama-3.1-70b-suffix-agentic')).stdout).toContain('published\n  none: nothing here is a published measurement\n');
	});

	it('an unknown name is a usage error listing the known presets', async () => {
		const {code, stdout, stderr} = await cli('presets', 'no-such-preset');
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(
			/^specsim: unknown preset "no-such-preset"; known: deepseek-v3-mtp, .*llama-3\.1-8b-eagle3, .*vicuna-13b-medusa \(or give a file path\)\n$/,
		);
	});
});
