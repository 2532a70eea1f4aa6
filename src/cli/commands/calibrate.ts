import type {Command} from 'commander';
import {MAX_NUM_SPEC_TOKENS} from '../../speculative/limits.js';
import {CalibrationCollector} from '../../calibrate/collect.js';
import {calibrate} from '../../calibrate/calibrate.js';
import {formatReport, formatWarnings, jsonReport} from '../../calibrate/report.js';
import {formatStepTimeReport} from '../../calibrate/step-time.js';
import {DEFAULT_PRESET, loadPreset, validateConfig} from '../../config/load.js';
import {EXIT_RUNTIME, EXIT_USAGE, UserError} from '../../util/user-error.js';
import {writeFileAtomic} from '../io/atomic-write.js';
import {checkOutputPath} from '../io/output-path.js';
import {readLines} from '../io/read-lines.js';
import type {Output} from '../options.js';
import {parseDurationFlag, parseInteger} from '../sim-options.js';
import {fitStepTimeFiles, splitBenchInputs, stepTimeWithSource} from './calibrate-step-time.js';

type CalibrateFlags = {
	preset: string;
	output?: string;
	k?: string;
	observedK?: string;
	modelName?: string;
	engine: string[];
	json: boolean;
	timeout: string;
	scrapeInterval?: string;
};

/** `specsim calibrate [INPUTS...]`: fit a preset's acceptance to real vLLM log lines or /metrics scrapes. */
export function registerCalibrate(program: Command, output: Output): void {
	program
		.command('calibrate')
		.description(
			'fit acceptance to vLLM spec-decode log lines (every layout vLLM printed) or Prometheus /metrics scrapes, and write a preset that reproduces them',
		)
		.argument(
			'[inputs...]',
			'log files or scrape files (- for standard input), an http:// /metrics URL, or vllm bench serve --save-result JSON files (fit the step time)',
		)
		.option('--preset <name|file>', 'base preset: everything but acceptance comes from it', DEFAULT_PRESET)
		.option('-o, --output <file>', 'write the calibrated preset here (atomically) instead of standard output')
		.option('--k <n>', 'num_speculative_tokens of the preset (default: the observed k; larger k is extrapolated by the decay fit)')
		.option('--observed-k <n>', "k of the vLLM run, for inputs that do not show it (V1-a/V1-b lines; default: the base preset's k)")
		.option('--model-name <name>', 'Prometheus input: keep only series with this model_name label')
		.option('--engine <index>', 'Prometheus input: keep only this engine (repeatable, or comma-separated)', collectList, [] as string[])
		.option('--json', 'print a JSON report (fit, counts, warnings and the preset) instead of the preset', false)
		.option('--timeout <duration>', 'URL input: give up on a /metrics request after this long', '10s')
		.option(
			'--scrape-interval <duration>',
			'URL input: scrape twice this far apart and calibrate from the increase (default: one scrape, counters since start)',
		)
		.action(async (inputs: string[], flags: CalibrateFlags) => {
			await runCalibrate(inputs, flags, output);
		});
}

function collectList(value: string, previous: string[]): string[] {
	return [
		...previous,
		...value
			.split(',')
			.map(v => v.trim())
			.filter(v => v !== ''),
	];
}

async function runCalibrate(inputs: string[], flags: CalibrateFlags, output: Output): Promise<void> {
	if (inputs.length === 0)
		throw new UserError('calibrate: no input; give vLLM log files, scrape files, - for standard input, or an http:// /metrics URL');
	if (flags.output !== undefined) await checkOutputPath(flags.output, '-o');
	// vLLM's engine label is the engine's index (data-parallel rank): a decimal integer.
	const engines = flags.engine.map(value => String(parseInteger(value, '--engine', 0)));
	const base = await loadPreset(flags.preset);
	// `vllm bench serve --save-result` files (*.json) fit the step-time model; the rest fit acceptance.
	const split = splitBenchInputs(inputs);
	const stepFit = await fitStepTimeFiles(split.bench, split.other);
	if (stepFit !== undefined) {
		output.stderr(formatStepTimeReport(stepFit));
		if (split.bench.length === inputs.length) {
			const preset = validateConfig({...base.input, stepTime: stepTimeWithSource(stepFit)}, 'calibrated preset');
			const text = `${JSON.stringify({...base.input, stepTime: preset.stepTime}, null, 2)}\n`;
			if (flags.output !== undefined) await writeFileAtomic(flags.output, text);
			if (flags.json) output.stdout(`${JSON.stringify({stepTime: stepFit}, null, 2)}\n`);
			else if (flags.output === undefined) output.stdout(text);
			return;
		}
	}
	const acceptanceInputs = split.other;
	const k = flags.k === undefined ? undefined : parseInteger(flags.k, '--k', 1, MAX_NUM_SPEC_TOKENS);
	const observedK = flags.observedK === undefined ? undefined : parseInteger(flags.observedK, '--observed-k', 1, MAX_NUM_SPEC_TOKENS);
	const timeoutS = parseDurationFlag(flags.timeout, '--timeout');
	const intervalS = flags.scrapeInterval === undefined ? undefined : parseDurationFlag(flags.scrapeInterval, '--scrape-interval');
	const collector = new CalibrationCollector({
		assumedK: observedK ?? base.config.speculative.numSpecTokens,
		filter: {...(flags.modelName !== undefined ? {modelName: flags.modelName} : {}), ...(engines.length > 0 ? {engines} : {})},
	});
	for (const input of acceptanceInputs) {
		if (/^https:\/\//i.test(input))
			throw new UserError(`${input}: https is not supported; use an http:// URL or save the scrape to a file (curl -s URL > scrape.txt)`);
		if (/^http:\/\//i.test(input)) {
			await readUrl(collector, input, timeoutS, intervalS);
			continue;
		}
		if (intervalS !== undefined) throw new UserError('--scrape-interval applies to http:// inputs only');
		collector.beginSource(input);
		let lineNumber = 0;
		for await (const line of readLines(input)) collector.addLine(line, ++lineNumber);
		collector.endSource();
	}
	const collected = collector.finish();
	refuseUnusedFilters(flags, collected.stats.promLines);
	let result: ReturnType<typeof calibrate>;
	try {
		result = calibrate(collected, {
			base: base.input,
			...(k !== undefined ? {k} : {}),
			assumedKSource: observedK !== undefined ? '--observed-k' : `the base preset's numSpecTokens; set it with --observed-k`,
		});
	} catch (error) {
		// Say what was wrong with the lines before the one-line failure.
		for (const line of formatWarnings(collected.warnings)) output.stderr(`${line}\n`);
		throw error;
	}
	if (stepFit !== undefined) Object.assign(result.preset, {stepTime: stepTimeWithSource(stepFit)});
	validateConfig(result.preset, 'calibrated preset');
	for (const line of formatWarnings(result.warnings)) output.stderr(`${line}\n`);
	const presetText = `${JSON.stringify(result.preset, null, 2)}\n`;
	if (flags.output !== undefined) await writeFileAtomic(flags.output, presetText);
	if (flags.json) {
		output.stdout(`${JSON.stringify(jsonReport(result), null, 2)}\n`);
		return;
	}
	const report = formatReport(result, flags.output ?? 'standard output', stepFit === undefined ? 0 : split.bench.length);
	if (flags.output !== undefined) {
		output.stdout(report);
	} else {
		output.stderr(report);
		output.stdout(presetText);
	}
}

/**
 * `--model-name` and `--engine` select Prometheus series by label; vLLM's log lines carry neither
 * label, so with no Prometheus sample among the inputs a filter would silently select nothing it
 * was meant to (and the fit would use every line).
 */
function refuseUnusedFilters(flags: CalibrateFlags, promLines: number): void {
	const given = [...(flags.modelName === undefined ? [] : ['--model-name']), ...(flags.engine.length === 0 ? [] : ['--engine'])];
	if (given.length === 0 || promLines > 0) return;
	throw new UserError(
		`${given.join(' and ')} ${given.length === 1 ? 'selects' : 'select'} Prometheus series by label, and the inputs hold no Prometheus samples (vLLM's log lines carry no model or engine label); leave ${given.length === 1 ? 'it' : 'them'} out`,
	);
}

/** One scrape of a URL, or two `intervalS` apart; each becomes its own source. */
async function readUrl(collector: CalibrationCollector, url: string, timeoutS: number, intervalS: number | undefined): Promise<void> {
	const scrapes = intervalS === undefined ? 1 : 2;
	for (let i = 0; i < scrapes; i++) {
		if (i > 0) await new Promise(resolve => setTimeout(resolve, intervalS! * 1000));
		const body = await fetchText(url, timeoutS);
		collector.beginSource(scrapes === 1 ? url : `${url} (scrape ${i + 1})`);
		for (const [index, line] of body.split(/\r?\n/).entries()) collector.addLine(line, index + 1);
		collector.endSource();
	}
}

/**
 * The body of a URL. A connection that fails (refused, reset, no answer within `--timeout`) or a
 * server error (5xx) is an I/O failure, exit 1; a 4xx names nothing there (as a file that does not
 * exist), bad input, exit 2.
 */
async function fetchText(url: string, timeoutS: number): Promise<string> {
	const failed = (error: unknown): UserError => {
		const name = (error as Error).name;
		if (name === 'TimeoutError' || name === 'AbortError') return new UserError(`${url}: no answer within ${timeoutS} s (--timeout)`, EXIT_RUNTIME);
		const cause = (error as {cause?: {code?: string; message?: string}}).cause;
		return new UserError(`${url}: cannot fetch (${cause?.code ?? cause?.message ?? (error as Error).message})`, EXIT_RUNTIME);
	};
	let response: Response;
	try {
		response = await fetch(url, {signal: AbortSignal.timeout(timeoutS * 1000), headers: {accept: 'text/plain'}});
	} catch (error) {
		throw failed(error);
	}
	if (!response.ok) throw new UserError(`${url}: HTTP ${response.status} ${response.statusText}`, response.status >= 500 ? EXIT_RUNTIME : EXIT_USAGE);
	try {
		return await response.text();
	} catch (error) {
		throw failed(error);
	}
}
