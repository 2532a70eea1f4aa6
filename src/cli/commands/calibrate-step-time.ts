import {readFile} from 'node:fs/promises';
import {fitStepTime, parseBenchResult, type StepTimeFit} from '../../calibrate/step-time.js';
import type {FittedStepTime} from '../../engine/cost/fitted.js';
import {UserError} from '../../util/user-error.js';
import {describeFsError} from '../io/read-lines.js';

/** `calibrate` inputs that are `vllm bench serve --save-result` files (JSON), and the rest. */
export function splitBenchInputs(inputs: readonly string[]): {bench: string[]; other: string[]} {
	const isBench = (input: string): boolean => /\.json$/i.test(input) && !/^https?:\/\//i.test(input);
	return {bench: inputs.filter(isBench), other: inputs.filter(input => !isBench(input))};
}

/** Read and fit the bench results (undefined when there are none). */
export async function fitBenchFiles(files: readonly string[]): Promise<StepTimeFit | undefined> {
	if (files.length === 0) return undefined;
	const observations = [];
	for (const file of files) {
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			throw new UserError(`${file}: ${describeFsError(error)}`, 1);
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
		source: `specsim calibrate from ${fit.points.length} vllm bench serve results (${fit.points.map(p => p.observation.label).join(', ')}); largest step-time error ${(worst * 100).toFixed(1)}%`,
	};
}
