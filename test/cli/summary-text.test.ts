import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-summary-text-'));
function trace(name: string, lines: object[]): string {
	const path = join(dir, name);
	writeFileSync(path, `${lines.map(l => JSON.stringify(l)).join('\n')}\n`);
	return path;
}

async function summaryOf(...flags: string[]): Promise<string> {
	const {code, stdout, stderr} = await cli('run', '--headless', '--no-server', '--speed', 'max', '--duration', '20s', ...flags);
	expect(stderr).toBe('');
	expect(code).toBe(0);
	return stdout.slice(stdout.indexOf('specsim summary:'));
}

describe('the text summary of run', () => {
	// The default preset's max_model_len is 16384: a prompt that long never runs (HTTP 400, as vLLM answers it).
	it('names the requests refused with HTTP 400, which the request counts leave out', async () => {
		const summary = await summaryOf(
			'--trace',
			trace('mixed.jsonl', [
				{arrival_time: 0, prompt_tokens: 100, output_tokens: 20},
				{arrival_time: 1, prompt_tokens: 20_000, output_tokens: 20},
				{arrival_time: 2, prompt_tokens: 16_384, output_tokens: 20},
			]),
		);
		expect(summary).toMatch(/\n {2}requests 1 finished of 1, /);
		expect(summary).toContain('\n  rejected 2 requests with HTTP 400: prompt of max_model_len (16384) tokens or more\n');
	});

	it('says nothing of rejections when there were none', async () => {
		expect(await summaryOf('--trace', trace('ok.jsonl', [{arrival_time: 0, prompt_tokens: 100, output_tokens: 20}]))).not.toContain('rejected');
	});

	it('with speculation on but no draft at all, the acceptance figures are missing (n/a), not a length of 1.00 and rates of 0', async () => {
		const summary = await summaryOf('--trace', trace('none.jsonl', [{arrival_time: 0, prompt_tokens: 20_000, output_tokens: 20}]));
		expect(summary).toContain('\n  rejected 1 request with HTTP 400: prompt of max_model_len (16384) tokens or more\n');
		expect(summary).toContain('\n  drafts 0, draft tokens 0, accepted tokens 0\n');
		expect(summary).toContain('\n  mean acceptance length n/a (model: 2.60), draft acceptance rate n/a (model: 53.5%)\n');
		expect(summary).toContain('\n  per-position acceptance n/a (model: 0.730, 0.521, 0.355)\n');
	});
});

describe('the text summary with drafts shorter than k', () => {
	it('says the model figures are for full-length drafts and how long the drafts were (suffix decoding, up to 24 tokens)', async () => {
		const summary = await summaryOf('--preset', 'llama-3.1-70b-suffix-agentic');
		const drafts = /\n {2}drafts (\d+), draft tokens (\d+),/.exec(summary);
		expect(drafts).not.toBeNull();
		const depth = Number(drafts![2]) / Number(drafts![1]);
		expect(depth).toBeLessThan(24);
		expect(summary).toContain(`\n  (the model figures are for full-length drafts of k = 24; these drafts averaged ${depth.toFixed(2)} tokens)\n`);
	});

	it('full-length drafts (EAGLE-3) need no such note', async () => {
		expect(await summaryOf()).not.toContain('full-length drafts');
	});
});
