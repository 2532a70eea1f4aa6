import type {SimConfigInput} from '../config/schema.js';
import {UserError} from '../util/user-error.js';
import {aggregateObservations} from './aggregate.js';
import type {CollectedInput} from './collect.js';
import {fitAcceptance} from './fit.js';
import {calibratedPreset} from './preset.js';
import type {CalibrationResult} from './report.js';
import type {CalibrationWarning} from './types.js';

/** Options of {@link calibrate}. */
export type CalibrateOptions = {
	/** The base preset as its file states it (`LoadedPreset.input`). */
	readonly base: SimConfigInput;
	/** k of the output preset; default the observed k. */
	readonly k?: number;
	/** Where an assumed k came from, for the warning (e.g. `--observed-k`, `base preset llama-3.1-8b-eagle3`). */
	readonly assumedKSource?: string;
};

/**
 * Aggregate collected observations, fit acceptance and build the preset. Pure: the caller reads
 * the input, validates the preset against the schema (zod lives at the edge, `validateConfig`)
 * and writes the output.
 *
 * @throws UserError when nothing usable was found (naming what was seen), on mixed log and
 *   Prometheus input, or for a bad `k`.
 */
export function calibrate(collected: CollectedInput, options: CalibrateOptions): CalibrationResult {
	if (options.k !== undefined && !(Number.isInteger(options.k) && options.k >= 1)) {
		throw new UserError(`--k must be a positive integer, got ${options.k}`);
	}
	const {stats} = collected;
	if (collected.observations.length === 0) {
		const seen = [
			`${stats.logLines} spec-decode log line${stats.logLines === 1 ? '' : 's'} usable`,
			`${stats.unparseable} unparseable`,
			`${stats.scrapes} Prometheus scrape${stats.scrapes === 1 ? '' : 's'} with spec_decode counters`,
			`${stats.ignoredLines} other line${stats.ignoredLines === 1 ? '' : 's'}`,
		];
		throw new UserError(
			`nothing usable found in ${stats.sources.join(', ') || '(no input)'}: ${seen.join(', ')}; expected vLLM "SpecDecoding metrics:" / "Speculative metrics:" log lines or a /metrics scrape with vllm:spec_decode_* counters`,
		);
	}
	const warnings: CalibrationWarning[] = [...collected.warnings];
	const {counts, warnings: aggregateWarnings} = aggregateObservations(collected.observations);
	warnings.push(...aggregateWarnings);
	if (counts.kAssumed) {
		warnings.push({
			kind: 'assumed-k',
			message: `the input does not show k; assumed k = ${counts.k}${options.assumedKSource ? ` (${options.assumedKSource})` : ''}`,
		});
	}
	const fit = fitAcceptance(counts);
	if (fit.dispersion !== undefined && fit.dispersion.phi > 1.5) {
		warnings.push({
			kind: 'dispersion',
			message: `acceptance varies between intervals ${fit.dispersion.phi.toFixed(1)}× more than binomial sampling allows (per-request or workload differences); standard errors are scaled by ${fit.dispersion.inflation.toFixed(2)}`,
		});
	}
	const {preset, warnings: presetWarnings} = calibratedPreset(options.base, fit, counts, {
		...(options.k !== undefined ? {k: options.k} : {}),
		sources: stats.sources,
	});
	warnings.push(...presetWarnings);
	return {stats, counts, fit, preset, presetK: options.k ?? fit.k, warnings};
}
