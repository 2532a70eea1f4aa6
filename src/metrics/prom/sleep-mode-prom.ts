import type {Registry} from 'prom-client';
import {BucketHistogram} from '../stats/histogram.js';
import {type HistogramChild, histogramValues, registerFamily, ServerFamily} from './server-prom.js';

/** `operation` label values, in vLLM's order (`Operation = Literal["sleep", "release_kv_cache_memory", "wake"]`). */
export const SLEEP_MODE_OPERATIONS: readonly string[] = Object.freeze(['sleep', 'release_kv_cache_memory', 'wake']);

/** `BUCKETS` of vLLM's `SleepModeOperationMetrics`. */
export const SLEEP_MODE_DURATION_BUCKETS: readonly number[] = Object.freeze([0.01, 0.1, 1, 10, 30, 60, 120, 300, 600]);

/** Names and HELP texts of the two families (`vllm/entrypoints/serve/sleep/metrics.py`). */
export const SLEEP_MODE_FAMILIES = Object.freeze({
	duration: {name: 'vllm:sleep_mode_operation_duration_seconds', help: 'Duration of one sleep-mode operation.'},
	inFlight: {name: 'vllm:sleep_mode_operations_in_flight', help: 'Sleep-mode operations currently awaited.'},
});

/** The API server's sleep-mode operation metrics. */
export type SleepModeProm = {
	/** An operation was dispatched (the in-flight gauge goes up). */
	begin(operation: string): void;
	/** An operation returned after `durationS` (the gauge goes down, the histogram observes it) at `atS` (Unix seconds). */
	end(operation: string, durationS: number, atS: number): void;
	/** Calls in flight per operation; `undefined` until the families exist (no call dispatched yet). */
	inFlight(): ReadonlyMap<string, number> | undefined;
	/**
	 * Register the families now with `inFlight` calls still awaited: a metrics restart of a server
	 * that had created them (its histogram starts empty, calls in flight carry on and return here).
	 */
	resume(inFlight: ReadonlyMap<string, number>): void;
};

/**
 * vLLM's `SleepModeOperationMetrics`, created lazily in `registry` by the first call of
 * {@link SleepModeProm.begin}, as vLLM's `sleep_mode_operation_metrics()` creates it at the first
 * dispatched sleep-mode operation (so after every family already registered, the HTTP ones
 * included): the histogram `vllm:sleep_mode_operation_duration_seconds{operation}` and the gauge
 * `vllm:sleep_mode_operations_in_flight{operation}`, without `model_name` or `engine` labels (the
 * frontend times the call for every engine at once). The gauge's three children are set to 0 at
 * creation; a histogram child appears with its operation's first observation, its `_created` the
 * time of that observation.
 */
export function createSleepModeProm(registry: Registry): SleepModeProm {
	let created = false;
	const inFlight = new Map<string, number>();
	const durations = new Map<string, HistogramChild>();
	const ensure = (): void => {
		if (created) return;
		created = true;
		for (const operation of SLEEP_MODE_OPERATIONS) inFlight.set(operation, 0);
		const {duration, inFlight: gauge} = SLEEP_MODE_FAMILIES;
		registerFamily(
			registry,
			new ServerFamily(
				duration.name,
				duration.help,
				'histogram',
				histogramValues(duration.name, SLEEP_MODE_DURATION_BUCKETS, () => durations.values()),
			),
		);
		registerFamily(
			registry,
			new ServerFamily(gauge.name, gauge.help, 'gauge', () => [...inFlight].map(([operation, value]) => ({labels: {operation}, value}))),
		);
	};
	const check = (operation: string): void => {
		if (!SLEEP_MODE_OPERATIONS.includes(operation))
			throw new RangeError(`operation must be one of ${SLEEP_MODE_OPERATIONS.join(', ')}, got ${operation}`);
	};
	return {
		begin(operation) {
			check(operation);
			ensure();
			inFlight.set(operation, inFlight.get(operation)! + 1);
		},
		inFlight() {
			return created ? inFlight : undefined;
		},
		resume(carried) {
			ensure();
			for (const [operation, value] of carried) {
				check(operation);
				inFlight.set(operation, value);
			}
		},
		end(operation, durationS, atS) {
			check(operation);
			if (!(durationS >= 0 && Number.isFinite(durationS))) throw new RangeError(`durationS must be a finite number >= 0, got ${durationS}`);
			ensure();
			inFlight.set(operation, inFlight.get(operation)! - 1);
			let child = durations.get(operation);
			if (child === undefined) {
				child = {labels: {operation}, histogram: new BucketHistogram(SLEEP_MODE_DURATION_BUCKETS), createdS: atS};
				durations.set(operation, child);
			}
			child.histogram.observe(durationS, 1);
		},
	};
}
