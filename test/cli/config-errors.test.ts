import {existsSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {cli} from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'specsim-config-errors-'));

/** The preset fields the cases below break; the rest are left as they are. */
interface Preset {
	model: string;
	scheduler: Record<string, unknown>;
	speculative: {acceptance: Record<string, unknown>; numSpecTokens?: number};
	workload: {arrival: Record<string, unknown>} & Record<string, unknown>;
	engines?: Record<string, unknown>;
	logging?: Record<string, unknown>;
	published?: unknown[];
	faults?: Record<string, unknown>;
}

/** A valid preset, one field per line, with `patch` applied to the object first. */
function presetFile(name: string, patch: (preset: Preset) => void): string {
	const preset = {
		name: 'broken',
		servedModelName: 'm',
		model: 'llama-3.1-8b',
		hardware: 'h100-sxm',
		scheduler: {maxModelLen: 4096},
		speculative: {method: 'eagle', numSpecTokens: 3, acceptance: {kind: 'unconditional', rates: [0.7, 0.5, 0.3]}},
		workload: {arrival: {kind: 'poisson', rate: 1}, classes: ['chat']},
	};
	patch(preset);
	const path = join(dir, `${name}.json`);
	writeFileSync(path, `${JSON.stringify(preset, null, 2)}\n`);
	return path;
}

/** Edits a valid preset into a broken one. */
type Patch = Parameters<typeof presetFile>[1];

/** The 1-based line of the first occurrence of `text` in the file. */
const lineOf = (path: string, text: string): number =>
	require('node:fs')
		.readFileSync(path, 'utf8')
		.split('\n')
		.findIndex((l: string) => l.includes(text)) + 1;

describe('bad presets: one line naming file, line and field; exit code 2; nothing written', () => {
	it.each([
		[
			'non-increasing rates',
			(p: Preset) => {
				p.speculative.acceptance['rates'] = [0.5, 0.6, 0.3];
			},
			'0.6',
			'speculative.acceptance.rates[1]: unconditional rates must be non-increasing: rates[1]=0.6 exceeds rates[0]=0.5',
		],
		[
			'a misspelt key',
			(p: Preset) => {
				p.scheduler['maxNumSeq'] = 8;
			},
			'"maxNumSeq"',
			'scheduler.maxNumSeq: unknown field',
		],
		[
			'a missing required field',
			(p: Preset) => {
				delete (p as unknown as Record<string, unknown>)['servedModelName'];
			},
			'{',
			'servedModelName: required field missing (expected string)',
		],
		[
			'an unknown model',
			(p: Preset) => {
				p.model = 'llama-9b';
			},
			'"model"',
			'model: unknown built-in model "llama-9b"',
		],
		[
			'an unknown class',
			(p: Preset) => {
				p.workload['classes'] = ['chat', 'poetry'];
			},
			'"poetry"',
			'workload.classes[1]: unknown built-in class "poetry"',
		],
		[
			'a KV cache too small for max_model_len',
			(p: Preset) => {
				p.scheduler['numKvBlocks'] = 10;
			},
			'"scheduler"',
			'scheduler: KV cache (10 blocks × 16 tokens) cannot hold one request of maxModelLen=4096 plus 3 lookahead tokens',
		],
	])('%s', async (name, patch, marker, message) => {
		const path = presetFile(name.replaceAll(' ', '-'), patch);
		const out = join(dir, `out-${name.replaceAll(' ', '-')}`);
		const {code, stdout, stderr} = await cli('generate', '--preset', path, '--out', out, '--duration', '5s');
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr.split('\n')).toHaveLength(2);
		expect(stderr).toContain(`specsim: ${path}:${lineOf(path, marker)}: ${message}`);
		expect(require('node:fs').existsSync(out)).toBe(false);
	});

	it('reports invalid JSON with its line', async () => {
		const path = join(dir, 'syntax.json');
		writeFileSync(path, '{\n  "name": "x",\n  "model": \n}\n');
		const {code, stderr} = await cli('run', '--headless', '--no-server', '--preset', path, '--duration', '1s');
		expect(code).toBe(2);
		expect(stderr).toBe(`specsim: ${path}:4: invalid JSON: value expected\n`);
	});
});

/** Run the CLI, expecting exit code 2 and exactly one line on stderr; returns that line. */
async function oneLineError(...argv: string[]): Promise<string> {
	const {code, stdout, stderr} = await cli(...argv);
	expect(stdout).toBe('');
	expect(stderr.endsWith('\n')).toBe(true);
	expect(stderr.slice(0, -1)).not.toContain('\n');
	expect(code).toBe(2);
	return stderr.slice(0, -1);
}

describe('bad numbers are refused where they are read, with documented limits', () => {
	const ok = presetFile('limits-ok', () => undefined);
	it.each([
		[['--k', '10000'], '--k must be an integer from 0 to 64, got "10000"'],
		[['--k', '65'], '--k must be an integer from 0 to 64, got "65"'],
		[['--engines', '1000000000'], '--engines must be an integer from 1 to 64, got "1000000000"'],
		[['--qps', '1e9'], '--qps must be a positive number of requests per virtual second, at most 10000, got "1e9"'],
		[['--qps', 'Infinity'], '--qps must be a positive number of requests per virtual second, at most 10000, got "Infinity"'],
		[['--seed', ''], '--seed must be a decimal integer from 0 to 9007199254740991 (2^53 - 1), got ""'],
		[['--seed', '9007199254740993'], '--seed must be a decimal integer from 0 to 9007199254740991 (2^53 - 1), got "9007199254740993"'],
		[['--seed', '1e3'], '--seed must be a decimal integer from 0 to 9007199254740991 (2^53 - 1), got "1e3"'],
		[['--seed', '-1'], '--seed must be a decimal integer from 0 to 9007199254740991 (2^53 - 1), got "-1"'],
		[['--duration', '31d'], '--duration: invalid duration "31d" (at most 30d)'],
		[['--log-interval', '1ms'], '--log-interval must be at least 0.1 virtual seconds, got 0.001'],
		[['--k', '\u001b[31m'], '--k must be an integer from 0 to 64, got "\\u001b[31m"'],
		// An empty or blank value (`--k "$K"` with K unset) is not 0: it would silently turn speculation off.
		[['--k', ''], '--k must be an integer from 0 to 64, got ""'],
		[['--k', ' '], '--k must be an integer from 0 to 64, got " "'],
		[['--concurrency', ''], '--concurrency must be an integer from 1 to 100000, got ""'],
		[['--k', '0x3'], '--k must be an integer from 0 to 64, got "0x3"'],
		[['--port', ''], '--port must be an integer in 0..65535, got ""'],
		[['--qps', '0x10'], '--qps must be a positive number of requests per virtual second, at most 10000, got "0x10"'],
		[['--input-len', '100', '--range-ratio', ''], '--range-ratio must be a number in [0, 1), got ""'],
		// Request lengths have the trace's limit (MAX_REQUEST_TOKENS), named by the flag.
		[['--input-len', '1e308'], '--input-len must be an integer from 1 to 10000000, got "1e308"'],
		[['--output-len', '20000000'], '--output-len must be an integer from 1 to 10000000, got "20000000"'],
		// Checked by the preset schema, worded by specsim rather than zod ("Too small: expected string to have >=1 characters").
		[['--model-name', ''], '--model-name must not be empty'],
	])('flag %j', async (flags, message) => {
		expect(await oneLineError('run', '--headless', '--no-server', '--speed', 'max', '--duration', '1s', '--preset', ok, ...flags)).toBe(
			`specsim: ${message}`,
		);
	});

	it('generate refuses a --scrape-interval that would write millions of scrapes a virtual minute', async () => {
		const out = join(dir, 'scrape-too-often');
		expect(await oneLineError('generate', '--out', out, '--duration', '1s', '--scrape-interval', '1ms')).toBe(
			'specsim: --scrape-interval must be at least 0.1 virtual seconds, got 0.001',
		);
		expect(existsSync(out)).toBe(false);
	});

	it('--k at or above the token budget names the flag and the budget', async () => {
		const path = presetFile('small-budget', p => {
			p.scheduler = {maxModelLen: 4, maxNumBatchedTokens: 4, chunkedPrefill: true};
		});
		expect(await oneLineError('run', '--headless', '--no-server', '--duration', '1s', '--preset', path, '--k', '4')).toBe(
			'specsim: --k must be below the token budget scheduler.maxNumBatchedTokens=4 (a draft of k tokens needs k + 1 tokens in one step), got 4',
		);
	});

	it.each<[string, Patch, string, string]>([
		[
			'speculative.numSpecTokens above the maximum',
			p => {
				p.speculative.numSpecTokens = 10000;
			},
			'"numSpecTokens"',
			'speculative.numSpecTokens: must be an integer from 0 to 64, got 10000',
		],
		[
			'speculative.numSpecTokens at the token budget',
			p => {
				p.scheduler = {maxModelLen: 3, maxNumBatchedTokens: 3};
			},
			'"numSpecTokens"',
			'speculative.numSpecTokens: must be below the token budget scheduler.maxNumBatchedTokens=3 (a draft of k tokens needs k + 1 tokens in one step), got 3',
		],
		[
			'engines.count',
			p => {
				p.engines = {count: 1e9};
			},
			'"count"',
			'engines.count: must be an integer from 1 to 64, got 1000000000',
		],
		[
			'an arrival rate',
			p => {
				p.workload.arrival['rate'] = 1e9;
			},
			'"rate"',
			'workload.arrival.rate: must be a positive number of requests per virtual second, at most 10000, got 1000000000',
		],
		[
			'closed-loop users',
			p => {
				p.workload.arrival = {kind: 'closed-loop', users: 1e8};
			},
			'"users"',
			'workload.arrival.users: must be an integer from 1 to 100000, got 100000000',
		],
		[
			'a log interval',
			p => {
				p.logging = {intervalS: 1e-9};
			},
			'"intervalS"',
			'logging.intervalS: must be at least 0.1 virtual seconds, got 1e-9',
		],
		[
			'a published k',
			p => {
				p.published = [{numSpecTokens: 65, source: 'x'}];
			},
			'"numSpecTokens": 65',
			'published[0].numSpecTokens: must be an integer from 1 to 64, got 65',
		],
		[
			'a negative fault rate',
			p => {
				p.faults = {errorRate: -0.1};
			},
			'"errorRate"',
			'faults.errorRate: must be a fraction of requests from 0 to 1, got -0.1',
		],
		[
			'an error rate above 1',
			p => {
				p.faults = {errorRate: 1.5};
			},
			'"errorRate"',
			'faults.errorRate: must be a fraction of requests from 0 to 1, got 1.5',
		],
		[
			'an abort rate above 1',
			p => {
				p.faults = {abort: {rate: 2, after: {kind: 'fixed', value: 5}}};
			},
			'"rate": 2',
			'faults.abort.rate: must be a fraction of requests from 0 to 1, got 2',
		],
		[
			'a negative abort delay',
			p => {
				p.faults = {abort: {rate: 0.1, after: {kind: 'exponential', mean: -3}}};
			},
			'"mean"',
			'faults.abort.after.mean: must be a number of virtual seconds from 0 to 2592000, got -3',
		],
		[
			'a sleep interval ending before it starts',
			p => {
				p.faults = {sleep: [{startS: 60, endS: 30}]};
			},
			'"endS"',
			'faults.sleep[0].endS: must be after startS (60), got 30',
		],
		[
			'overlapping sleep intervals',
			p => {
				p.faults = {
					sleep: [
						{startS: 10, endS: 60},
						{startS: 30, endS: 90, level: 2},
					],
				};
			},
			'"startS": 30',
			'faults.sleep[1].startS: starts at 30, inside the interval from 10 to 60 on the same engine: an engine must wake before it sleeps again',
		],
		[
			'unordered sleep intervals',
			p => {
				p.faults = {
					sleep: [
						{startS: 100, endS: 120},
						{startS: 10, endS: 20},
					],
				};
			},
			'"startS": 10,',
			"faults.sleep[1].startS: sleep intervals must be in start order: 10 is before the previous interval's start 100",
		],
		[
			'a sleep level of 3',
			p => {
				p.faults = {sleep: [{startS: 10, endS: 20, level: 3}]};
			},
			'"level"',
			'faults.sleep[0].level: must be sleep level 1 or 2, got 3',
		],
		[
			'a sleep on an engine the preset does not have',
			p => {
				p.faults = {sleep: [{startS: 10, endS: 20, engine: 2}]};
			},
			'"engine"',
			'faults.sleep[0].engine: no engine 2: engines.count is 1 (engines 0 to 0)',
		],
	])('preset field: %s', async (_name, patch, marker, message) => {
		const path = presetFile(`limits-${_name.replaceAll(' ', '-')}`, patch);
		expect(await oneLineError('run', '--headless', '--no-server', '--duration', '1s', '--preset', path)).toBe(
			`specsim: ${path}:${lineOf(path, marker)}: ${message}`,
		);
	});
});

describe('bad event lines: one line naming file, line and field; exit code 2', () => {
	/** A real stream from `generate` (one engine, budget 8192, 256 sequences), cut after a few steps. */
	let meta: {config: {scheduler: object}};
	let step: string;
	beforeAll(async () => {
		const out = join(dir, 'generated');
		expect((await cli('generate', '--out', out, '--duration', '2s', '--k', '3')).code).toBe(0);
		const lines = require('node:fs').readFileSync(join(out, 'events.jsonl'), 'utf8').split('\n');
		meta = JSON.parse(lines[0]);
		step = lines.find((l: string) => l.includes('"step"') && !l.includes('"drafts":[]'));
	});
	const stepAt = (t: number, fields: Record<string, unknown> = {}): string => JSON.stringify({...JSON.parse(step), t, ...fields});
	const deep = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

	it.each<[string, () => string[], number, string]>([
		['k far above the maximum', () => [stepAt(1, {num_spec_tokens: 1e9})], 2, '"num_spec_tokens" must be an integer from 1 to 64, got 1000000000'],
		['k of 1e300', () => [stepAt(1, {num_spec_tokens: 1e300})], 2, '"num_spec_tokens" must be an integer from 1 to 64, got 1e+300'],
		['k missing', () => [stepAt(1, {num_spec_tokens: undefined})], 2, '"num_spec_tokens" must be an integer from 1 to 64, got nothing'],
		[
			'k changing within one engine',
			() => [stepAt(1), stepAt(2, {num_spec_tokens: 5, drafts: [[5, 5]]})],
			3,
			'"num_spec_tokens" 5 differs from 3, which engine 0 used on line 2 (k cannot change within one engine)',
		],
		['time going backwards', () => [stepAt(5), stepAt(2)], 3, '"t" 2 is before 5, the time of line 2 (records must be in time order)'],
		[
			'an engine beyond the meta record',
			() => [stepAt(1, {engine: 1})],
			2,
			'"engine" 1 is beyond the meta record\'s engine count 1 (engines 0 to 0)',
		],
		['an engine id of 1e9', () => [stepAt(1, {engine: 1e9})], 2, '"engine" 1000000000 is beyond the meta record\'s engine count 1 (engines 0 to 0)'],
		['t as a NaN string', () => [stepAt(1, {t: 'NaN'})], 2, '"t" must be a non-negative number of virtual seconds, got "NaN"'],
		['a negative count', () => [stepAt(1, {drafts: [[-1, 0]]})], 2, '"drafts[0]" has a negative count: [-1,0]'],
		[
			'deeply nested drafts',
			() => [step.replace(/"drafts":\[.*\]/, `"drafts":${deep(100_000)}`)],
			2,
			'"drafts[0]" must be a pair of integers [numDraftTokens, numAcceptedTokens], got [[[…]]]',
		],
		[
			'a deeply nested t',
			() => [step.replace(/"t":[^,]*/, `"t":${deep(100_000)}`)],
			2,
			'"t" must be a non-negative number of virtual seconds, got [[[…]]]',
		],
		[
			'control characters in the type',
			() => ['{"type":"st\\u001b[2J\\u0007ep"}'],
			2,
			'unknown record type "st\\u001b[2J\\u0007ep" (expected "meta", "step" or "log")',
		],
		['raw control characters in broken JSON', () => ['{"type":"step" \u001b[31mRED\u0007}'], 2, "invalid JSON at column 16: expected ',' or '}'"],
		['a truncated line', () => ['{"type":"step","t":1,"engine":0,"num_spec_tok'], 2, 'invalid JSON at column 33: unterminated string'],
		['a meta record not first', () => [JSON.stringify(meta)], 2, 'a "meta" record may only be the first line'],
	])('%s', async (_name, lines, lineNumber, message) => {
		const path = join(dir, `events-${_name.replaceAll(' ', '-')}.jsonl`);
		writeFileSync(path, `${[JSON.stringify(meta), ...lines()].join('\n')}\n`);
		expect(await oneLineError('replay', path)).toBe(`specsim: ${path}:${lineNumber}: ${message}`);
	});

	it("k at or above the meta record's token budget", async () => {
		const path = join(dir, 'events-budget.jsonl');
		const small = {...meta, config: {...meta.config, scheduler: {...meta.config.scheduler, maxNumBatchedTokens: 3}}};
		writeFileSync(path, `${[JSON.stringify(small), stepAt(1)].join('\n')}\n`);
		expect(await oneLineError('replay', path)).toBe(
			`specsim: ${path}:2: "num_spec_tokens" 3 must be below the token budget config.scheduler.maxNumBatchedTokens=3 of the meta record (a draft of k tokens needs k + 1 tokens in one step)`,
		);
	});

	it.each([
		['--k', '1000'],
		['--observed-k', '65'],
	])('calibrate %s %s names the flag and the documented maximum', async (flag, value) => {
		const log = join(dir, 'generated', 'vllm.log');
		expect(await oneLineError('calibrate', log, flag, value)).toBe(`specsim: ${flag} must be an integer from 1 to 64, got "${value}"`);
	});

	it('--verify quotes a recorded line with its control characters escaped', async () => {
		const path = join(dir, 'events-verify.jsonl');
		writeFileSync(
			path,
			`${[JSON.stringify(meta), stepAt(1), JSON.stringify({type: 'log', t: 10, engine: 0, line: '\u001b]0;pwned\u0007'})].join('\n')}\n`,
		);
		const {code, stderr} = await cli('replay', path, '--verify');
		expect(code).toBe(1);
		expect(stderr).toContain('recorded: \\u001b]0;pwned\\u0007\n');
		// biome-ignore lint/suspicious/noControlCharactersInRegex: the test is that none is printed
		expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
	});
});
