import type {Command} from 'commander';
import {DEFAULT_PRESET, listPresetNames, loadPreset, type LoadedPreset} from '../../config/load.js';
import type {SimConfig} from '../../config/schema.js';
import {BUILTIN_HARDWARE} from '../../engine/cost/hardware.js';
import {BUILTIN_MODELS} from '../../engine/cost/models.js';
import {buildSimulation, type BuiltSimulation} from '../../sim/build.js';
import {PROPOSER_METHODS} from '../../speculative/proposers/methods.js';
import {UserError} from '../../util/user-error.js';
import type {Output} from '../options.js';

/** `specsim presets [NAME]`: list the shipped presets, or show one with every source it cites. */
export function registerPresets(program: Command, output: Output): void {
	program
		.command('presets')
		.description(
			'list the shipped presets (one line each), or show one preset: its model, acceptance closed forms, workload, published figures and sources',
		)
		.argument('[name]', 'a preset name (or a preset file path) to show in full')
		.action(async (name: string | undefined) => {
			// On a terminal the listing fits its width (as `explain` does); piped, every line is whole.
			const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
			output.stdout(name === undefined ? await listingText(columns) : detailText(await loadPreset(name)));
		});
}

/**
 * One aligned line per shipped preset: name, method, k, model, hardware, short description. Given
 * a terminal's `columns`, no line wraps: the description is cut (with an ellipsis) to the room left,
 * goes on a line of its own below its row when that room is too small, and the model column (most
 * names say it) is left out when the other columns alone are too wide.
 */
export async function listingText(columns?: number): Promise<string> {
	const names = await listPresetNames();
	const header = {name: 'NAME', method: 'METHOD', k: 'K', model: 'MODEL', hardware: 'HARDWARE'};
	const rows: (typeof header & {description: string})[] = [];
	for (const name of names) {
		const {config} = await loadPreset(name);
		rows.push({
			name,
			method: config.speculative.method,
			k: String(config.speculative.numSpecTokens),
			model: modelLabel(config),
			hardware: hardwareLabel(config),
			description: shortDescription(config.description),
		});
	}
	const width = (key: keyof typeof header): number => Math.max(header[key].length, ...rows.map(row => row[key].length));
	const span = (keys: readonly (keyof typeof header)[]): number => keys.reduce((sum, key) => sum + width(key) + 2, 0);
	const limit = columns === undefined ? Number.POSITIVE_INFINITY : columns - 1;
	const all = ['name', 'method', 'k', 'model', 'hardware'] as const;
	const keys = span(all) - 2 <= limit ? all : (['name', 'method', 'k', 'hardware'] as const);
	const aligned = (row: typeof header): string => keys.map(key => row[key].padEnd(width(key))).join('  ');
	// The description starts after the other columns and their two-space gaps; too narrow a room, and it goes below.
	const room = limit - span(keys);
	const below = room < MIN_DESCRIPTION;
	const lines = [below ? aligned(header).trimEnd() : `${aligned(header)}  DESCRIPTION`];
	for (const row of rows) {
		if (below) lines.push(aligned(row).trimEnd(), `  ${fitText(row.description, Math.max(MIN_DESCRIPTION, limit - 2))}`);
		else lines.push(`${aligned(row)}  ${fitText(row.description, room)}`.trimEnd());
	}
	return `${lines.join('\n')}\n\n${names.length} presets; default (npm start): ${DEFAULT_PRESET}.\nShow one with: specsim presets NAME\n`;
}

/** A preset in full: what it simulates, the closed forms at its k, the published figures and every `source`. */
export function detailText(preset: LoadedPreset): string {
	const {config, input, path} = preset;
	let built: BuiltSimulation;
	try {
		built = buildSimulation(config, {seed: 0});
	} catch (error) {
		if (error instanceof RangeError || error instanceof TypeError) throw new UserError(`${path}: ${error.message}`);
		throw error;
	}
	const spec = config.speculative;
	const k = spec.numSpecTokens;
	const info = PROPOSER_METHODS[built.method === 'none' ? 'synthetic' : built.method];
	const expected = built.expected();
	const out: string[] = [];
	out.push(`${config.name}${config.name === DEFAULT_PRESET ? ' (default)' : ''}`, `  ${config.description}`, '');
	const field = (label: string, value: string): void => void out.push(`  ${label.padEnd(14)}${value}`);
	field('file', path);
	field('served model', config.servedModelName);
	const m = built.model;
	const active = m.activeParams === undefined ? '' : `, ${billions(m.activeParams)} active`;
	field(
		'model',
		`${modelLabel(config)}: ${m.name}, ${billions(m.params)} params${active}, ${m.bytesPerParam} bytes/param, ${m.numLayers} layers, ${m.kvBytesPerToken} KV bytes/token`,
	);
	field('hardware', `${hardwareLabel(config)}: ${built.hardware.name}`);
	field(
		'speculative',
		`method ${spec.method}${spec.method === built.method ? '' : ` (vLLM: ${built.method})`}, num_speculative_tokens ${k}${info.fixedLength ? '' : ' (a maximum: drafts are variable-length)'}`,
	);
	field('acceptance', describeAcceptance(spec.acceptance));
	field(
		'heterogeneity',
		spec.heterogeneity === undefined
			? 'none (every request follows the acceptance above)'
			: `Beta concentration ${spec.heterogeneity.concentration}, ${spec.heterogeneity.levels ?? 32} levels`,
	);
	field('draft cost', spec.draftCost === undefined ? `${info.draftCost} (the default for ${built.method})` : describeFields(spec.draftCost));
	out.push(
		`  closed forms at k=${k}${info.fixedLength ? '' : ' (for full-length drafts; shorter drafts accept fewer tokens, so the logged AL is lower)'}:`,
	);
	const sub = (label: string, value: string): void => void out.push(`    ${label.padEnd(30)}${value}`);
	sub('per-position (unconditional)', rates(expected.unconditionalRates));
	sub('conditional', rates(expected.conditionalRates));
	sub('mean acceptance length', expected.meanAcceptanceLength.toFixed(4));
	sub('draft acceptance rate', `${(expected.draftAcceptanceRate * 100).toFixed(2)}%`);
	// A class with `conversation` sends multi-turn conversations: the arrival rate then counts conversations.
	const turns = (c: (typeof built.classes)[number]) =>
		c.conversation === undefined ? '' : `, multi-turn conversations: turns ${describeFields(c.conversation.turns)}`;
	field(
		'workload',
		`${describeFields(config.workload.arrival)}; classes: ${built.classes.map(c => `${c.name} (weight ${c.weight}${turns(c)})`).join(', ')}`,
	);
	field('logging', `${config.logging.format}, every ${config.logging.intervalS} s`);
	out.push('', 'published');
	if (config.published.length === 0) out.push('  none: nothing here is a published measurement');
	for (const entry of config.published) {
		const figures = [
			entry.meanAcceptanceLength === undefined ? '' : `mean acceptance length ${entry.meanAcceptanceLength}`,
			entry.perPosition === undefined ? '' : `per-position ${entry.perPosition.join(', ')}`,
			entry.draftAcceptanceRate === undefined ? '' : `draft acceptance rate ${entry.draftAcceptanceRate}`,
			entry.speedup === undefined ? '' : `reported speedup ${entry.speedup}x`,
		].filter(s => s !== '');
		out.push(`  k=${entry.numSpecTokens}  ${figures.join('; ')}`, `       ${entry.source}`);
	}
	out.push('', 'sources');
	for (const [where, text] of collectSources(input, config)) out.push(`  ${where}: ${text}`);
	return `${out.join('\n')}\n`;
}

/**
 * Every `source` string in a preset file (walking the JSON), each `sources` entry, and the
 * sources of the built-in model and hardware it names, as `[where, text]` pairs.
 */
export function collectSources(input: unknown, config: SimConfig): Array<[string, string]> {
	const found: Array<[string, string]> = [];
	const walk = (value: unknown, path: string): void => {
		if (Array.isArray(value)) {
			for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
			return;
		}
		if (value === null || typeof value !== 'object') return;
		for (const [key, child] of Object.entries(value)) {
			const at = path === '' ? key : `${path}.${key}`;
			if (key === 'source' && typeof child === 'string') found.push([path === '' ? '(preset)' : path, child]);
			else if (key === 'sources' && path === '' && child !== null && typeof child === 'object') {
				for (const [name, text] of Object.entries(child)) if (typeof text === 'string') found.push([`sources.${name}`, text]);
			} else walk(child, at);
		}
	};
	walk(input, '');
	if (typeof config.model === 'string' && Object.hasOwn(BUILTIN_MODELS, config.model)) {
		found.push([`model (built-in ${config.model})`, BUILTIN_MODELS[config.model as keyof typeof BUILTIN_MODELS].source]);
	}
	if (typeof config.hardware === 'string' && Object.hasOwn(BUILTIN_HARDWARE, config.hardware)) {
		found.push([`hardware (built-in ${config.hardware})`, BUILTIN_HARDWARE[config.hardware as keyof typeof BUILTIN_HARDWARE].source]);
	}
	return found;
}

function modelLabel(config: SimConfig): string {
	return typeof config.model === 'string' ? config.model : config.model.name;
}

function hardwareLabel(config: SimConfig): string {
	const name = typeof config.hardware === 'string' ? config.hardware : config.hardware.name;
	const gpus = config.tensorParallel ?? (typeof config.hardware === 'string' ? 1 : config.hardware.gpus);
	return `${gpus}x ${name}`;
}

/** The fewest characters of a description worth showing beside the other columns. */
const MIN_DESCRIPTION = 40;

/** `text` cut at a word to at most `width` characters, with an ellipsis when cut. */
function fitText(text: string, width: number): string {
	if (text.length <= width) return text;
	const space = text.lastIndexOf(' ', width - 1);
	return `${text.slice(0, space > width / 2 ? space : width - 1).trimEnd()}…`;
}

/** The description up to its first `: ` or `; ` (when that leaves a useful phrase), at most 90 characters. */
function shortDescription(description: string): string {
	const cut = description.search(/[:;] /);
	const head = cut >= 20 ? description.slice(0, cut) : description;
	return head.length <= 90 ? head : `${head.slice(0, head.lastIndexOf(' ', 89))}…`;
}

function describeAcceptance(acceptance: SimConfig['speculative']['acceptance']): string {
	if (acceptance === undefined) return 'none (speculation off)';
	switch (acceptance.kind) {
		case 'unconditional':
		case 'conditional':
			return `${acceptance.kind} rates ${rates(acceptance.rates)}`;
		case 'constant':
			return `constant (i.i.d.) alpha ${acceptance.alpha}`;
		case 'geometric':
			return `geometric: conditional rate ${acceptance.first} x ${acceptance.decay}^i`;
		case 'mean-length':
			return `i.i.d. alpha solved for mean acceptance length ${acceptance.length}`;
		case 'synthetic':
			return 'rates' in acceptance ? `synthetic rates ${rates(acceptance.rates)}` : `synthetic length ${acceptance.length}`;
	}
}

/** `kind k1 v1, k2 v2` for a small spec object, without its `source`. */
function describeFields(spec: object): string {
	const entries = Object.entries(spec).filter(([key]) => key !== 'source' && key !== 'kind');
	const kind = (spec as {kind?: string}).kind ?? '';
	return `${kind}${entries.length === 0 ? '' : ` ${entries.map(([key, value]) => `${key} ${String(value)}`).join(', ')}`}`;
}

function rates(values: readonly number[]): string {
	return values.map(v => v.toFixed(4)).join(', ');
}

function billions(n: number): string {
	return `${(n / 1e9).toFixed(2)}B`;
}
