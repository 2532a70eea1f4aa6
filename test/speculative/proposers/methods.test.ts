import {describe, expect, it} from 'vitest';
import {DRAFT_METHODS, knownMethodNames, MTP_ALIASES, PROPOSER_METHODS, resolveMethodName} from '../../../src/speculative/proposers/methods.js';

describe('method table', () => {
	it('records fixed length and drafting cost per method', () => {
		const table = Object.fromEntries(DRAFT_METHODS.map(m => [m, [PROPOSER_METHODS[m].fixedLength, PROPOSER_METHODS[m].draftCost]]));
		expect(table).toEqual({
			eagle: [true, 'per-token-head'],
			eagle3: [true, 'per-token-head'],
			mtp: [true, 'per-token-head'],
			medusa: [true, 'parallel-heads'],
			draft_model: [true, 'sequential-model'],
			ngram: [false, 'cpu'],
			suffix: [false, 'cpu'],
			synthetic: [true, 'none'],
		});
		expect(PROPOSER_METHODS.suffix.defaultNumSpeculativeTokens).toBe(24);
	});
});

describe('resolveMethodName', () => {
	it("rewrites *_mtp to mtp with vLLM's deprecation warning", () => {
		expect(resolveMethodName('deepseek_mtp')).toEqual({
			method: 'mtp',
			deprecationWarning: 'method `deepseek_mtp` is deprecated and replaced with mtp.',
		});
		for (const alias of MTP_ALIASES) expect(resolveMethodName(alias).method).toBe('mtp');
		expect(resolveMethodName('future_model_mtp').method).toBe('mtp');
		expect(resolveMethodName('mtp')).toEqual({method: 'mtp'});
	});

	it('maps [ngram] to ngram and rejects unknown names', () => {
		expect(resolveMethodName('[ngram]')).toEqual({method: 'ngram'});
		expect(() => resolveMethodName('EAGLE')).toThrow(TypeError);
		expect(() => resolveMethodName('toString')).toThrow(TypeError);
		expect(knownMethodNames()).toContain('qwen3_next_mtp');
	});
});
