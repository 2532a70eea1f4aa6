import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {PRESETS_DIR, parsePresetText} from '../../src/config/load.js';

/** The default preset's file, as shipped (one field per line). */
const shipped = readFileSync(join(PRESETS_DIR, 'llama-3.1-8b-eagle3.json'), 'utf8');

/** The shipped text with the first `from` replaced by `to`, and the 1-based line of `marker` in the result. */
function broken(from: string, to: string, marker: string): {text: string; line: number} {
	expect(shipped).toContain(from);
	const text = shipped.replace(from, to);
	return {text, line: text.split('\n').findIndex(l => l.includes(marker)) + 1};
}

const errorOf = (text: string): string => {
	try {
		parsePresetText(text, 'p.json');
	} catch (error) {
		return (error as Error).message;
	}
	throw new Error('the preset was accepted');
};

/** `it.each`'s check: the broken text is refused with `message`, at the line of its marker. */
function expectReported(_name: string, {text, line}: {text: string; line: number}, message: string): void {
	expect(errorOf(text)).toBe(`p.json:${line}: ${message}`);
}

describe('a field of a kind-tagged object (lengths, arrivals, acceptance, draft cost) is reported as itself', () => {
	// zod reports a union's every alternative; the one whose `kind` the file names is the one meant.
	it.each([
		[
			'a wrong type in a lognormal prompt (not the first kind)',
			broken('"median": 80', '"median": "80"', '"median"'),
			'workload.classes[0].prompt.median: must be a number, got "80"',
		],
		[
			'a wrong type in a per-token-head draft cost (not the first kind)',
			broken('"headParams": 400000000.0', '"headParams": "4e8"', '"headParams"'),
			'speculative.draftCost.headParams: must be a number, got "4e8"',
		],
		[
			'an unknown field in a lognormal prompt',
			broken('"sigma": 0.8,', '"sigma": 0.8, "mode": 70,', '"mode"'),
			'workload.classes[0].prompt.mode: unknown field (misspelt?)',
		],
		// An unknown or missing kind: every kind is named.
		[
			'an unknown arrival kind',
			broken('"kind": "poisson"', '"kind": "poison"', '"poison"'),
			'workload.arrival.kind: must be one of "poisson", "constant", "gamma", "closed-loop", got "poison"',
		],
		[
			'an unknown acceptance kind (synthetic, two alternatives, named once)',
			broken('"kind": "unconditional"', '"kind": "uncond"', '"uncond"'),
			'speculative.acceptance.kind: must be one of "unconditional", "conditional", "constant", "geometric", "mean-length", "synthetic", got "uncond"',
		],
		[
			'a missing kind',
			broken('"kind": "lognormal",', '', '"prompt"'),
			'workload.classes[0].prompt.kind: required field missing (one of "fixed", "uniform", "lognormal", "histogram")',
		],
	])('%s', expectReported);
});

describe("zod's messages are worded as specsim's others, with the value given", () => {
	it.each([
		[
			'an empty served model name',
			broken('"servedModelName": "meta-llama/Llama-3.1-8B-Instruct"', '"servedModelName": ""', '"servedModelName"'),
			'servedModelName: must not be empty',
		],
		[
			'a zero bound that must be exceeded',
			broken('"maxNumSeqs": 256', '"maxNumSeqs": 0', '"maxNumSeqs"'),
			'scheduler.maxNumSeqs: must be greater than 0, got 0',
		],
		[
			'a fraction where an integer belongs',
			broken('"maxNumSeqs": 256', '"maxNumSeqs": 2.5', '"maxNumSeqs"'),
			'scheduler.maxNumSeqs: must be an integer, got 2.5',
		],
		[
			'a string where a number belongs',
			broken('"maxNumSeqs": 256', '"maxNumSeqs": "x"', '"maxNumSeqs"'),
			'scheduler.maxNumSeqs: must be a number, got "x"',
		],
		[
			'an integer beyond the safe range',
			broken('"maxNumSeqs": 256', '"maxNumSeqs": 1e300', '"maxNumSeqs"'),
			'scheduler.maxNumSeqs: must be at most 9007199254740991, got 1e+300',
		],
		['an empty rates list', broken('"rates": [0.7296, 0.5208, 0.3545]', '"rates": []', '"rates"'), 'speculative.acceptance.rates: must not be empty'],
		[
			'a string where true or false belongs',
			broken('"maxNumSeqs": 256', '"maxNumSeqs": 256, "enablePrefixCaching": "yes"', '"enablePrefixCaching"'),
			'scheduler.enablePrefixCaching: must be true or false, got "yes"',
		],
	])('%s', expectReported);
});
