import type {Command} from 'commander';
import {explainNumbersFromExpectation, explainSections, formatExplainText, kTableMax, type ExplainKRow} from '../../explain/index.js';
import {DEFAULT_PRESET} from '../../config/load.js';
import {buildSimulation, type BuiltSimulation, isSpeculationOff} from '../../sim/build.js';
import {MAX_NUM_SPEC_TOKENS} from '../../speculative/limits.js';
import {PROPOSER_METHODS} from '../../speculative/proposers/methods.js';
import {reflow, wrapRows} from '../../ui/reflow.js';
import {UserError} from '../../util/user-error.js';
import type {Output} from '../options.js';
import {parseInteger, resolveSimConfig} from '../sim-options.js';

type ExplainFlags = {preset: string; k?: string; drafts: string; json: boolean};

/** The most drafts `--drafts` takes. */
const MAX_EXPLAIN_DRAFTS = 1_000_000_000_000;

/** `specsim explain`: the acceptance definitions with a preset's numbers. */
export function registerExplain(program: Command, output: Output): void {
	program
		.command('explain')
		.description(
			"explain draft acceptance with a preset's numbers: per-position rates (unconditional and conditional), accepted length, bonus token, rate vs length, the k table, the log line and PromQL",
		)
		.option('--preset <name|file>', 'preset name (see `specsim presets`) or a preset JSON file', DEFAULT_PRESET)
		.option('--k <n>', "num_speculative_tokens (default: the preset's)")
		.option('--drafts <n>', 'number of drafts the example counts are computed for (1 to 10^12)', '1000')
		.option('--json', 'print the numbers and sections as JSON', false)
		.action(async (flags: ExplainFlags) => {
			output.stdout(await explainText(flags, process.stdout.isTTY ? process.stdout.columns : undefined));
		});
}

/**
 * The explain text, or its JSON. The text is hard-wrapped for a wide terminal (about 118
 * columns); given the terminal's `columns`, its prose is rewrapped to them as the dashboard's `e`
 * panel rewraps it, so an 80-column terminal does not break lines mid-word. Piped, it keeps its lines.
 */
export async function explainText(flags: ExplainFlags, columns?: number): Promise<string> {
	// Explaining drafts needs drafts: k 0 (no speculation) is valid elsewhere but not here.
	if (flags.k !== undefined) parseInteger(flags.k, '--k', 1, MAX_NUM_SPEC_TOKENS);
	const {config, presetPath} = await resolveSimConfig({preset: flags.preset, seed: '0', ...(flags.k !== undefined ? {k: flags.k} : {})});
	if (isSpeculationOff(config)) {
		const off = config.speculative.method === 'none' ? 'speculative.method "none"' : 'speculative.numSpecTokens 0';
		const remedy = config.speculative.method === 'none' ? 'use a preset with a speculative method' : 'give --k N';
		throw new UserError(`${presetPath}: speculative decoding is off in this preset (${off}): explain needs drafts; ${remedy}`);
	}
	// Up to 10^12 drafts (k 64 at most): every count the text prints stays an exact integer below 2^53.
	const drafts = parseInteger(flags.drafts, '--drafts', 1, MAX_EXPLAIN_DRAFTS);
	let built: BuiltSimulation;
	try {
		built = buildSimulation(config, {seed: 0});
	} catch (error) {
		if (error instanceof RangeError || error instanceof TypeError) throw new UserError(`${presetPath}: ${error.message}`);
		throw error;
	}
	const k = config.speculative.numSpecTokens;
	const classWeights = built.classes.map(c => c.weight);
	const kTable: ExplainKRow[] = [];
	for (let kk = 1; kk <= kTableMax(k); kk++) {
		const e = built.acceptance().withK(kk).expected({classWeights});
		kTable.push({
			k: kk,
			meanAcceptanceLength: e.meanAcceptanceLength,
			acceptanceRate: e.draftAcceptanceRate,
			lastPositionRate: e.unconditionalRates[kk - 1]!,
		});
	}
	const origin = `preset ${config.name}, k = ${k}, expected counts for ${drafts} full-length drafts`;
	const numbers = explainNumbersFromExpectation(built.expected(), {
		numDrafts: drafts,
		kTable,
		logFormat: config.logging.format,
		logIntervalS: config.logging.intervalS,
		origin,
		...(PROPOSER_METHODS[built.method === 'none' ? 'synthetic' : built.method].fixedLength ? {} : {variableLengthMethod: built.method}),
	});
	const sections = explainSections(numbers);
	if (flags.json) return `${JSON.stringify({numbers, sections}, null, 2)}\n`;
	const text = formatExplainText(sections, `specsim explain: ${origin}`);
	return columns === undefined ? text : wrapRows(reflow(text), columns).join('\n');
}
