import {Option} from 'commander';
import {LOG_FORMATS} from '../metrics/log/formats.js';

/** Where commands write; injected so tests can capture output without spawning a process. */
export type Output = {
	stdout(text: string): void;
	stderr(text: string): void;
};

export const logFormatOption = (): Option =>
	new Option('--log-format <format>', 'SpecDecoding log line layout (classic: vLLM 0.9–0.10.1; throughput: 0.10.2+; coverage: newest)')
		.choices(LOG_FORMATS)
		.default('classic');
