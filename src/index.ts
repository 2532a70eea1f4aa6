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
