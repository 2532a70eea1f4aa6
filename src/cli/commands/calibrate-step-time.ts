import {readFile, stat} from 'node:fs/promises';
import {fitStepTime, parseBenchResult, type StepObservation, type StepTimeFit} from '../../calibrate/step-time.js';
import {scrapeStepObservation} from '../../calibrate/step-time-scrape.js';
import type {FittedStepTime} from '../../engine/cost/fitted.js';
import {UserError} from '../../util/user-error.js';
import {describeFsError} from '../../util/fs-error.js';

/** `calibrate` inputs that are `vllm bench serve --save-result` files (JSON), and the rest. */
export function splitBenchInputs(inputs: readonly string[]): {bench: string[]; other: string[]} {
	const isBench = (input: string): boolean => /\.json$/i.test(input) && !/^https?:\/\//i.test(input);
	return {bench: inputs.filter(isBench), other: inputs.filter(input => !isBench(input))};
}

/** Scrape files larger than this are not read a second time for step-time counters. */
const MAX_SCRAPE_BYTES = 64 * 2 ** 20;

/**
 * Read and fit the bench results, plus every scrape file among `others` that holds
 * `vllm:iteration_tokens_total` in two scrapes or more (undefined when there are no bench results
 * and fewer than two such scrapes).
 */
export async function fitStepTimeFiles(files: readonly string[], others: readonly string[]): Promise<StepTimeFit | undefined> {
	const observations: StepObservation[] = [];
	for (const input of others) {
		if (input === '-' || /^https?:\/\//i.test(input)) continue;
		try {
			const info = await stat(input);
			if (!info.isFile() || info.size > MAX_SCRAPE_BYTES) continue;
		} catch {
			continue; // the acceptance reader reports it (a directory, a missing file)
		}
		const text = await readFile(input, 'utf8');
		if (!text.includes('vllm:iteration_tokens_total')) continue;
		const observation = scrapeStepObservation(text, input);
		if (observation !== undefined) observations.push(observation);
	}
	if (files.length === 0 && observations.length < 2) return undefined;
	for (const file of files) {
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			// A name that is not a readable file is bad input (exit 2), as for every other input file.
			throw new UserError(`${file}: ${describeFsError(error)}`);
		}
		observations.push(parseBenchResult(text, file));
	}
	return fitStepTime(observations);
}

/** The preset's `stepTime`, saying where it comes from. */
export function stepTimeWithSource(fit: StepTimeFit): FittedStepTime {
	const worst = Math.max(...fit.points.map(p => Math.abs(p.relativeError)));
	return {
		...fit.stepTime,
		source: `specsim calibrate from ${fit.points.length} vllm bench serve results or /metrics scrape series (${fit.points.map(p => p.observation.label).join(', ')}); largest step-time error ${(worst * 100).toFixed(1)}%`,
	};
}
