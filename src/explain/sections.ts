import {
	acceptedLengthSection,
	bonusSection,
	draftSection,
	draftTokensSection,
	fallingSection,
	perPositionSection,
	rateVersusLengthSection,
} from './concepts.js';
import type {ExplainSection} from './format.js';
import {checkExplainNumbers, kTableFromConditional, kTableMax, type ExplainNumbers} from './numbers.js';
import {kTableSection, logLineSection, promqlSection} from './surfaces.js';

/** Section ids, in order. */
export const EXPLAIN_SECTION_IDS = [
	'draft',
	'per-position',
	'why-falling',
	'accepted-length',
	'bonus-token',
	'rate-vs-length',
	'draft-tokens',
	'k-table',
	'log-line',
	'promql',
] as const;

/**
 * The explanation of speculative-decoding acceptance, written around `numbers`: pure and
 * deterministic (same numbers, same text), so the CLI and the live dashboard share it.
 *
 * @throws RangeError for unusable numbers (k < 1, rate arrays of the wrong length).
 */
export function explainSections(numbers: ExplainNumbers): ExplainSection[] {
	checkExplainNumbers(numbers);
	const n: ExplainNumbers =
		numbers.kTable !== undefined ? numbers : {...numbers, kTable: kTableFromConditional(numbers.conditionalRates, kTableMax(numbers.k))};
	return [
		draftSection(n),
		perPositionSection(n),
		fallingSection(n),
		acceptedLengthSection(n),
		bonusSection(n),
		rateVersusLengthSection(n),
		draftTokensSection(n),
		kTableSection(n),
		logLineSection(n),
		promqlSection(n),
	];
}

/** Sections as plain text: `## title`, a blank line, the body, a blank line between sections. */
export function formatExplainText(sections: readonly ExplainSection[], heading?: string): string {
	const parts = sections.map(s => `## ${s.title}\n\n${s.body}\n`);
	return `${heading === undefined ? '' : `${heading}\n\n`}${parts.join('\n')}`;
}
