/**
 * `specsim explain` and the live dashboard's explain panel: the definitions of speculative-decoding
 * acceptance, written around a preset's (or live) numbers. Pure text generation.
 */
export {explainSections, formatExplainText, EXPLAIN_SECTION_IDS} from './sections.js';
export type {ExplainSection} from './format.js';
export {explainNumbersFromExpectation, kTableFromConditional, kTableMax, type ExplainKRow, type ExplainNumbers} from './numbers.js';
export {exampleLogLine} from './log-example.js';
