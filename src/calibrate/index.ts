/**
 * `specsim calibrate`: fit the acceptance model to what a real vLLM server printed or exposed.
 * Pure: parsing and fitting only; the CLI reads files, standard input or a `/metrics` URL.
 */
export * from './types.js';
export {parseLogLine, stripAnsi, type LogLineResult, type PrintedLine} from './log-line.js';
export {reconstructLine, type ReconstructOptions, type Reconstruction} from './reconstruct.js';
export {countRange, allocateCounts, printsAs} from './integer-fit.js';
export {parsePromLine, ScrapeSplitter, SPEC_COUNTERS, type PromLine, type PromTextSample, type Scrape} from './prometheus.js';
export {scrapeObservations, type SeriesFilter} from './prom-counts.js';
export {CalibrationCollector, collectTexts, type CollectOptions, type CollectedInput, type IntakeStats} from './collect.js';
export {aggregateObservations, TINY_SAMPLE_DRAFT_TOKENS, type AggregatedCounts, type IntervalCounts, type PerPositionCounts} from './aggregate.js';
export {
	conditionalRatesAt,
	fitAcceptance,
	type AcceptanceFit,
	type DecayFit,
	type Dispersion,
	type Estimate,
	type IidFit,
	type ModelFit,
	type PositionEstimate,
} from './fit.js';
export {calibratedPreset, describeSources, type PresetOptions} from './preset.js';
export {formatReport, formatWarning, formatWarnings, jsonReport, type CalibrationResult} from './report.js';
export {calibrate, type CalibrateOptions} from './calibrate.js';
export {chiSquareSurvival, nelderMead, regularizedUpperGamma, wilsonInterval} from './stats.js';
