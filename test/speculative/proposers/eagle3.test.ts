import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {createEagle3Proposer} from '../../../src/speculative/proposers/eagle3.js';
import {runProposerContract} from './proposer.contract.js';

describe('createEagle3Proposer', () => {
	runProposerContract({create: () => createEagle3Proposer(), skip: []});

	it('is method "eagle3" and drafts exactly maxDraft without touching the Rng', () => {
		const proposer = createEagle3Proposer();
		expect(proposer.method).toBe('eagle3');
		const rng = createRng('untouched');
		const state = proposer.initRequest({classIndex: 0, promptLength: 7});
		for (const maxDraft of [0, 1, 3, 5]) {
			expect(proposer.propose({k: 5, maxDraft, classIndex: 0, promptLength: 7, numOutputTokens: 2, state}, rng)).toBe(maxDraft);
		}
		expect(rng.next()).toBe(createRng('untouched').next());
	});
});
