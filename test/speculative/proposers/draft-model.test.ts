import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {createDraftModelProposer} from '../../../src/speculative/proposers/draft-model.js';
import {runProposerContract} from './proposer.contract.js';

describe('createDraftModelProposer', () => {
	runProposerContract({create: () => createDraftModelProposer(), skip: []});

	it('is method "draft_model" and drafts exactly maxDraft without touching the Rng', () => {
		const proposer = createDraftModelProposer();
		expect(proposer.method).toBe('draft_model');
		const rng = createRng('untouched');
		const state = proposer.initRequest({classIndex: 0, promptLength: 7});
		for (const maxDraft of [0, 1, 3, 5]) {
			expect(proposer.propose({k: 5, maxDraft, classIndex: 0, promptLength: 7, numOutputTokens: 2, state}, rng)).toBe(maxDraft);
		}
		expect(rng.next()).toBe(createRng('untouched').next());
	});
});
