import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {createSuffixProposer} from '../../../src/speculative/proposers/suffix.js';
import type {ProposeContext} from '../../../src/speculative/proposers/types.js';
import {runProposerContract} from './proposer.contract.js';

const context = (proposer: ReturnType<typeof createSuffixProposer>, k: number): ProposeContext => ({
	k,
	maxDraft: k,
	classIndex: 0,
	promptLength: 50,
	numOutputTokens: 0,
	state: proposer.initRequest({classIndex: 0, promptLength: 50}),
});

describe('createSuffixProposer', () => {
	runProposerContract({create: () => createSuffixProposer({hitRates: [0.4, 0.9]}), numClasses: 2, skip: []});

	it('grows the prefix match while drafts are accepted, capped by max_spec_factor × match and the max depth', () => {
		const proposer = createSuffixProposer({hitRates: [1], suffixMeanMatchLength: 1, suffixContinueProbability: 1});
		const ctx = context(proposer, 24);
		const rng = createRng('grow');
		const drafts: number[] = [];
		for (let step = 0; step < 6; step++) {
			const d = proposer.propose(ctx, rng);
			drafts.push(d);
			ctx.numOutputTokens += d + 1; // everything accepted
		}
		// m: 1 → 1+2 = 3 → 3+4 = 7 → 7+8 = 15 → min(24, 31) = 24 → 24.
		expect(drafts).toEqual([1, 3, 7, 15, 24, 24]);
	});

	it('a rejection drops the match; max_spec_factor scales the cap', () => {
		const proposer = createSuffixProposer({hitRates: [1], suffixMeanMatchLength: 1, suffixContinueProbability: 1, suffixMaxSpecFactor: 2});
		const ctx = context(proposer, 24);
		const rng = createRng('reject');
		expect(proposer.propose(ctx, rng)).toBe(2); // m = 1, cap ⌊2 · 1⌋
		ctx.numOutputTokens += 3;
		expect(proposer.propose(ctx, rng)).toBe(8); // m = 4
		ctx.numOutputTokens += 2; // 1 of 8 accepted
		expect(proposer.propose(ctx, rng)).toBe(2); // fresh match, m = 1
		const half = createSuffixProposer({hitRates: [1], suffixMeanMatchLength: 1, suffixMaxSpecFactor: 0.5});
		expect(half.propose(context(half, 24), rng)).toBe(0); // ⌊0.5 · 1⌋ = 0: no draft
	});

	it('drafts are variable: Σ draft tokens < k × drafts, with empty steps', () => {
		const proposer = createSuffixProposer({hitRates: [0.6]});
		const ctx = context(proposer, 24);
		const rng = createRng('variable');
		const acceptance = createRng('variable-acceptance');
		let drafts = 0;
		let tokens = 0;
		let empty = 0;
		for (let step = 0; step < 2000; step++) {
			const d = proposer.propose(ctx, rng);
			if (d === 0) empty++;
			else {
				drafts++;
				tokens += d;
			}
			ctx.numOutputTokens += 1 + (acceptance.next() < 0.6 ? d : Math.floor(acceptance.next() * d));
		}
		expect(empty).toBeGreaterThan(100);
		expect(drafts).toBeGreaterThan(100);
		expect(tokens).toBeLessThan(24 * drafts);
	});

	it('validates its knobs', () => {
		expect(() => createSuffixProposer({suffixMaxTreeDepth: 0})).toThrow('suffix_decoding_max_tree_depth must be an integer >= 1, got 0');
		expect(() => createSuffixProposer({suffixMaxSpecFactor: 0})).toThrow('suffix_decoding_max_spec_factor must be a finite number > 0, got 0');
		expect(() => createSuffixProposer({suffixContinueProbability: 0})).toThrow('suffixContinueProbability must be in (0, 1], got 0');
	});
});
