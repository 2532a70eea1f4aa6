import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {fitStepTime, nnls, parseBenchResult, predictStepS, type StepObservation} from '../../src/calibrate/step-time.js';
import {scrapeStepObservation} from '../../src/calibrate/step-time-scrape.js';
import {simConfigSchema} from '../../src/config/schema.js';
import type {FittedStepTime} from '../../src/engine/cost/fitted.js';
import {buildSimulation} from '../../src/sim/build.js';
import {summarize} from '../../src/sim/summary.js';
import {UserError} from '../../src/util/user-error.js';
import {cli} from '../cli/run-cli.js';

/** A known step-time model (roughly an 8B model on one H100). */
const TRUTH: FittedStepTime = {
	kind: 'linear',
	baseS: 0.007,
	perTokenS: 12e-6,
	perContextTokenS: 0.02e-6,
	perRequestS: 30e-6,
	draftPassS: 0.0012,
	draftPerRequestS: 8e-6,
};

/**
 * What `vllm bench serve --save-result` would write for specsim running TRUTH at a concurrency:
 * completed requests, token totals, mean TPOT and, with speculation, the spec-decode fields.
 */
function benchResult(concurrency: number, k: number): Record<string, unknown> {
	const config = simConfigSchema.parse({
		name: 'truth',
		servedModelName: 'm',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		stepTime: TRUTH,
		speculative: {method: k === 0 ? 'none' : 'eagle3', numSpecTokens: k, acceptance: {kind: 'constant', alpha: 0.7}},
		workload: {
			arrival: {kind: 'closed-loop', users: concurrency},
			classes: [{name: 'r', weight: 1, prompt: {kind: 'uniform', min: 400, max: 600}, output: {kind: 'uniform', min: 200, max: 300}}],
		},
	});
	const built = buildSimulation(config, {seed: 3});
	const tpots: number[] = [];
	let input = 0;
	let output = 0;
	built.simulation.subscribe({
		onStep: out => {
			for (const r of out.finished) {
				tpots.push((r.lastTokenAt - r.firstTokenAt) / (r.numOutputTokens - 1));
				input += r.promptTokens;
				output += r.numOutputTokens;
			}
		},
	});
	built.simulation.runUntil(60);
	const s = summarize(built).spec_decode;
	return {
		max_concurrency: concurrency,
		completed: tpots.length,
		total_input_tokens: input,
		total_output_tokens: output,
		mean_tpot_ms: (1000 * tpots.reduce((a, b) => a + b, 0)) / tpots.length,
		...(k === 0
			? {}
			: {
					spec_decode_num_drafts: s.num_drafts,
					spec_decode_draft_tokens: s.num_draft_tokens,
					spec_decode_accepted_tokens: s.num_accepted_tokens,
					spec_decode_acceptance_length: s.mean_acceptance_length,
				}),
	};
}

/** Bench results of TRUTH at four concurrencies, without and with speculation (k = 3). */
const dir = mkdtempSync(join(tmpdir(), 'specsim-bench-'));
const files: string[] = [];
for (const k of [0, 3]) {
	for (const c of [1, 4, 16, 64]) {
		const file = join(dir, `bench-k${k}-c${c}.json`);
		writeFileSync(file, JSON.stringify(benchResult(c, k)));
		files.push(file);
	}
}

describe('step-time calibration from vllm bench serve results', () => {
	it('recovers the step times of a known model from its own bench results within 5% at every point', () => {
		const observations = files.map(f => parseBenchResult(readFileSync(f, 'utf8'), f));
		const fit = fitStepTime(observations);
		for (const p of fit.points) expect(Math.abs(p.relativeError), p.observation.label).toBeLessThan(0.05);
		// The fitted model predicts the true model's steady-state step time at points it was not fitted on.
		const unseen: StepObservation = {label: 'unseen', concurrency: 32, inputLen: 500, outputLen: 250, k: 3, acceptanceLength: 2.53, stepS: 1};
		const truth = predictStepS(TRUTH, unseen);
		expect(Math.abs(predictStepS(fit.stepTime, unseen) / truth - 1)).toBeLessThan(0.1);
	});

	it('calibrate writes a preset whose step time reproduces the bench results', async () => {
		const out = join(dir, 'calibrated.json');
		const result = await cli('calibrate', ...files, '-o', out);
		expect(result.code).toBe(0);
		expect(result.stderr).toContain('step-time fit (linear');
		for (const f of files) expect(result.stderr).toContain(f);
		const preset = JSON.parse(readFileSync(out, 'utf8')) as {stepTime: FittedStepTime};
		expect(preset.stepTime.kind).toBe('linear');
		expect(preset.stepTime.source).toMatch(/^specsim calibrate from 8 vllm bench serve results/);
		// Run specsim with it at concurrency 16 and without speculation: TPOT near the truth's.
		const run = await cli(
			'run',
			'--preset',
			out,
			'--headless',
			'--no-server',
			'--speed',
			'max',
			'--duration',
			'30s',
			'--json',
			'--concurrency',
			'16',
			'--method',
			'none',
			'--input-len',
			'500',
			'--output-len',
			'250',
		);
		expect(run.code).toBe(0);
		// The summary follows the log lines.
		const itl = (JSON.parse(run.stdout.slice(run.stdout.indexOf('\n{') + 1)) as {engines: {inter_token_latency_s: {mean: number}}}).engines
			.inter_token_latency_s.mean;
		const expected = predictStepS(TRUTH, {label: '', concurrency: 16, inputLen: 500, outputLen: 250, k: 0, acceptanceLength: 1, stepS: 1});
		expect(Math.abs(itl / expected - 1)).toBeLessThan(0.1);
	});

	it('rejects a malformed bench result with one line naming the file and field', async () => {
		const bad = join(dir, 'bad.json');
		writeFileSync(bad, JSON.stringify({completed: 10, total_input_tokens: 100, total_output_tokens: 1000, mean_tpot_ms: 5}));
		const result = await cli('calibrate', bad, files[0]!);
		expect(result).toEqual({
			code: 2,
			stdout: '',
			stderr: `specsim: ${bad}: "max_concurrency": expected an integer >= 1 (run vllm bench serve with --max-concurrency), got nothing\n`,
		});
		writeFileSync(bad, '{"max_concurrency": 4,');
		expect((await cli('calibrate', bad, files[0]!)).stderr).toMatch(new RegExp(`^specsim: ${bad}: not JSON`));
		expect(() => parseBenchResult('{"max_concurrency": 0}', 'x.json')).toThrow(UserError);
	});

	it('nnls keeps coefficients non-negative and solves exact systems', () => {
		expect(
			nnls(
				[
					[1, 0],
					[0, 1],
					[1, 1],
				],
				[1, 2, 3],
			).map(x => Number(x.toFixed(9))),
		).toEqual([1, 2]);
		// The unconstrained solution has a negative coefficient: NNLS clamps it at 0.
		const x = nnls(
			[
				[1, 1],
				[1, 2],
				[1, 3],
			],
			[3, 2, 1],
		);
		expect(x[1]).toBe(0);
		expect(x[0]).toBeCloseTo(2, 9);
	});
});

describe('step-time calibration from /metrics scrapes', () => {
	it('reads steps, batched tokens and step time between the first and last scrape, and calibrates from generated scrapes', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'specsim-scrapes-'));
		const preset = join(dir, 'truth.json');
		writeFileSync(
			preset,
			JSON.stringify({
				name: 'truth',
				servedModelName: 'm',
				model: 'llama-3.1-8b',
				hardware: 'h100-sxm',
				stepTime: TRUTH,
				speculative: {method: 'eagle3', numSpecTokens: 3, acceptance: {kind: 'constant', alpha: 0.7}},
				workload: {
					arrival: {kind: 'closed-loop', users: 1},
					classes: [{name: 'r', weight: 1, prompt: {kind: 'fixed', value: 500}, output: {kind: 'fixed', value: 250}}],
				},
			}),
		);
		const outputs: string[] = [];
		for (const c of ['4', '32']) {
			const out = join(dir, `c${c}`);
			const generated = await cli('generate', '--preset', preset, '--concurrency', c, '--out', out, '--duration', '60s', '--scrape-interval', '10s');
			expect(generated.code).toBe(0);
			outputs.push(join(out, 'metrics.om'));
		}
		const observation = scrapeStepObservation(readFileSync(outputs[1]!, 'utf8'), 'c32');
		expect(observation).toBeDefined();
		expect(observation!.k).toBe(3);
		// Prompt tokens count at admission, finished requests at the end: the window edges differ by a request or two.
		expect(Math.abs(observation!.inputLen - 500)).toBeLessThan(5);
		// Close to 32 decoding requests per step (a few are prefilling) and the truth's step time there.
		expect(observation!.concurrency).toBeGreaterThan(28);
		expect(observation!.concurrency).toBeLessThanOrEqual(32);
		expect(Math.abs(predictStepS(TRUTH, observation!) / observation!.stepS - 1)).toBeLessThan(0.05);
		const result = await cli('calibrate', ...outputs, ...files.slice(0, 2), '-o', join(dir, 'calibrated.json'));
		expect(result.code).toBe(0);
		expect(result.stderr).toContain('step-time fit');
		const calibrated = JSON.parse(readFileSync(join(dir, 'calibrated.json'), 'utf8')) as {
			stepTime: FittedStepTime;
			speculative: {numSpecTokens: number};
		};
		expect(calibrated.stepTime.source).toContain('c32/metrics.om');
		expect(calibrated.speculative.numSpecTokens).toBe(3);
	});
});
