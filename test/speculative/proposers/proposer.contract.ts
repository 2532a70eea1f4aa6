/**
 * Shared contract for every DraftProposer (hono's `runTest({newRouter})` pattern): each
 * implementation's test file calls `runProposerContract({create, skip})`; a case an
 * implementation cannot satisfy is listed in `skip` with a reason instead of being left out.
 */
import {fc, test} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import {DRAFT_METHODS, PROPOSER_METHODS} from '../../../src/speculative/proposers/methods.js';
import type {DraftProposer, ProposeContext} from '../../../src/speculative/proposers/types.js';

export type ContractCase = 'range' | 'deterministic' | 'zero-budget' | 'method' | 'fixed-length' | 'validation';

export type ProposerContractOptions = {
	/** A fresh proposer (configured for `numClasses` workload classes). */
	create: () => DraftProposer;
	/** Cases this implementation does not support, each with a reason. */
	skip?: ReadonlyArray<{readonly name: ContractCase; readonly reason: string}>;
	/** Workload classes the created proposer knows. @default 1 */
	numClasses?: number;
};

/** One simulated request: propose, accept a random prefix, advance the output, repeat. */
function runRequest(
	proposer: DraftProposer,
	seed: string,
	k: number,
	promptLength: number,
	classIndex: number,
	steps: number,
	budgets: readonly number[],
): number[] {
	const rng = createRng(seed);
	const acceptance = createRng(`${seed}/acceptance`);
	const ctx: ProposeContext = {k, maxDraft: k, classIndex, promptLength, numOutputTokens: 0, state: proposer.initRequest({classIndex, promptLength})};
	const drafts: number[] = [];
	for (let step = 0; step < steps; step++) {
		ctx.maxDraft = Math.min(k, budgets[step % budgets.length]!);
		const draft = proposer.propose(ctx, rng);
		drafts.push(draft);
		const accepted = Math.floor(acceptance.next() * (draft + 1));
		ctx.numOutputTokens += accepted + 1;
	}
	return drafts;
}

export function runProposerContract({create, skip = [], numClasses = 1}: ProposerContractOptions): void {
	const skipped = new Set(skip.map(s => s.name));
	for (const s of skip) if (s.reason.trim() === '') throw new TypeError(`skip entry "${s.name}" needs a reason`);
	const request = fc.record({
		seed: fc.string({maxLength: 8}),
		k: fc.integer({min: 1, max: 30}),
		promptLength: fc.integer({min: 0, max: 4000}),
		classIndex: fc.integer({min: 0, max: numClasses - 1}),
		steps: fc.integer({min: 1, max: 60}),
		budgets: fc.array(fc.integer({min: 0, max: 30}), {minLength: 1, maxLength: 5}),
	});

	describe('DraftProposer contract', () => {
		if (!skipped.has('range')) {
			test.prop([request])('draft length is an integer in [0, maxDraft]', r => {
				const proposer = create();
				const rng = createRng(r.seed);
				const ctx: ProposeContext = {
					k: r.k,
					maxDraft: r.k,
					classIndex: r.classIndex,
					promptLength: r.promptLength,
					numOutputTokens: 0,
					state: proposer.initRequest(r),
				};
				for (let step = 0; step < r.steps; step++) {
					ctx.maxDraft = Math.min(r.k, r.budgets[step % r.budgets.length]!);
					const draft = proposer.propose(ctx, rng);
					expect(Number.isInteger(draft)).toBe(true);
					expect(draft).toBeGreaterThanOrEqual(0);
					expect(draft).toBeLessThanOrEqual(ctx.maxDraft);
					ctx.numOutputTokens += 1 + Math.floor(rng.next() * (draft + 1));
				}
			});
		}

		if (!skipped.has('deterministic')) {
			test.prop([request])('is deterministic for a seed', r => {
				expect(runRequest(create(), r.seed, r.k, r.promptLength, r.classIndex, r.steps, r.budgets)).toEqual(
					runRequest(create(), r.seed, r.k, r.promptLength, r.classIndex, r.steps, r.budgets),
				);
			});
		}

		if (!skipped.has('zero-budget')) {
			it('drafts nothing when maxDraft is 0', () => {
				expect(runRequest(create(), 'zero', 5, 300, 0, 40, [0])).toEqual(new Array<number>(40).fill(0));
			});
		}

		if (!skipped.has('method')) {
			it('names a canonical method from the method table', () => {
				const {method} = create();
				expect(DRAFT_METHODS).toContain(method);
				expect(PROPOSER_METHODS[method].method).toBe(method);
			});
		}

		if (!skipped.has('fixed-length')) {
			it('fixed-length methods always draft maxDraft; variable ones sometimes draft less', () => {
				const proposer = create();
				const drafts = runRequest(proposer, 'fixed', 6, 2000, 0, 400, [6, 6, 4, 6, 2]);
				const maxima = Array.from({length: 400}, (_, step) => Math.min(6, [6, 6, 4, 6, 2][step % 5]!));
				if (PROPOSER_METHODS[proposer.method].fixedLength) expect(drafts).toEqual(maxima);
				else expect(drafts.some((d, step) => d < maxima[step]!)).toBe(true);
			});
		}

		if (!skipped.has('validation')) {
			it('rejects maxDraft outside [0, k]', () => {
				const proposer = create();
				const ctx: ProposeContext = {
					k: 4,
					maxDraft: 5,
					classIndex: 0,
					promptLength: 10,
					numOutputTokens: 0,
					state: proposer.initRequest({classIndex: 0, promptLength: 10}),
				};
				expect(() => proposer.propose(ctx, createRng(0))).toThrow('propose needs integers 0 <= maxDraft <= k, got maxDraft=5, k=4');
				ctx.maxDraft = -1;
				expect(() => proposer.propose(ctx, createRng(0))).toThrow(RangeError);
			});
		}
	});
}
