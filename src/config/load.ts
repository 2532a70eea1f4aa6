import {readdir, readFile} from 'node:fs/promises';
import {basename, dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {z} from 'zod';
import {UserError} from '../util/user-error.js';
import {describeValue} from '../util/escape.js';
import {describeFsError} from '../util/fs-error.js';
import {formatPath, lineOfPath, parseJsonWithLines} from './locate.js';
import {simConfigSchema, type SimConfig, type SimConfigInput} from './schema.js';
import type {ConfigPath} from '../util/config-error.js';

/** The shipped presets folder (`presets/` at the package root, beside `dist/` and `src/`). */
export const PRESETS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'presets');

/** The preset `npm start` runs. */
export const DEFAULT_PRESET = 'llama-3.1-8b-eagle3';

/** A loaded preset: the validated config (defaults applied), what the file said, and where it came from. */
export type LoadedPreset = {
	readonly config: SimConfig;
	readonly input: SimConfigInput;
	readonly path: string;
	/** The line of a field in the file (or of its closest existing ancestor). */
	lineOf(path: ConfigPath): number;
};

/**
 * Load a preset by name (a file `presets/<name>.json`) or by path (anything with a `/` or ending
 * in `.json` or `.jsonc`). Errors are one line naming the file, the line and the field.
 */
export async function loadPreset(nameOrPath: string): Promise<LoadedPreset> {
	const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json') || nameOrPath.endsWith('.jsonc');
	const path = isPath ? nameOrPath : join(PRESETS_DIR, `${nameOrPath}.json`);
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		if (!isPath && (error as {code?: string}).code === 'ENOENT') {
			throw new UserError(`unknown preset "${nameOrPath}"; known: ${(await listPresetNames()).join(', ')} (or give a file path)`);
		}
		throw new UserError(`${path}: ${describeFsError(error)}`);
	}
	return parsePresetText(text, path);
}

/**
 * How a configuration is parsed: without zod's compiled fast path. zod compiles a parser per object
 * schema (`new Function`) at its first parse; a command validates its configuration once or twice,
 * and compiling the preset schema's objects cost half the validation (about a tenth of `generate`'s
 * start-up). The checks and the messages are the same either way.
 */
const PARSE_ONCE = {jitless: true, error: issueMessage, reportInput: true} as const;

/**
 * zod's messages in the words of specsim's other errors, with the value that was given: a required
 * field that is absent says so (zod's "Invalid input: expected string, received undefined" reads as
 * if the user had written something wrong), a bound names the bound ("must be at least 1, got 0"
 * rather than "Too small: expected number to be >=1"), an empty name says it is empty. Issues
 * whose schema words its own message (`says` in schema.ts) keep it.
 */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
	const got = `, got ${describeValue(issue.input)}`;
	switch (issue.code) {
		case 'invalid_type':
			if (issue.input === undefined) return `required field missing (expected ${issue.expected})`;
			return `must be ${KIND_NAMES[issue.expected] ?? issue.expected}${got}`;
		case 'too_small':
		case 'too_big':
			return isEmpty(issue) ? 'must not be empty' : `${boundMessage(issue)}${got}`;
		default:
			return undefined;
	}
}

/** How a message names the kind of value zod expected. */
const KIND_NAMES: Readonly<Record<string, string>> = {
	number: 'a number',
	int: 'an integer',
	string: 'a string',
	boolean: 'true or false',
	array: 'an array',
	object: 'an object',
};

const isEmpty = (issue: z.core.$ZodRawIssue): boolean =>
	issue.code === 'too_small' && (issue.origin === 'string' || issue.origin === 'array') && Number(issue.minimum) === 1;

function boundMessage(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig>): string {
	const small = issue.code === 'too_small';
	const bound = String(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
	switch (issue.origin) {
		case 'string':
			return `must be ${small ? 'at least' : 'at most'} ${bound} characters long`;
		case 'array':
		case 'set':
			return `must have ${small ? 'at least' : 'at most'} ${bound} entries`;
		default:
			if (issue.inclusive === false) return `must be ${small ? 'greater' : 'less'} than ${bound}`;
			return `must be ${small ? 'at least' : 'at most'} ${bound}`;
	}
}

/** Validate preset JSON text; `path` is only used in messages. */
export function parsePresetText(text: string, path: string): LoadedPreset {
	const parsed = parseJsonWithLines(text);
	if ('error' in parsed) throw new UserError(`${path}:${parsed.error.line}: ${parsed.error.message}`);
	const result = simConfigSchema.safeParse(parsed.value, PARSE_ONCE);
	if (!result.success) throw new UserError(describeIssue(text, parsed.tree, path, result.error.issues));
	return {config: result.data, input: parsed.value as SimConfigInput, path, lineOf: fieldPath => lineOfPath(text, parsed.tree, fieldPath)};
}

/**
 * Validate a configuration object built in memory (CLI overrides applied); errors name the field,
 * or the flag that set it when `flagOf` maps the field's path (`speculative.numSpecTokens` to `--k`).
 */
export function validateConfig(value: unknown, origin: string, flagOf: Readonly<Record<string, string>> = {}): SimConfig {
	const result = simConfigSchema.safeParse(value, PARSE_ONCE);
	if (!result.success) {
		const issue = deepest(result.error.issues[0]!);
		const field = formatPath(issue.path);
		const flag = flagOf[field];
		throw new UserError(flag === undefined ? `${origin}: ${field}: ${issue.message}` : `${flag} ${issue.message}`);
	}
	return result.data;
}

/** Names of the shipped presets, sorted. */
export async function listPresetNames(): Promise<string[]> {
	const files = await readdir(PRESETS_DIR).catch(() => [] as string[]);
	return files
		.filter(f => f.endsWith('.json'))
		.map(f => basename(f, '.json'))
		.sort();
}

function describeIssue(
	text: string,
	tree: ReturnType<typeof parseJsonWithLines> extends infer R ? (R extends {tree: infer T} ? T : never) : never,
	path: string,
	issues: readonly z.core.$ZodIssue[],
): string {
	// For a union, zod reports the failing alternative's issues nested: take the most specific one.
	const issue = deepest(issues[0]!);
	// An unknown key is reported at its object; point at the key itself.
	const fieldPath = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
	const message = issue.code === 'unrecognized_keys' ? `unknown field (misspelt?)` : issue.message;
	return `${path}:${lineOfPath(text, tree, fieldPath)}: ${formatPath(fieldPath)}: ${message}`;
}

function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
	if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
	const alternatives = issue.errors.map(alternative =>
		alternative.map(inner => deepest({...inner, path: [...issue.path, ...inner.path]} as z.core.$ZodIssue)),
	);
	// A kind-tagged object (`{"kind": "lognormal", ...}`): the alternatives whose `kind` the object
	// names are the ones meant, whatever their order; when it names none, the kind itself is wrong.
	const kindPath = formatPath([...issue.path, 'kind']);
	const kindMiss = (alternative: z.core.$ZodIssue[]) =>
		alternative.find(
			(inner): inner is z.core.$ZodIssue & {code: 'invalid_value'} => inner.code === 'invalid_value' && formatPath(inner.path) === kindPath,
		);
	const meant = alternatives.filter(alternative => kindMiss(alternative) === undefined);
	if (meant.length === 0) {
		const misses = alternatives.map(kindMiss);
		const first = misses[0];
		if (first !== undefined && misses.every(miss => miss !== undefined)) {
			const kinds = [...new Set(misses.flatMap(miss => miss!.values))].map(value => JSON.stringify(value)).join(', ');
			const message =
				first.input === undefined ? `required field missing (one of ${kinds})` : `must be one of ${kinds}, got ${describeValue(first.input)}`;
			return {...first, message};
		}
	}
	// Otherwise the issue that got furthest (the longest path).
	let best: z.core.$ZodIssue | undefined;
	for (const inner of (meant.length > 0 ? meant : alternatives).flat()) if (best === undefined || inner.path.length > best.path.length) best = inner;
	return best ?? issue;
}
