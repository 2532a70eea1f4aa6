// specsim's library API: re-exports only.
export {createRng, type Rng} from './rng/rng.js';
export {formatFixed, formatInt} from './util/py-format.js';
export {SpecDecodingStats} from './metrics/stats/spec-decoding-stats.js';
export {acceptanceRate, meanAcceptanceLength} from './metrics/stats/derived.js';
export {SpecDecodingLogging, type SpecDecodingLoggingOptions} from './metrics/log/spec-decoding-logging.js';
export {SpecDecodingWindow} from './metrics/log/window.js';
export {LOG_FORMATS, formatSpecDecodingMessage, type LogFormat} from './metrics/log/formats.js';
export {formatLogLine, formatLogTimestamp} from './metrics/log/log-prefix.js';
export {EventStreamError, parseEventLine, type LogEvent, type MetaEvent, type SimEvent, type StepEvent} from './events/event-stream.js';
export {Replayer, type ReplayOptions, type ReplayedLog} from './replay/replay.js';
export {createSpecDecodingProm, type SpecDecodingProm} from './metrics/prom/spec-decoding-prom.js';
export {createCoreProm, type CoreProm} from './metrics/prom/core-prom.js';
export {renderText, renderOpenMetrics, TEXT_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE} from './metrics/prom/exposition.js';
export {attachPrometheus, type SimPrometheus} from './metrics/prom/attach.js';
export {getMetrics, type Counter, type Gauge, type Histogram, type Metric, type Vector} from './metrics/reader.js';
export {simConfigSchema, type SimConfig, type SimConfigInput} from './config/schema.js';
export {loadPreset, listPresetNames, DEFAULT_PRESET} from './config/load.js';
export {buildSimulation, type BuiltSimulation, type BuildOptions} from './sim/build.js';
export {Simulation, type SimObserver} from './sim/simulation.js';
export {summarize, type RunSummary} from './sim/summary.js';
export {Engine, type SchedulerConfig} from './engine/engine.js';
export {createCostModel, kvCapacityTokens} from './engine/cost-model.js';
export {
	unconditionalToConditional,
	conditionalToUnconditional,
	iidRates,
	minimumVarianceRates,
	alphaForMeanLength,
	meanAcceptanceLength as expectedMeanAcceptanceLength,
	draftAcceptanceRate as expectedDraftAcceptanceRate,
	acceptedLengthDistribution,
	expectedSpeedup,
} from './speculative/acceptance/conversions.js';
export {createAcceptanceModel} from './speculative/acceptance/model.js';
export type {AcceptanceModel, AcceptanceExpectation} from './speculative/acceptance/model-types.js';
export type {AcceptanceSpec} from './speculative/acceptance/spec.js';
export {getProposerFactory} from './speculative/proposers/registry.js';
export {Session} from './runtime/session.js';
export {parseDuration} from './util/duration.js';
