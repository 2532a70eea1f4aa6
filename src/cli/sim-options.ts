import {readFile} from 'node:fs/promises';
import {dirname, resolve} from 'node:path';
import {type Command, Option} from 'commander';
import {describeFsError} from './io/read-lines.js';
import {DEFAULT_PRESET, loadPreset, validateConfig} from '../config/load.js';
import type {SimConfig, SimConfigInput} from '../config/schema.js';
import {resolveMethodName} from '../speculative/proposers/methods.js';
import {ConfigError, type ConfigPath} from '../util/config-error.js';
import {parseDuration} from '../util/duration.js';
import {UserError} from '../util/user-error.js';
import {logFormatOption} from './options.js';

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
};

/** Add the common simulation flags (`--preset`, `--seed`, `--k`, ...) to a command. */
export function addSimOptions(command: Command): Command {
	return command
		.option('--preset <name|file>', 'preset name (see `specsim presets`) or a preset JSON file', DEFAULT_PRESET)
		.option('--seed <n>', 'root random seed: same preset + flags + seed gives identical output', '0')
		.option('--k <n>', 'num_speculative_tokens (draft length)')
		.option('--method <name>', 'speculative method (eagle, eagle3, mtp, medusa, draft_model, ngram, suffix, synthetic)')
		.option('--qps <x>', 'arrival rate in requests per virtual second (open-loop workloads)')
		.option('--engines <n>', 'data-parallel engines in one process (engine="0".."N-1")')
		.option('--model-name <name>', 'served model name (the model_name label)')
		.addOption(logFormatOption().default(undefined))
		.option('--log-interval <duration>', 'virtual seconds between SpecDecoding log lines (VLLM_LOG_STATS_INTERVAL)')
		.addOption(new Option('--routing <policy>', 'how arrivals are spread over engines').choices(['round-robin', 'least-loaded']))
		.option(
			'--trace <file>',
			'replay a JSONL workload trace (arrival_time, prompt_tokens, output_tokens, optional class) instead of the arrival process',
		);
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
	const seed = parseInteger(flags.seed, '--seed', 0);
	const next = structuredClone(input) as SimConfigInput & Record<string, unknown>;
	const speculative = {...next.speculative};
	if (flags.k !== undefined) speculative.numSpecTokens = parseInteger(flags.k, '--k', 1);
	if (flags.method !== undefined) {
		try {
			resolveMethodName(flags.method);
		} catch (error) {
			throw new UserError(`--method: ${(error as Error).message}`);
		}
		speculative.method = flags.method;
	}
	next.speculative = speculative;
	if (flags.modelName !== undefined) next.servedModelName = flags.modelName;
	if (flags.engines !== undefined) next.engines = {...next.engines, count: parseInteger(flags.engines, '--engines', 1)};
	if (flags.routing !== undefined) next.engines = {...next.engines, routing: flags.routing};
	if (flags.trace !== undefined) next.workload = {...next.workload, trace: flags.trace};
	if (flags.logFormat !== undefined || flags.logInterval !== undefined) {
		next.logging = {
			...next.logging,
			...(flags.logFormat === undefined ? {} : {format: flags.logFormat}),
			...(flags.logInterval === undefined ? {} : {intervalS: parseDurationFlag(flags.logInterval, '--log-interval')}),
		};
	}
	if (flags.qps !== undefined) {
		const qps = Number(flags.qps);
		if (!(qps > 0) || !Number.isFinite(qps)) throw new UserError(`--qps must be a positive number, got "${flags.qps}"`);
		const arrival = next.workload.arrival;
		if (arrival.kind === 'closed-loop')
			throw new UserError(`--qps does not apply to preset ${flags.preset}: its workload is a closed loop of ${arrival.users} users`);
		next.workload = {...next.workload, arrival: {...arrival, rate: qps}};
	}
	const config = validateConfig(next, `${path} with command-line flags`);
	const where = (fieldPath: ConfigPath): string => `${path}:${lineOf(fieldPath)}`;
	if (config.workload.trace === undefined) return {config, seed, presetPath: path, where};
	// A trace named in a preset file is relative to that file; one given with --trace to the working directory.
	const tracePath = flags.trace ?? resolve(dirname(path), config.workload.trace);
	let text: string;
	try {
		text = await readFile(tracePath, 'utf8');
	} catch (error) {
		throw new UserError(`${tracePath}: ${describeFsError(error)}`);
	}
	const traceLines = text.split('\n');
	if (traceLines.at(-1) === '') traceLines.pop();
	return {config: {...config, workload: {...config.workload, trace: tracePath}}, seed, presetPath: path, where, traceLines};
}

export function parseInteger(text: string, flag: string, min: number): number {
	const value = Number(text);
	if (!Number.isInteger(value) || value < min) throw new UserError(`${flag} must be an integer >= ${min}, got "${text}"`);
	return value;
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
	const value = Number(text);
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
	if (text === undefined) return undefined;
	const ms = Date.parse(text);
	if (!Number.isFinite(ms)) throw new UserError(`--start must be an ISO 8601 time such as 2026-01-01T00:00:00Z, got "${text}"`);
	return ms;
}
