/**
 * Build the calibrated preset: the base preset as its file states it, with the fitted acceptance.
 *
 * - `speculative.numSpecTokens`: the observed k, or the requested k (extrapolated by the decay fit).
 * - `speculative.acceptance`: `conditional` rates (observed ĉ_i at the observed positions). At the
 *   observed k these reproduce the observed per-position rates exactly (r_i = ĉ_0 ⋯ ĉ_i), and
 *   unlike unconditional rates they extend to a larger k position by position.
 * - `speculative.heterogeneity` is removed. The rates are per-draft averages; with per-request
 *   heterogeneity on, requests that accept less need more drafts for the same output, so the
 *   simulated per-draft rates would come out below the calibrated ones.
 * - `published`: the observed figures, so `specsim` can check the preset reproduces them.
 * - `logging.format`: the layout the lines were printed in (classic, throughput or
 *   coverage), when they were printed in one of those.
 */
import type {SimConfigInput} from '../config/schema.js';
import {BUILTIN_WORKLOAD_CLASSES} from '../engine/workload/builtin-classes.js';
import {LOG_FORMATS, type LogFormat} from '../metrics/log/formats.js';
import type {AggregatedCounts} from './aggregate.js';
import {conditionalRatesAt, type AcceptanceFit} from './fit.js';
import {VLLM_LOG_FORMATS, type CalibrationWarning, type VllmLogFormat} from './types.js';

/** Options of {@link calibratedPreset}. */
export type PresetOptions = {
	/** Draft length of the preset; default the observed k. */
	readonly k?: number;
	/** Input names, for the `source` strings. */
	readonly sources: readonly string[];
};

/** The layouts specsim prints (`--log-format`), among those calibrate reads. */
const isLogFormat = (format: VllmLogFormat): format is LogFormat => (LOG_FORMATS as readonly string[]).includes(format);

/** Decimal places kept for rates in the preset file. */
const RATE_DECIMALS = 6;

/** The calibrated preset (as a file would state it) and notes on the base preset. */
export function calibratedPreset(
	base: SimConfigInput,
	fit: AcceptanceFit,
	counts: AggregatedCounts,
	options: PresetOptions,
): {preset: SimConfigInput; warnings: CalibrationWarning[]} {
	const warnings: CalibrationWarning[] = [];
	const k = options.k ?? fit.k;
	const rates = conditionalRatesAt(fit, k).map(roundRate);
	const from = describeSources(options.sources);
	const layouts = Object.entries(counts.formats)
		.map(([format, n]) => `${n} ${format}`)
		.join(', ');
	const summary =
		`${fit.numDrafts} drafts, ${fit.numAcceptedTokens} of ${fit.numDraftTokens} draft tokens accepted, k = ${fit.k}` +
		` (${layouts}${counts.kAssumed ? `, k assumed` : ''})`;
	const shape =
		fit.positions === undefined
			? 'i.i.d. alpha solved from the mean acceptance length (no per-position data)'
			: 'ML conditional rates c_i = acc_pos[i] / acc_pos[i-1]';
	const extrapolated =
		k > fit.k
			? `; positions ${fit.k}..${k - 1} extrapolated by the ${fit.decay ? `geometric decay fit (decay ${fit.decay.decay.toFixed(4)})` : 'i.i.d. alpha'}`
			: '';
	const source = `specsim calibrate from ${from}: ${summary}; ${shape}${extrapolated}`;
	const speculative: Record<string, unknown> = {...base.speculative, numSpecTokens: k, acceptance: {kind: 'conditional', rates, source}};
	delete speculative['heterogeneity'];
	const published: Record<string, unknown> = {
		numSpecTokens: fit.k,
		meanAcceptanceLength: round(fit.meanAcceptanceLength.value, 4),
		draftAcceptanceRate: round(fit.draftAcceptanceRate.value, 4),
		source: `specsim calibrate from ${from}: ${summary}`,
	};
	if (fit.positions !== undefined) published['perPosition'] = fit.positions.map(p => round(p.unconditional, 4));
	const preset: Record<string, unknown> = {
		...base,
		name: `${base.name}-calibrated`,
		description: `${base.name} with acceptance calibrated by specsim calibrate from ${from}: mean acceptance length ${fit.meanAcceptanceLength.value.toFixed(2)} at k = ${fit.k}${k === fit.k ? '' : `, preset k = ${k}`}.`,
		speculative,
		published: [published],
	};
	const logging = dominantLogging(counts);
	if (logging !== undefined) preset['logging'] = {...(base.logging ?? {}), format: logging};
	checkModifiers(base, warnings);
	return {preset: preset as SimConfigInput, warnings};
}

/** `a.log`, `a.log, b.log`, or `a.log, b.log and 3 more`. */
export function describeSources(sources: readonly string[]): string {
	if (sources.length === 0) return '(no input)';
	if (sources.length <= 3) return sources.join(', ');
	return `${sources.slice(0, 2).join(', ')} and ${sources.length - 2} more`;
}

function dominantLogging(counts: AggregatedCounts): LogFormat | undefined {
	let best: LogFormat | undefined;
	let bestCount = 0;
	// Most lines wins; a tie goes to the newer layout.
	for (const format of VLLM_LOG_FORMATS) {
		const n = counts.formats[format] ?? 0;
		if (isLogFormat(format) && n > 0 && n >= bestCount) [best, bestCount] = [format, n];
	}
	return best;
}

/** Class factors and temperature sensitivity multiply the calibrated rates in the simulator: say so. */
function checkModifiers(base: SimConfigInput, warnings: CalibrationWarning[]): void {
	const builtins = BUILTIN_WORKLOAD_CLASSES as Record<string, {name: string; acceptanceFactor?: number; temperature?: unknown}>;
	const classes = base.workload.classes.map(c => (typeof c === 'string' ? builtins[c] : c)).filter(c => c !== undefined);
	const factors = classes.filter(c => (c.acceptanceFactor ?? 1) !== 1).map(c => `${c.name} ×${c.acceptanceFactor}`);
	if (factors.length > 0) {
		warnings.push({
			kind: 'base-preset',
			message: `the base preset's workload classes scale acceptance (${factors.join(', ')}): the simulated mix will not reproduce the calibrated rates; use a base preset whose classes have acceptanceFactor 1`,
		});
	}
	const sensitivity = base.speculative.temperatureSensitivity ?? 0;
	const sampled = classes.some(c => c.temperature !== undefined && c.temperature !== 0);
	if (sensitivity > 0 && sampled) {
		warnings.push({
			kind: 'base-preset',
			message: `the base preset lowers acceptance with temperature (temperatureSensitivity ${sensitivity}) and has sampled classes: simulated acceptance will be below the calibrated rates`,
		});
	}
}

function roundRate(x: number): number {
	return Math.min(1, Math.max(0, round(x, RATE_DECIMALS)));
}

function round(x: number, decimals: number): number {
	const f = 10 ** decimals;
	return Math.round(x * f) / f;
}
