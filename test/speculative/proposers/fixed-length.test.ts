import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {DRAFT_METHODS, PROPOSER_METHODS} from '../../../src/speculative/proposers/methods.js';
import {getProposerFactory} from '../../../src/speculative/proposers/registry.js';
import {runProposerContract} from './proposer.contract.js';

/** The methods whose proposer is the shared fixed-length one, from the method table. */
const FIXED_LENGTH_METHODS = DRAFT_METHODS.filter(method => PROPOSER_METHODS[method].fixedLength);

it('the method table marks exactly eagle, eagle3, mtp, medusa, draft_model and synthetic fixed-length', () => {
	expect(FIXED_LENGTH_METHODS).toEqual(['eagle', 'eagle3', 'mtp', 'medusa', 'draft_model', 'synthetic']);
});

describe.each(FIXED_LENGTH_METHODS)('%s (fixed length)', method => {
	runProposerContract({create: () => getProposerFactory(method)(), skip: []});

	it('is named after its method and drafts exactly maxDraft without touching the Rng', () => {
		const proposer = getProposerFactory(method)();
		expect(proposer.method).toBe(method);
		const rng = createRng('untouched');
		const state = proposer.initRequest({classIndex: 0, promptLength: 7});
		for (const maxDraft of [0, 1, 3, 5]) {
			expect(proposer.propose({k: 5, maxDraft, classIndex: 0, promptLength: 7, numOutputTokens: 2, state}, rng)).toBe(maxDraft);
		}
		expect(rng.next()).toBe(createRng('untouched').next());
	});
});
