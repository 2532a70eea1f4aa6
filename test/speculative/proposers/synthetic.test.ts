import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {createSyntheticProposer} from '../../../src/speculative/proposers/synthetic.js';
import {runProposerContract} from './proposer.contract.js';

describe('createSyntheticProposer', () => {
	runProposerContract({create: () => createSyntheticProposer(), skip: []});

	it('is method "synthetic" and drafts exactly maxDraft without touching the Rng', () => {
		const proposer = createSyntheticProposer();
		expect(proposer.method).toBe('synthetic');
		const rng = createRng('untouched');
		const state = proposer.initRequest({classIndex: 0, promptLength: 7});
		for (const maxDraft of [0, 1, 3, 5]) {
			expect(proposer.propose({k: 5, maxDraft, classIndex: 0, promptLength: 7, numOutputTokens: 2, state}, rng)).toBe(maxDraft);
		}
		expect(rng.next()).toBe(createRng('untouched').next());
	});
});
