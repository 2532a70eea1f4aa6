import {Registry} from '../metrics/prom/prom-client.js';
import type {LogEvent, SimEvent, StepEvent} from '../events/event-stream.js';
import type {LogFormat} from '../metrics/log/formats.js';
import {SpecDecodingLogging} from '../metrics/log/spec-decoding-logging.js';
import {createSpecDecodingProm, type SpecDecodingProm} from '../metrics/prom/spec-decoding-prom.js';
import {SpecDecodingStats} from '../metrics/stats/spec-decoding-stats.js';

/** Options of {@link Replayer}. */
export type ReplayOptions = {
	/** @default 'classic' */
	readonly format?: LogFormat;
	/** The `model_name` label. @default 'specsim' */
	readonly modelName?: string;
	/** Registry to fill; a fresh one by default. */
	readonly registry?: Registry;
};

/** What a `log` record produced: our message and the one the stream recorded. */
export type ReplayedLog = {readonly event: LogEvent; readonly message: string | undefined};

type EngineState = {logging: SpecDecodingLogging; prom: SpecDecodingProm; stats: Map<number, SpecDecodingStats>};

/**
 * Feeds an event stream through the accounting exactly as the engine's stat loggers saw it:
 * each `step` becomes one `SpecDecodingStats` observed by that engine's logger and Prometheus
 * counters; each `log` record asks that engine's logger for its line at the record's time.
 */
export class Replayer {
	readonly registry: Registry;
	readonly format: LogFormat;
	readonly modelName: string;
	#startS = 0;
	#engines = new Map<number, EngineState>();

	constructor(options: ReplayOptions = {}) {
		this.registry = options.registry ?? new Registry();
		this.format = options.format ?? 'classic';
		this.modelName = options.modelName ?? 'specsim';
	}

	/** Handle one event; returns what a `log` record produced, `undefined` for other records. */
	handle(event: SimEvent): ReplayedLog | undefined {
		switch (event.type) {
			case 'meta':
				this.#startS = event.start_t ?? 0;
				return undefined;
			case 'step':
				this.#step(event);
				return undefined;
			case 'log':
				// An engine that never drafted has nothing to print (its logger has observed nothing).
				return {event, message: this.#engines.get(event.engine)?.logging.log(event.t)};
		}
	}

	#step(event: StepEvent): void {
		if (event.drafts.length === 0) return; // vLLM sends no spec stats for a step without drafts
		const engine = this.#engine(event.engine, event.num_spec_tokens);
		let stats = engine.stats.get(event.num_spec_tokens);
		if (stats === undefined) {
			stats = new SpecDecodingStats(event.num_spec_tokens);
			engine.stats.set(event.num_spec_tokens, stats);
		}
		stats.reset();
		for (const [drafted, accepted] of event.drafts) stats.observeDraft(drafted, accepted);
		engine.logging.observe(stats);
		engine.prom.observe(stats);
	}

	#engine(index: number, numSpecTokens: number): EngineState {
		let state = this.#engines.get(index);
		if (state === undefined) {
			state = {
				logging: new SpecDecodingLogging({numSpecTokens, format: this.format, startS: this.#startS}),
				prom: createSpecDecodingProm({
					registry: this.registry,
					modelName: this.modelName,
					engine: index,
					numSpecTokens,
					perPositionDrafted: this.format === 'coverage',
				}),
				stats: new Map(),
			};
			this.#engines.set(index, state);
		}
		return state;
	}
}
