import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

/** A series' value in a text exposition, summed over its label sets. */
function sample(prom: string, name: string): number {
	let sum = 0;
	for (const line of prom.split('\n')) if (line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
	return sum;
}

/** The largest finite `le` of a histogram's buckets. */
function largestBucket(prom: string, name: string): number {
	const les = [...prom.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"`, 'gm'))].map(m => Number(m[1]));
	return Math.max(...les.filter(Number.isFinite));
}

describe("--max-model-len (vLLM's flag) in run and generate", () => {
	it('is validated as serve validates it: an integer from 2, one line naming the flag, exit 2', async () => {
		for (const command of ['run', 'generate'])
			for (const text of ['1', '0', '1.5', 'abc', '20000000']) {
				const extra = command === 'generate' ? ['--out', join(mkdtempSync(join(tmpdir(), 'specsim-mml-')), 'data')] : ['--no-server'];
				const out = await cli(command, ...extra, '--duration', '5s', '--max-model-len', text);
				expect(out, `${command} ${text}`).toEqual({
					code: 2,
					stdout: '',
					stderr: `specsim: --max-model-len must be an integer from 2 to 10000000, got "${text}"\n`,
				});
			}
	});

	it("generate: the token histograms' 1-2-5 buckets and the default max_tokens follow it", async () => {
		const out = join(mkdtempSync(join(tmpdir(), 'specsim-mml-')), 'data');
		expect((await cli('generate', '--out', out, '--duration', '30s', '--max-model-len', '4096')).code).toBe(0);
		const prom = readFileSync(join(out, 'metrics.prom'), 'utf8');
		// build_1_2_5_buckets(4096) ends at 2000.
		expect(largestBucket(prom, 'vllm:request_prompt_tokens')).toBe(2000);
		const count = sample(prom, 'vllm:request_params_max_tokens_count');
		expect(count).toBeGreaterThan(0);
		// Clients without max_tokens get max_model_len - prompt tokens.
		expect(sample(prom, 'vllm:request_params_max_tokens_sum')).toBe(4096 * count - sample(prom, 'vllm:request_prompt_tokens_sum'));
	});

	it("run: prompts that do not fit are refused with the API server's 400, as with the preset's own limit", async () => {
		const fits = await cli('run', '--no-server', '--json', '--speed', 'max', '--duration', '20s', '--input-len', '1000', '--output-len', '50');
		expect(fits.code).toBe(0);
		expect(JSON.parse(fits.stdout).rejected).toBeUndefined();
		const refused = await cli(
			'run',
			'--no-server',
			'--json',
			'--speed',
			'max',
			'--duration',
			'20s',
			'--input-len',
			'1000',
			'--output-len',
			'50',
			'--max-model-len',
			'600',
		);
		expect(refused.code).toBe(0);
		const summary = JSON.parse(refused.stdout);
		expect(summary.rejected.requests).toBeGreaterThan(0);
		expect(summary.engines.requests_finished).toBe(0);
	});

	it("run --output-len: a request whose prompt + output exceed max_model_len is refused with vLLM's 400 (vllm bench serve sends max_tokens), never cut short", async () => {
		const args = ['run', '--no-server', '--json', '--speed', 'max', '--duration', '20s', '--input-len', '1000', '--max-model-len', '2048'];
		// 1000 + 1048 = 2048 fits: every request finishes with exactly its 1048 tokens, finish reason length.
		const fits = JSON.parse((await cli(...args, '--output-len', '1048')).stdout);
		expect(fits.rejected).toBeUndefined();
		expect(fits.engines.requests_finished).toBeGreaterThan(0);
		expect(fits.engines.finished_by_reason).toMatchObject({stop: 0, length: fits.engines.requests_finished});
		// One token more does not fit: vLLM answers 400 to every request (specsim used to cut each to 1048 tokens).
		const refused = JSON.parse((await cli(...args, '--output-len', '1049')).stdout);
		expect(refused.engines.requests_finished).toBe(0);
		expect(refused.rejected).toEqual({requests: expect.any(Number), status: 400});
		expect(refused.rejected.requests).toBeGreaterThan(0);
		const text = await cli(...args.filter(a => a !== '--json'), '--headless', '--output-len', '1049');
		expect(text.stdout).toMatch(/\n {2}rejected \d+ requests with HTTP 400: prompt \+ max_tokens \(--output-len\) beyond max_model_len \(2048\)\n/);
	});
});
