import {describe, expect, it} from 'vitest';
import {createRng, type Rng} from '../../../src/rng/rng.js';
import {createNgramProposer, resolvePromptLookup} from '../../../src/speculative/proposers/ngram.js';
import type {ProposeContext} from '../../../src/speculative/proposers/types.js';
import {runProposerContract} from './proposer.contract.js';

/** An Rng that counts its draws. */
function countingRng(seed: string): Rng & {draws: number} {
	const inner = createRng(seed);
	const counting = {
		seed: inner.seed,
		draws: 0,
		next: () => {
			counting.draws++;
			return inner.next();
		},
		fork: (name: string) => inner.fork(name),
	};
	return counting;
}

describe('createNgramProposer', () => {
	runProposerContract({create: () => createNgramProposer({hitRates: [0.3, 0.8]}), numClasses: 2, skip: []});

	it('resolves prompt_lookup_min/max like vLLM', () => {
		expect(resolvePromptLookup()).toEqual({promptLookupMin: 5, promptLookupMax: 5});
		expect(resolvePromptLookup(3)).toEqual({promptLookupMin: 3, promptLookupMax: 3});
		expect(resolvePromptLookup(undefined, 7)).toEqual({promptLookupMin: 7, promptLookupMax: 7});
		expect(resolvePromptLookup(2, 4)).toEqual({promptLookupMin: 2, promptLookupMax: 4});
		expect(() => resolvePromptLookup(6, 4)).toThrow('prompt_lookup_min=6 must be <= prompt_lookup_max=4');
		expect(() => resolvePromptLookup(0)).toThrow('prompt_lookup_min must be an integer >= 1, got 0');
		expect(() => createNgramProposer({promptLookupMin: 6, promptLookupMax: 4})).toThrow(RangeError);
	});

	it('never matches a context shorter than prompt_lookup_min', () => {
		const proposer = createNgramProposer({hitRates: [1], contextScale: 1e-9, promptLookupMin: 5});
		const rng = createRng('short-context');
		const ctx: ProposeContext = {
			k: 4,
			maxDraft: 4,
			classIndex: 0,
			promptLength: 2,
			numOutputTokens: 0,
			state: proposer.initRequest({classIndex: 0, promptLength: 2}),
		};
		const drafts: number[] = [];
		for (let out = 0; out <= 2; out++) {
			ctx.numOutputTokens = out;
			drafts.push(proposer.propose(ctx, rng));
		}
		expect(drafts).toEqual([0, 0, 0]);
		ctx.numOutputTokens = 3; // context 5 = prompt_lookup_min: now it can match
		expect(proposer.propose(ctx, rng)).toBeGreaterThan(0);
	});

	it('produces short and missing drafts: Σ draft tokens < k × drafts', () => {
		const proposer = createNgramProposer({hitRates: [0.5], meanSpanLength: 6});
		const rng = createRng('ngram-short');
		const acceptance = createRng('ngram-acceptance');
		const k = 5;
		const ctx: ProposeContext = {
			k,
			maxDraft: k,
			classIndex: 0,
			promptLength: 800,
			numOutputTokens: 0,
			state: proposer.initRequest({classIndex: 0, promptLength: 800}),
		};
		let drafts = 0;
		let draftTokens = 0;
		let empty = 0;
		let short = 0;
		for (let step = 0; step < 2000; step++) {
			const d = proposer.propose(ctx, rng);
			if (d === 0) empty++;
			else {
				drafts++;
				draftTokens += d;
				if (d < k) short++;
			}
			// Accept all with probability 0.7, else a random shorter prefix.
			const accepted = acceptance.next() < 0.7 ? d : Math.floor(acceptance.next() * d);
			ctx.numOutputTokens += accepted + 1;
		}
		expect(drafts).toBeGreaterThan(100);
		expect(empty).toBeGreaterThan(100);
		expect(short).toBeGreaterThan(50);
		expect(draftTokens).toBeLessThan(k * drafts);
	});

	it('matches with probability hitRate · 0.85^(min−5) · (1 − e^(−(context − min + 1)/scale)) (within 4 SE)', () => {
		for (const [min, hitRate] of [
			[5, 0.4],
			[7, 0.6],
			[3, 0.9],
		] as const) {
			const proposer = createNgramProposer({hitRates: [hitRate], promptLookupMin: min, promptLookupMax: 8, meanSpanLength: 1, contextScale: 256});
			const rng = createRng(`p-${min}`);
			const ctx: ProposeContext = {
				k: 4,
				maxDraft: 4,
				classIndex: 0,
				promptLength: 300,
				numOutputTokens: 0,
				state: proposer.initRequest({classIndex: 0, promptLength: 300}),
			};
			const n = 20_000;
			let hits = 0;
			// Same context every call: a previous draft counts as rejected, so every call is a fresh lookup.
			for (let i = 0; i < n; i++) if (proposer.propose(ctx, rng) > 0) hits++;
			const p = Math.min(1, hitRate * 0.85 ** (min - 5)) * (1 - Math.exp(-(300 - min + 1) / 256));
			expect(Math.abs(hits / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
		}
	});

	it('continues a matched span without drawing while drafts are accepted, and a rejection ends it', () => {
		const proposer = createNgramProposer({hitRates: [1], contextScale: 1e-9, meanSpanLength: 1e6});
		const rng = countingRng('span');
		const ctx: ProposeContext = {
			k: 4,
			maxDraft: 4,
			classIndex: 0,
			promptLength: 100,
			numOutputTokens: 0,
			state: proposer.initRequest({classIndex: 0, promptLength: 100}),
		};
		expect(proposer.propose(ctx, rng)).toBe(4); // fresh match: two draws (hit, span length)
		expect(rng.draws).toBe(2);
		ctx.numOutputTokens += 5; // all 4 accepted + bonus
		expect(proposer.propose(ctx, rng)).toBe(4);
		expect(rng.draws).toBe(2); // still copying the span: no draw
		ctx.numOutputTokens += 2; // 1 of 4 accepted + recovered token: diverged
		expect(proposer.propose(ctx, rng)).toBe(4);
		expect(rng.draws).toBe(4); // a fresh lookup
	});

	it('drafts the end of a span short', () => {
		const proposer = createNgramProposer({hitRates: [1], contextScale: 1e-9, meanSpanLength: 1});
		const ctx: ProposeContext = {
			k: 4,
			maxDraft: 4,
			classIndex: 0,
			promptLength: 100,
			numOutputTokens: 0,
			state: proposer.initRequest({classIndex: 0, promptLength: 100}),
		};
		expect(proposer.propose(ctx, createRng(1))).toBe(1); // span length is always 1 when the mean is 1
	});

	it('rejects a class without a hit rate', () => {
		const proposer = createNgramProposer({hitRates: [0.2]});
		expect(() => proposer.initRequest({classIndex: 1, promptLength: 5})).toThrow(
			'classIndex must be an integer in [0, 1) (one hitRates entry per class), got 1',
		);
		expect(() => createNgramProposer({hitRates: [1.5]})).toThrow('hitRates[0] must be a number in [0, 1], got 1.5');
	});
});
