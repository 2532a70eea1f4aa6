/**
 * The calibration report: human-readable text (stderr when the preset goes to stdout) and a JSON
 * shape for `--json`.
 */
import type {SimConfigInput} from '../config/schema.js';
import type {AggregatedCounts} from './aggregate.js';
import type {IntakeStats} from './collect.js';
import type {AcceptanceFit} from './fit.js';
import type {CalibrationWarning} from './types.js';

/** Everything `calibrate` produced. */
export type CalibrationResult = {
	readonly stats: IntakeStats;
	readonly counts: AggregatedCounts;
	readonly fit: AcceptanceFit;
	readonly preset: SimConfigInput;
	/** k of the preset (the observed k unless one was requested). */
	readonly presetK: number;
	readonly warnings: readonly CalibrationWarning[];
};

/** One warning as a `warning:` line (without the newline). */
export function formatWarning(warning: CalibrationWarning): string {
	const where = warning.origin === undefined ? '' : `${warning.origin.source}${warning.origin.line === undefined ? '' : `:${warning.origin.line}`}: `;
	return `warning: ${where}${warning.message}`;
}

/**
 * Warning lines, at most `perKind` of each kind followed by one line counting the rest, so a
 * log of thousands of short ngram intervals does not drown the report.
 */
export function formatWarnings(warnings: readonly CalibrationWarning[], perKind = 5): string[] {
	const shown = new Map<string, number>();
	const lines: string[] = [];
	for (const warning of warnings) {
		const count = (shown.get(warning.kind) ?? 0) + 1;
		shown.set(warning.kind, count);
		if (count <= perKind || warning.kind === 'unparseable') lines.push(formatWarning(warning));
	}
	for (const [kind, count] of shown) {
		if (kind !== 'unparseable' && count > perKind) lines.push(`warning: ... and ${count - perKind} more "${kind}" warnings`);
	}
	return lines;
}

/**
 * The human-readable report. `destination` says where the preset went (a file, stdout);
 * `benchResults` counts the `vllm bench serve` results that fitted the step time beside it, so the
 * headline counts every input given, not only those read for acceptance.
 */
export function formatReport(result: CalibrationResult, destination: string, benchResults = 0): string {
	const {stats, counts, fit} = result;
	const out: string[] = [];
	const layouts = Object.entries(counts.formats)
		.map(([format, n]) => `${n} ${format}`)
		.join(', ');
	const kinds = [
		stats.logLines > 0 ? `${stats.logLines} spec-decode log line${stats.logLines === 1 ? '' : 's'}` : undefined,
		stats.scrapes > 0 ? `${stats.scrapes} Prometheus scrape${stats.scrapes === 1 ? '' : 's'}` : undefined,
		stats.unparseable > 0 ? `${stats.unparseable} unparseable` : undefined,
		stats.ignoredLines > 0 ? `${stats.ignoredLines} other line${stats.ignoredLines === 1 ? '' : 's'} ignored` : undefined,
	].filter(Boolean);
	const n = stats.sources.length;
	const inputs =
		benchResults === 0
			? `${n} input${n === 1 ? '' : 's'}`
			: `${n + benchResults} inputs (${n} for acceptance, ${benchResults} vllm bench serve result${benchResults === 1 ? '' : 's'} for the step-time fit)`;
	out.push(`specsim calibrate: ${inputs}; ${kinds.join(', ')}`);
	out.push(
		`used ${counts.numObservations} observation${counts.numObservations === 1 ? '' : 's'} (${layouts}); k = ${fit.k}${counts.kAssumed ? ' (assumed: the input does not show it)' : ''}`,
	);
	const from = Object.entries(counts.draftsFrom)
		.map(([how, n]) => `${n} × ${DRAFTS_FROM_TEXT[how as keyof typeof DRAFTS_FROM_TEXT] ?? how}`)
		.join('; ');
	out.push(
		`drafts ${fit.numDrafts}, draft tokens ${fit.numDraftTokens}, accepted tokens ${fit.numAcceptedTokens}${counts.elapsedS ? ` over ${counts.elapsedS.toFixed(0)} s` : ''}`,
	);
	out.push(`  drafts from: ${from}`);
	if (counts.acceptedAnywhere !== undefined)
		out.push(`  v0 also counted ${counts.acceptedAnywhere} tokens accepted anywhere in the draft (not only the prefix)`);
	const L = fit.meanAcceptanceLength;
	out.push('');
	out.push(
		`mean acceptance length  ${L.value.toFixed(3)} ± ${L.se.toFixed(3)} (95% CI ${L.ci95[0].toFixed(3)}–${L.ci95[1].toFixed(3)})${L.fitted !== undefined ? `; decay fit ${L.fitted.toFixed(3)}` : ''}; i.i.d. fit ${L.iid.toFixed(3)}`,
	);
	const R = fit.draftAcceptanceRate;
	out.push(`draft acceptance rate   ${pct(R.value)} ± ${pct(R.se)} (accepted / drafted tokens)`);
	if (fit.positions !== undefined) {
		out.push('');
		out.push('position  drafts reaching  accepted  per-position rate     conditional rate [95% CI]      decay fit');
		for (const p of fit.positions) {
			const cond = Number.isNaN(p.conditional)
				? '   n/a'
				: `${p.conditional.toFixed(4)} ± ${p.conditionalSe.toFixed(4)} [${p.conditionalCi95[0].toFixed(3)}, ${p.conditionalCi95[1].toFixed(3)}]`;
			out.push(
				`${String(p.position).padStart(8)}  ${formatCount(p.trials).padStart(15)}  ${String(p.accepted).padStart(8)}  ${p.unconditional.toFixed(4)} ± ${p.unconditionalSe.toFixed(4)}   ${cond.padEnd(29)}  ${p.fittedConditional.toFixed(4)}`,
			);
		}
		if (counts.perPosition?.draftedAssumed && fit.numDraftTokens < fit.k * fit.numDrafts) {
			out.push(
				'  (some drafts were shorter than k and the input has no drafted-per-position counts: they count as rejections at positions they never drafted)',
			);
		}
	}
	out.push('');
	// The fits' p-values divide the deviance by the dispersion when it exceeds 1 (fit.ts).
	const phi = Math.max(1, fit.dispersion?.phi ?? 1);
	if (fit.decay !== undefined) {
		const d = fit.decay;
		out.push(
			`decay fit: c_i = ${d.first.toFixed(4)} × ${d.decay.toFixed(4)}^i; deviance ${d.deviance.toFixed(2)} on ${d.dof} dof${describeP(d.pValue, d.deviance, phi)}`,
		);
	}
	const iid = fit.iid;
	out.push(
		`i.i.d. fit (Leviathan): alpha = ${iid.alpha.toFixed(4)}${iid.deviance !== undefined && iid.dof !== undefined ? `; deviance ${iid.deviance.toFixed(2)} on ${iid.dof} dof${describeP(iid.pValue ?? Number.NaN, iid.deviance, phi)}` : ' (no per-position data: the shape across positions is assumed)'}`,
	);
	if (fit.dispersion !== undefined) {
		const {phi, intervals, inflation} = fit.dispersion;
		out.push(
			`dispersion between intervals: φ = ${phi.toFixed(2)} over ${intervals} intervals` +
				(phi > 1.5
					? ` (acceptance varies more than binomial sampling: standard errors above are ×${inflation.toFixed(2)})`
					: ' (consistent with binomial sampling)'),
		);
	}
	out.push('');
	const rates = (result.preset.speculative.acceptance as {rates?: number[]}).rates ?? [];
	out.push(`preset ${result.preset.name}: k = ${result.presetK}, conditional rates ${rates.map(r => r.toFixed(4)).join(', ')} → ${destination}`);
	return `${out.join('\n')}\n`;
}

/** The `--json` report. */
export function jsonReport(result: CalibrationResult): Record<string, unknown> {
	return {
		input: result.stats,
		counts: {...result.counts, intervals: result.counts.intervals.length},
		fit: result.fit,
		preset: result.preset,
		warnings: result.warnings.map(w => ({...w, text: formatWarning(w)})),
	};
}

const DRAFTS_FROM_TEXT = {
	'drafted/k': 'drafted / k (fixed-length drafts; cross-checked with the mean length where printed)',
	'mean-length': 'accepted / (mean length − 1), consistent with the per-position rates',
	'assumed-k': 'drafted / assumed k',
	counter: 'the num_drafts counter',
	rounded: 'drafted / k with rounded per-position counts (inconsistent line)',
} as const;

function pct(x: number): string {
	return `${(100 * x).toFixed(2)}%`;
}

function formatCount(x: number): string {
	return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/**
 * A fit's p-value beside its deviance. With overdispersion (φ > 1) the p-value is that of
 * deviance / φ, so the line says so: a reader checking `p` against χ² of the printed deviance
 * would otherwise find a different number.
 */
function describeP(p: number, deviance: number, phi: number): string {
	if (Number.isNaN(p)) return ' (exactly determined)';
	const scaled = phi > 1 ? ` for deviance / φ = ${(deviance / phi).toFixed(2)}` : '';
	if (p < 0.001) return ` (p < 0.001${scaled}: the model misses the data)`;
	return ` (p = ${p.toFixed(3)}${scaled})`;
}
