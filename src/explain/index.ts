/**
 * `specsim explain` and the live dashboard's explain panel: the definitions of speculative-decoding
 * acceptance, written around a preset's (or live) numbers. Pure text generation.
 */
export {explainSections, formatExplainText, EXPLAIN_SECTION_IDS, type ExplainSectionId} from './sections.js';
export type {ExplainSection} from './format.js';
export {
	checkExplainNumbers,
	explainNumbersFromExpectation,
	kTableFromConditional,
	kTableMax,
	type ExpectationCountsOptions,
	type ExplainKRow,
	type ExplainNumbers,
} from './numbers.js';
export {exampleCounts, exampleLogLine} from './log-example.js';
export {DOCSTRING_QUERIES, GRAFANA_QUERIES, type PromQuery} from './promql.js';
