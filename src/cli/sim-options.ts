import {dirname, resolve} from 'node:path';
import {type Command, Option} from 'commander';
import {DEFAULT_PRESET, loadPreset, validateConfig} from '../config/load.js';
import type {SimConfig, SimConfigInput} from '../config/schema.js';
import {BUILTIN_WORKLOAD_CLASSES} from '../engine/workload/builtin-classes.js';
import {parseTraceLines} from '../engine/workload/trace.js';
import {createRng} from '../rng/rng.js';
import {resolveClass} from '../sim/build.js';
import type {WorkloadClassSpec} from '../engine/workload/classes.js';
import {resolveMethodName} from '../speculative/proposers/methods.js';
import {ConfigError, type ConfigPath} from '../util/config-error.js';
import {parseDuration} from '../util/duration.js';
import {MAX_ENGINES, MAX_QPS, MAX_REQUEST_TOKENS, MAX_SEED, MAX_TRACE_LINES, MAX_USERS} from '../util/limits.js';
import {UserError} from '../util/user-error.js';
import {MAX_NUM_SPEC_TOKENS} from '../speculative/limits.js';
import {faultsSchema, QPS_RULE} from '../config/schema.js';
import {readLines} from './io/read-lines.js';
import {logFormatOption} from './options.js';
import {parseStartTime} from './start-time.js';

/** Flags every simulating command takes. */
export type SimFlags = {
	preset: string;
	seed: string;
	k?: string;
	method?: string;
	qps?: string;
	engines?: string;
	modelName?: string;
	logFormat?: 'classic' | 'throughput' | 'coverage';
	logInterval?: string;
	routing?: 'round-robin' | 'least-loaded';
	trace?: string;
	concurrency?: string;
	inputLen?: string;
	outputLen?: string;
	rangeRatio?: string;
	enablePrefixCaching?: boolean;
	/** vLLM's `--max-model-len`: the preset's `scheduler.maxModelLen`. */
	maxModelLen?: string;
	errorRate?: string;
	abortRate?: string;
	abortAfter?: string;
	sleep?: string;
	/** The flag that set `qps`, named in its errors (`serve` sets the rate with `--background-qps`). @default '--qps' */
	qpsFlag?: string;
	/** What that flag's errors say it takes (`serve`'s also takes 0, which it reads as none). @default QPS_RULE */
	qpsRule?: string;
};

/** Add the common simulation flags (`--preset`, `--seed`, `--k`, ...) to a command. */
export function addSimOptions(command: Command): Command {
	return command
		.option('--preset <name|file>', 'preset name (see `specsim presets`) or a preset JSON file', DEFAULT_PRESET)
		.option('--seed <n>', 'root random seed: same preset + flags + seed gives identical output', '0')
		.option('--k <n>', 'num_speculative_tokens (draft length); 0 turns speculation off')
		.option('--method <name>', 'speculative method (eagle, eagle3, mtp, medusa, draft_model, ngram, suffix, synthetic), or none')
		.option('--qps <x>', 'arrival rate in requests per virtual second (open-loop workloads)')
		.option(
			'--concurrency <n>',
			'closed loop of N clients, each sending its next request when the previous finishes (vllm bench serve --max-concurrency)',
		)
		.option('--input-len <n>', 'prompt tokens of every request (vllm bench serve --random-input-len)')
		.option('--output-len <n>', 'output tokens of every request (vllm bench serve --random-output-len)')
		.option('--range-ratio <r>', 'spread lengths uniformly over [len·(1−r), len·(1+r)], 0 <= r < 1 (--random-range-ratio)')
		.option('--engines <n>', 'data-parallel engines in one process (engine="0".."N-1")')
		.option('--model-name <name>', 'served model name (the model_name label)')
		.addOption(logFormatOption().default(undefined))
		.option('--log-interval <duration>', "virtual time between log lines, e.g. 10s (VLLM_LOG_STATS_INTERVAL; default: the preset's)")
		.addOption(new Option('--routing <policy>', 'how arrivals are spread over engines').choices(['round-robin', 'least-loaded']))
		.option('--max-model-len <n>', "longest prompt + output in tokens, vLLM's flag (the preset's scheduler.maxModelLen)")
		.option('--enable-prefix-caching', "vLLM's automatic prefix caching (the preset's scheduler.enablePrefixCaching, on by default)")
		.option('--no-enable-prefix-caching', 'turn prefix caching off')
		.option(
			'--trace <file>',
			'replay a JSONL workload trace (arrival_time, prompt_tokens, output_tokens, optional class) instead of the arrival process',
		)
		.option('--error-rate <fraction>', "fraction of requests that end with finish reason error (the preset's faults.errorRate)")
		.option('--abort-rate <fraction>', 'fraction of requests whose client aborts after --abort-after (faults.abort.rate)')
		.option('--abort-after <delay>', 'when a client aborts, from arrival: a duration (30s), exp:MEAN (exp:30s) or uniform:MIN..MAX (uniform:10s..1m)')
		.option('--sleep <schedule>', 'engine sleep intervals START-END[:LEVEL][/wait][@ENGINE], comma-separated, e.g. 1m-2m,5m-6m:2 (faults.sleep)');
}

/** What {@link resolveSimConfig} returns. */
export type ResolvedSimConfig = {
	readonly config: SimConfig;
	readonly seed: number;
	readonly presetPath: string;
	/** `file:line` of a field of the preset, for error messages. */
	readonly where: (path: ConfigPath) => string;
	readonly traceLines?: string[];
};

/** The effective configuration: the preset with the flags applied, validated, and the trace's lines if it has one. */
export async function resolveSimConfig(flags: SimFlags): Promise<ResolvedSimConfig> {
	const {input, path, lineOf} = await loadPreset(flags.preset);
	const seed = parseSeed(flags.seed);
	const next = structuredClone(input) as SimConfigInput & Record<string, unknown>;
	const speculative = {...next.speculative};
	if (flags.k !== undefined) speculative.numSpecTokens = parseInteger(flags.k, '--k', 0, MAX_NUM_SPEC_TOKENS);
	if (flags.method !== undefined) {
		try {
			if (flags.method !== 'none') resolveMethodName(flags.method);
		} catch (error) {
			throw new UserError(`--method: ${(error as Error).message} (or none)`);
		}
		speculative.method = flags.method;
	}
	next.speculative = speculative;
	if (flags.modelName !== undefined) next.servedModelName = flags.modelName;
	if (flags.engines !== undefined) next.engines = {...next.engines, count: parseInteger(flags.engines, '--engines', 1, MAX_ENGINES)};
	if (flags.routing !== undefined) next.engines = {...next.engines, routing: flags.routing};
	if (flags.trace !== undefined) next.workload = {...next.workload, trace: flags.trace};
	if (flags.enablePrefixCaching !== undefined) next.scheduler = {...next.scheduler, enablePrefixCaching: flags.enablePrefixCaching};
	if (flags.maxModelLen !== undefined) next.scheduler = {...next.scheduler, maxModelLen: parseMaxModelLen(flags.maxModelLen)};
	if (flags.logFormat !== undefined || flags.logInterval !== undefined) {
		next.logging = {
			...next.logging,
			...(flags.logFormat === undefined ? {} : {format: flags.logFormat}),
			...(flags.logInterval === undefined ? {} : {intervalS: parseDurationFlag(flags.logInterval, '--log-interval')}),
		};
	}
	if (flags.qps !== undefined) {
		const qps = decimalNumber(flags.qps);
		const flag = flags.qpsFlag ?? '--qps';
		if (!(qps > 0) || !(qps <= MAX_QPS)) throw new UserError(`${flag} ${flags.qpsRule ?? QPS_RULE}, got "${flags.qps}"`);
		const arrival = next.workload.arrival;
		if (arrival.kind === 'closed-loop')
			throw new UserError(
				`${flag} does not apply to preset ${flags.preset}: its workload is a closed loop of ${arrival.users} user${arrival.users === 1 ? '' : 's'}`,
			);
		next.workload = {...next.workload, arrival: {...arrival, rate: qps}};
	}
	next.workload = applyLoadFlags(next.workload, flags);
	const faults = applyFaultFlags(next.faults, flags);
	if (faults !== undefined) next.faults = faults;
	const config = validateConfig(next, `${path} with command-line flags`, FLAG_OF_FIELD);
	if (flags.sleep !== undefined) {
		const beyond = config.faults?.sleep.find(s => s.engine !== undefined && s.engine >= config.engines.count);
		if (beyond !== undefined)
			throw new UserError(`--sleep: no engine ${beyond.engine}: there are ${config.engines.count} (engines 0 to ${config.engines.count - 1})`);
	}
	const where = (fieldPath: ConfigPath): string => `${path}:${lineOf(fieldPath)}`;
	if (config.workload.trace === undefined) return {config, seed, presetPath: path, where};
	// A trace named in a preset file is relative to that file; one given with --trace to the working directory.
	const tracePath = flags.trace ?? resolve(dirname(path), config.workload.trace);
	// Streamed line by line: a line past MAX_LINE_CHARS or a file past MAX_TRACE_LINES is a one-line
	// error before it fills memory.
	const traceLines: string[] = [];
	for await (const line of readLines(tracePath)) {
		if (traceLines.length === MAX_TRACE_LINES)
			throw new UserError(`${tracePath}:${MAX_TRACE_LINES + 1}: a trace holds at most ${MAX_TRACE_LINES} requests (MAX_TRACE_LINES); split the file`);
		traceLines.push(line);
	}
	// A trace without one request would run an idle engine and report nothing: most likely the wrong file.
	if (!traceLines.some(line => line.trim() !== ''))
		throw new UserError(
			`${tracePath}: the trace has no request (${traceLines.length === 0 ? 'an empty file' : 'only blank lines'}); one JSON object per line`,
		);
	// The run parses its trace lazily, a line as its arrival comes due: a bad line past the run's
	// duration would go unseen, and one within it would stop a server or dashboard already up.
	// Every line is checked here, before anything starts (the throwaway stream draws only the
	// temperatures of lines without one, and the run's own streams are forked anew).
	const check = parseTraceLines(traceLines, tracePath, {classes: config.workload.classes.map(resolveClass), rng: createRng(seed).fork('workload')});
	while (check.next().done !== true);
	return {config: {...config, workload: {...config.workload, trace: tracePath}}, seed, presetPath: path, where, traceLines};
}

/**
 * `--concurrency`, `--input-len`, `--output-len` and `--range-ratio` applied to a workload: a
 * closed loop of N clients without think time (vLLM bench's `--max-concurrency` with every request
 * ready), and every class's prompt and output lengths drawn as vLLM bench's random dataset draws
 * them: integers uniform in `[floor(len·(1−r)), ceil(len·(1+r))]` (output at least 1). vLLM also
 * subtracts the tokenizer's special tokens from the input length; specsim does not tokenize.
 */
export function applyLoadFlags(workload: SimConfigInput['workload'], flags: SimFlags): SimConfigInput['workload'] {
	let next = workload;
	if (flags.concurrency !== undefined) {
		if (flags.qps !== undefined) throw new UserError('--concurrency and --qps exclude each other: a closed loop sets its own rate');
		if (flags.trace !== undefined) throw new UserError('--concurrency and --trace exclude each other: a trace sets its own arrival times');
		next = {...next, arrival: {kind: 'closed-loop', users: parseInteger(flags.concurrency, '--concurrency', 1, MAX_USERS)}};
	}
	if (flags.rangeRatio !== undefined && flags.inputLen === undefined && flags.outputLen === undefined)
		throw new UserError('--range-ratio needs --input-len or --output-len');
	if (flags.inputLen === undefined && flags.outputLen === undefined) return next;
	const ratio = flags.rangeRatio === undefined ? 0 : decimalNumber(flags.rangeRatio);
	if (!(ratio >= 0 && ratio < 1)) throw new UserError(`--range-ratio must be a number in [0, 1), got "${flags.rangeRatio}"`);
	type LengthInput = Exclude<SimConfigInput['workload']['classes'][number], string>['prompt'];
	const length = (text: string, flag: string, minimum: number): LengthInput => {
		const value = parseInteger(text, flag, 1, MAX_REQUEST_TOKENS);
		const min = Math.max(minimum, Math.floor(value * (1 - ratio)));
		const max = Math.ceil(value * (1 + ratio));
		return min === max ? {kind: 'fixed', value} : {kind: 'uniform', min, max};
	};
	const prompt = flags.inputLen === undefined ? undefined : length(flags.inputLen, '--input-len', 1);
	const output = flags.outputLen === undefined ? undefined : length(flags.outputLen, '--output-len', 1);
	type ClassInput = SimConfigInput['workload']['classes'][number];
	const classes = next.classes.map((entry): ClassInput => {
		const builtin = typeof entry === 'string' ? (BUILTIN_WORKLOAD_CLASSES as Record<string, WorkloadClassSpec>)[entry] : undefined;
		// An unknown built-in name is reported by the builder at its line.
		if (typeof entry === 'string' && builtin === undefined) return entry;
		const spec = structuredClone(builtin ?? entry) as Exclude<ClassInput, string>;
		// vllm bench serve sends max_tokens = the output length: vLLM answers 400 to a request that does not fit.
		return {...spec, ...(prompt === undefined ? {} : {prompt}), ...(output === undefined ? {} : {output, ignoreEos: true})};
	});
	return {...next, classes};
}

type FaultsInput = NonNullable<SimConfigInput['faults']>;

/**
 * `--error-rate`, `--abort-rate`, `--abort-after` and `--sleep` applied over the preset's `faults`
 * section (each flag replaces its field). Undefined when neither the preset nor a flag has faults,
 * so a run without faults keeps the effective configuration it had before faults existed.
 */
export function applyFaultFlags(faults: SimConfigInput['faults'], flags: SimFlags): FaultsInput | undefined {
	const {errorRate, abortRate, abortAfter, sleep} = flags;
	if (errorRate === undefined && abortRate === undefined && abortAfter === undefined && sleep === undefined) return faults;
	const next: FaultsInput = {...faults};
	if (errorRate !== undefined) next.errorRate = parseFraction(errorRate, '--error-rate');
	if (abortRate !== undefined || abortAfter !== undefined) {
		const rate = abortRate === undefined ? next.abort?.rate : parseFraction(abortRate, '--abort-rate');
		const after = abortAfter === undefined ? next.abort?.after : parseAbortAfter(abortAfter);
		if (rate === undefined) throw new UserError('--abort-after needs --abort-rate (the fraction of requests whose client aborts)');
		if (after === undefined) throw new UserError('--abort-rate needs --abort-after (when a client aborts, e.g. 30s or exp:30s)');
		next.abort = {rate, after};
	}
	if (sleep !== undefined) next.sleep = parseSleepSchedule(sleep);
	return next;
}

/** A fraction flag in [0, 1]. */
function parseFraction(text: string, flag: string): number {
	const value = decimalNumber(text);
	if (!(value >= 0 && value <= 1)) throw new UserError(`${flag} must be a fraction of requests from 0 to 1, got "${text}"`);
	return value;
}

/** A duration flag that may also be zero (`0`, `0s`): when a fault starts or fires, not how long a run lasts. */
function parseTimeFlag(text: string, flag: string): number {
	return /^0+(\.0+)?(ms|s|m|h|d)?$/.test(text.trim()) ? 0 : parseDurationFlag(text, flag);
}

/** `--abort-after`: `D` (fixed), `exp:D` (exponential with mean D) or `uniform:D..D`; D may be 0. */
export function parseAbortAfter(text: string): NonNullable<FaultsInput['abort']>['after'] {
	const flag = '--abort-after';
	const [kind, rest] = text.includes(':') ? [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)] : ['fixed', text];
	if (kind === 'fixed') return {kind: 'fixed', value: parseTimeFlag(rest, flag)};
	if (kind === 'exp') return {kind: 'exponential', mean: parseTimeFlag(rest, flag)};
	if (kind === 'uniform') {
		const parts = rest.split('..');
		if (parts.length !== 2) throw new UserError(`${flag}: expected uniform:MIN..MAX (e.g. uniform:10s..1m), got "${text}"`);
		const min = parseTimeFlag(parts[0]!, flag);
		const max = parseTimeFlag(parts[1]!, flag);
		if (max < min) throw new UserError(`${flag}: MAX must be at least MIN, got "${text}"`);
		return {kind: 'uniform', min, max};
	}
	throw new UserError(`${flag}: expected a duration, exp:MEAN or uniform:MIN..MAX, got "${text}"`);
}

/**
 * `--sleep START-END[:LEVEL][/wait][@ENGINE],...`: engine sleep intervals in start order (START may be 0);
 * every interval is checked as the preset's `faults.sleep` is (in order, not overlapping).
 */
export function parseSleepSchedule(text: string): FaultsInput['sleep'] {
	const flag = '--sleep';
	const intervals = text.split(',').map((item, i) => {
		const m = /^([^-:@/]+)-([^-:@/]+)(?::([^@/]*))?(?:\/([^@]*))?(?:@(.*))?$/.exec(item.trim());
		if (m === null)
			throw new UserError(`${flag}: interval ${i + 1} "${item}": expected START-END[:LEVEL][/wait][@ENGINE], e.g. 1m-2m or 5m-6m:2/wait@0`);
		const start = parseTimeFlag(m[1]!, `${flag}: interval ${i + 1} start`);
		const end = parseDurationFlag(m[2]!, `${flag}: interval ${i + 1} end`);
		if (m[3] !== undefined && m[3] !== '1' && m[3] !== '2')
			throw new UserError(`${flag}: interval ${i + 1} "${item}": LEVEL must be 1 or 2, got "${m[3]}"`);
		const level = m[3] === '2' ? 2 : 1;
		if (!(end > start)) throw new UserError(`${flag}: interval ${i + 1} "${item}": END must be after START`);
		if (m[4] !== undefined && m[4] !== 'wait')
			throw new UserError(`${flag}: interval ${i + 1} "${item}": the only mode to name is /wait, got "/${m[4]}"`);
		const engine = m[5] === undefined ? undefined : parseInteger(m[5], `${flag}: interval ${i + 1} ENGINE`, 0, MAX_ENGINES - 1);
		return {
			startS: start,
			endS: end,
			level,
			...(m[4] === undefined ? {} : {mode: 'wait' as const}),
			...(engine === undefined ? {} : {engine}),
		} as const;
	});
	const checked = faultsSchema.shape.sleep.safeParse(intervals);
	if (!checked.success) {
		const issue = checked.error.issues[0]!;
		const index = typeof issue.path[0] === 'number' ? issue.path[0] : 0;
		throw new UserError(`${flag}: interval ${index + 1} "${text.split(',')[index]!.trim()}": ${issue.message}`);
	}
	return intervals;
}

/** The flag that sets a configuration field, so an error the schema finds after the flags are applied names the flag. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
	'speculative.numSpecTokens': '--k',
	'speculative.method': '--method',
	'engines.count': '--engines',
	'workload.arrival.rate': '--qps',
	'workload.arrival.users': '--concurrency',
	'logging.intervalS': '--log-interval',
	'faults.errorRate': '--error-rate',
	'faults.abort.rate': '--abort-rate',
	servedModelName: '--model-name',
};

/**
 * A flag's text as a decimal number (`3`, `0.5`, `1e3`), NaN for anything else. `Number()` alone
 * reads an empty or blank value as 0 (`--k "$K"` with K unset would silently turn speculation off)
 * and accepts `0x10`, `0b11` and `Infinity`.
 */
export function decimalNumber(text: string): number {
	return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
}

/** An integer flag in `[min, max]` (`max` unbounded when omitted); a documented limit names its range. */
export function parseInteger(text: string, flag: string, min: number, max?: number): number {
	const value = decimalNumber(text);
	if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
		throw new UserError(`${flag} must be an integer ${max === undefined ? `>= ${min}` : `from ${min} to ${max}`}, got "${text}"`);
	}
	return value;
}

/**
 * `--seed`: a decimal integer from 0 to 2^53 - 1. Anything else is refused rather than coerced:
 * `Number()` would read an empty seed as 0 and round seeds above 2^53 onto their neighbours,
 * silently giving two different seeds the same random streams.
 */
export function parseSeed(text: string): number {
	const value = Number(text);
	if (!/^\d{1,16}$/.test(text) || !(value <= MAX_SEED))
		throw new UserError(`--seed must be a decimal integer from 0 to ${MAX_SEED} (2^53 - 1), got "${text}"`);
	return value;
}

/** `--max-model-len` (run, generate, sweep and serve): vLLM's flag, at least 2 tokens (a prompt token and an output token). */
function parseMaxModelLen(text: string): number {
	return parseInteger(text, '--max-model-len', 2, 10_000_000);
}

export function parseDurationFlag(text: string, flag: string): number {
	try {
		return parseDuration(text);
	} catch (error) {
		throw new UserError(`${flag}: ${(error as Error).message}`);
	}
}

/** `--speed` as virtual seconds per wall second, or `max`. */
export function parseSpeed(text: string): number | 'max' {
	if (text === 'max') return 'max';
	const value = decimalNumber(text);
	if (!(value > 0) || !Number.isFinite(value)) throw new UserError(`--speed must be a positive number or "max", got "${text}"`);
	return value;
}

export const speedOption = (): Option => new Option('--speed <x|max>', 'virtual seconds per wall second, or max').default('1');

/**
 * Build from a validated configuration, turning the core's errors into one line naming the
 * preset file, the line and the field: a {@link ConfigError} (an unknown built-in name, a KV cache
 * too small for max_model_len, non-monotone rates, ...) at its field's line; any other
 * RangeError/TypeError at the file.
 */
export function buildChecked<T>(resolved: Pick<ResolvedSimConfig, 'presetPath' | 'where'>, build: () => T): T {
	try {
		return build();
	} catch (error) {
		if (error instanceof ConfigError) throw new UserError(`${resolved.where(error.path)}: ${error.message}`);
		if (error instanceof RangeError || error instanceof TypeError) throw new UserError(`${resolved.presetPath}: ${error.message}`);
		throw error;
	}
}

/** `--start`: an ISO 8601 time as milliseconds since the epoch (undefined when not given). */
export function parseStartFlag(text: string | undefined): number | undefined {
	return text === undefined ? undefined : parseStartTime(text);
}
