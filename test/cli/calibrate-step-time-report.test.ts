import {describe, expect, it} from 'vitest';
import {formatStepTimeReport, type StepObservation, type StepTimeFit} from '../../src/calibrate/step-time.js';

const point = (label: string, concurrency: number, k: number): StepTimeFit['points'][number] => {
	const observation: StepObservation = {label, concurrency, inputLen: 500, outputLen: 250, k, acceptanceLength: k > 0 ? 2.5 : 1, stepS: 0.01};
	return {observation, fittedS: 0.01, relativeError: 0};
};

describe('calibrate step-time report', () => {
	it('lists the points by concurrency then k, not in the file-name order they were given (c1, c32, c64, c8)', () => {
		const fit: StepTimeFit = {
			stepTime: {kind: 'linear', baseS: 0.005, perTokenS: 0, perContextTokenS: 0, perRequestS: 0, draftPassS: 0, draftPerRequestS: 0, source: 'test'},
			points: [point('c1-k3.json', 1, 3), point('c1.json', 1, 0), point('c32.json', 32, 0), point('c64.json', 64, 0), point('c8.json', 8, 0)],
		};
		const rows = formatStepTimeReport(fit)
			.trimEnd()
			.split('\n')
			.filter(l => l.endsWith('.json'));
		expect(rows.map(l => l.split(' ').at(-1))).toEqual(['c1.json', 'c1-k3.json', 'c8.json', 'c32.json', 'c64.json']);
		// The header names the file where the model is described.
		expect(formatStepTimeReport(fit).split('\n')[0]).toBe(
			'step-time fit (linear; the model is described in README.md, specsim calibrate, Step time):',
		);
	});
});
