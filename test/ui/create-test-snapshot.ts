import {stripVTControlCharacters} from 'node:util';
import type {DashboardControls} from '../../src/ui/controls.js';
import type {DashboardSnapshot, SnapshotSource, SpanView} from '../../src/ui/snapshot.js';

type Overrides = {
	readonly header?: Partial<DashboardSnapshot['header']>;
	readonly interval?: Partial<SpanView> | null;
	readonly lifetime?: Partial<SpanView>;
	readonly engine?: Partial<DashboardSnapshot['engine']>;
	readonly history?: Partial<DashboardSnapshot['history']>;
	readonly logs?: DashboardSnapshot['logs'];
	readonly expected?: Partial<DashboardSnapshot['expected']>;
	readonly intervalKs?: DashboardSnapshot['intervalKs'];
	readonly kChange?: DashboardSnapshot['kChange'];
};

/**
 * A fixed snapshot of the default preset (EAGLE-3, k = 3) after two minutes: round counts, so a
 * frame's numbers can be checked by hand. 10 s interval: 1,800 drafts, 5,400 draft tokens,
 * 2,880 accepted → rate 53.3%, mean length 1 + 2880/1800 = 2.60.
 */
export function createTestSnapshot(overrides: Overrides = {}): DashboardSnapshot {
	const interval: SpanView = {
		durationS: 10,
		numDrafts: 1800,
		numDraftTokens: 5400,
		numAcceptedTokens: 2880,
		meanDraftTokens: 3,
		acceptedPerPos: [1314, 936, 630],
		draftedPerPos: [1800, 1800, 1800],
		acceptanceRate: 2880 / 5400,
		meanAcceptanceLength: 2.6,
		acceptedTokensPerS: 288,
		draftTokensPerS: 540,
		draftsPerS: 180,
		outputTokensPerS: 468,
		unconditionalRates: [0.73, 0.52, 0.35],
		conditionalRates: [0.73, 0.52 / 0.73, 0.35 / 0.52],
		estimatedSpeedup: 1.95,
		...overrides.interval,
	};
	const lifetime: SpanView = {
		durationS: 120,
		numDrafts: 21_000,
		numDraftTokens: 63_000,
		numAcceptedTokens: 33_600,
		meanDraftTokens: 3,
		acceptedPerPos: [15_120, 11_130, 7350],
		draftedPerPos: [21_000, 21_000, 21_000],
		acceptanceRate: 33_600 / 63_000,
		meanAcceptanceLength: 1 + 33_600 / 21_000,
		acceptedTokensPerS: 280,
		draftTokensPerS: 525,
		draftsPerS: 175,
		outputTokensPerS: 455,
		unconditionalRates: [0.72, 0.53, 0.35],
		conditionalRates: [0.72, 0.53 / 0.72, 0.35 / 0.53],
		estimatedSpeedup: 1.93,
		...overrides.lifetime,
	};
	return {
		seq: 1,
		header: {
			preset: 'llama-3.1-8b-eagle3',
			model: 'meta-llama/Llama-3.1-8B-Instruct',
			method: 'eagle3',
			k: 3,
			maxK: 64,
			speculative: true,
			seed: 0,
			virtualS: 125,
			speed: 1,
			paused: false,
			done: false,
			acceptanceScale: 1,
			numEngines: 1,
			logIntervalS: 10,
			logFormat: 'throughput',
			metricsUrl: 'http://127.0.0.1:8000/metrics',
			...overrides.header,
		},
		intervalKs: overrides.intervalKs ?? [3],
		kChange: overrides.kChange,
		interval: overrides.interval === null ? undefined : interval,
		lifetime,
		expected: {
			unconditionalRates: [0.7296, 0.5208, 0.3545],
			conditionalRates: [0.7296, 0.5208 / 0.7296, 0.3545 / 0.5208],
			meanAcceptanceLength: 2.6049,
			draftAcceptanceRate: 1.6049 / 3,
			...overrides.expected,
		},
		engine: {
			numRunning: 12,
			numWaiting: 3,
			batchTokens: 48,
			kvUsage: 0.042,
			outputTokensPerS: 470,
			ttft: {p50: 0.0251, p90: 0.0402, p99: 0.0613},
			interTokenLatency: {p50: 0.0082, p90: 0.0095, p99: 0.0121},
			numErrors: 0,
			numAborts: 0,
			numAsleep: 0,
			numRejected: 0,
			...overrides.engine,
		},
		history: {
			sampleEveryS: 1,
			acceptanceRate: [0.5, 0.52, 0.55, 0.54, 0.53],
			meanAcceptanceLength: [2.5, 2.56, 2.65, 2.62, 2.6],
			outputTokensPerS: [400, 450, 480, 470, 470],
			...overrides.history,
		},
		// No log lines by default, so the frames of other tests have no log panel.
		logs: overrides.logs ?? {lines: []},
	};
}

/** A SpecDecoding log line as vLLM prints it, longer than any terminal is wide. */
export const TEST_LOG_LINE =
	'INFO 01-01 00:02:00 [metrics.py:96] SpecDecoding metrics: Mean acceptance length: 2.60, Accepted throughput: 288.00 tokens/s, Drafted throughput: 540.00 tokens/s, Accepted: 2880 tokens, Drafted: 5400 tokens, Per-position acceptance rate: 0.730, 0.520, 0.350, Avg Draft acceptance rate: 53.3%';

/** A source that always returns `snapshot` (or what `set` put there). */
export function staticSource(snapshot: DashboardSnapshot): SnapshotSource & {set(next: DashboardSnapshot): void} {
	let current = snapshot;
	let listeners: Array<() => void> = [];
	return {
		getSnapshot: () => current,
		subscribe(listener) {
			listeners.push(listener);
			return () => {
				listeners = listeners.filter(l => l !== listener);
			};
		},
		set(next) {
			current = next;
			for (const l of listeners) l();
		},
	};
}

/** Controls that record which were called, in order. */
export function recordingControls(): DashboardControls & {readonly calls: string[]} {
	const calls: string[] = [];
	const record = (name: string) => (): undefined => {
		calls.push(name);
		return undefined;
	};
	return {
		calls,
		togglePause: record('togglePause'),
		faster: record('faster'),
		slower: record('slower'),
		increaseK: record('increaseK'),
		decreaseK: record('decreaseK'),
		raiseAcceptance: record('raiseAcceptance'),
		lowerAcceptance: record('lowerAcceptance'),
		reset: record('reset'),
	};
}

/** A frame without colours, trailing spaces trimmed per line. */
export function plain(frame: string | undefined): string {
	return stripVTControlCharacters(frame ?? '')
		.split('\n')
		.map(line => line.trimEnd())
		.join('\n');
}
