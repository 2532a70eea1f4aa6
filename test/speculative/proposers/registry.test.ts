import {describe, expect, it} from 'vitest';
import {getProposerFactory} from '../../../src/speculative/proposers/registry.js';

describe('getProposerFactory', () => {
	it.each([
		['eagle', 'eagle'],
		['eagle3', 'eagle3'],
		['mtp', 'mtp'],
		['medusa', 'medusa'],
		['draft_model', 'draft_model'],
		['ngram', 'ngram'],
		['suffix', 'suffix'],
		['synthetic', 'synthetic'],
		['deepseek_mtp', 'mtp'],
		['qwen3_next_mtp', 'mtp'],
		['[ngram]', 'ngram'],
	])('%s creates a %s proposer', (name, method) => {
		expect(getProposerFactory(name)().method).toBe(method);
	});

	it('throws a TypeError listing the known names for an unknown one', () => {
		expect(() => getProposerFactory('lookahead')).toThrow(TypeError);
		expect(() => getProposerFactory('lookahead')).toThrow(
			'Unknown speculative method "lookahead"; known: eagle, eagle3, mtp, medusa, draft_model, ngram, suffix, synthetic, [ngram], deepseek_mtp,',
		);
	});
});
