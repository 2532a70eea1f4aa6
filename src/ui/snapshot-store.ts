import {formatLogLine} from '../metrics/log/log-prefix.js';
import type {QuantileSketch} from '../metrics/stats/histogram.js';
import type {LiveSession} from '../runtime/live-session.js';
import type {StepOutcome} from '../engine/step-outcome.js';
import {SpanTotals} from '../sim/engine-metrics.js';
import {deriveSpan, readLifetimeCounts, subtractCounts, type SpanCounts} from './span-counts.js';
import type {DashboardSnapshot, KChangeView, LogLine, Percentiles, SnapshotSource, SpanView} from './snapshot.js';

/** Options of {@link createSnapshotStore}. */
export type SnapshotStoreOptions = {
	/** Wall milliseconds between published snapshots while the simulation runs. @default 100 */
	readonly publishEveryMs?: number;
	/** Virtual seconds per sparkline point. @default 1 */
	readonly sampleEveryS?: number;
	/** Sparkline points kept. @default 120 */
	readonly historyLength?: number;
	/** The newest log lines a snapshot holds for the log panel (older ones are dropped). @default 100 */
	readonly maxLogLines?: number;
	/** Shown in the header. */
	readonly metricsUrl?: string;
	/** Wall clock in milliseconds (injected for tests). @default performance.now */
	readonly wallNowMs?: () => number;
};

/** The dashboard's data source over a {@link LiveSession}. */
export type SnapshotStore = SnapshotSource & {
	/** Publish a snapshot now (after a key changed something, or for a capture). */
	refresh(): DashboardSnapshot;
	/** Call after the session's `restart()`: intervals and sparklines start over from the reset counters. */
	restarted(): void;
	/** Unsubscribe from the session and cancel a pending publish. */
	close(): void;
};

/**
 * Build immutable {@link DashboardSnapshot}s from a session. The simulation only notifies (and the
 * store samples a sparkline point on a virtual-second boundary, O(1) per step otherwise); building
 * and publishing happen in a timer at most every `publishEveryMs` of wall time, never inside the
 * simulation's chunk, so the engine never waits on rendering.
 */
export function createSnapshotStore(session: LiveSession, options: SnapshotStoreOptions = {}): SnapshotStore {
	const publishEveryMs = options.publishEveryMs ?? 100;
	const sampleEveryS = options.sampleEveryS ?? 1;
	const historyLength = options.historyLength ?? 120;
	const maxLogLines = options.maxLogLines ?? 100;
	const wallNowMs = options.wallNowMs ?? (() => performance.now());
	if (!(sampleEveryS > 0)) throw new RangeError(`sampleEveryS must be positive, got ${sampleEveryS}`);
	if (!Number.isInteger(historyLength) || historyLength < 1) throw new RangeError(`historyLength must be a positive integer, got ${historyLength}`);
	if (!Number.isInteger(maxLogLines) || maxLogLines < 1) throw new RangeError(`maxLogLines must be a positive integer, got ${maxLogLines}`);
	const {info} = session;
	const format = info.logFormat;

	let listeners: Array<() => void> = [];
	let seq = 0;
	let lastPublishMs = Number.NEGATIVE_INFINITY;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let tickBase: SpanCounts;
	let interval: SpanView | undefined;
	let sampleBase: SpanCounts;
	let nextSampleAt: number;
	let acceptanceHistory: number[] = [];
	let lengthHistory: number[] = [];
	let outputHistory: number[] = [];
	/** The newest lines, up to twice `maxLogLines` (trimmed in one splice, not one shift per line). */
	const logLines: LogLine[] = [];
	let logView: readonly LogLine[] = [];
	let logId = 0;
	// A live k change applies from each engine's next step; the steps drafted at the current k since
	// the change are summed here (all engines together) for the cumulative column.
	let currentK = session.numSpecTokens;
	let kChange: KChangeView | undefined;
	let sinceK: SpanTotals | undefined;
	// k values drafted in the open log interval, and in the last complete one.
	let openKs: number[] = [];
	let intervalKs: readonly number[] = [];
	/** Requests refused with HTTP 400 since start (or the last reset). */
	let numRejected = 0;

	const syncK = (): void => {
		const k = session.numSpecTokens;
		if (k === currentK) return;
		kChange = {fromK: currentK, toK: k, atS: session.elapsedS};
		currentK = k;
		sinceK = new SpanTotals(k, session.now);
	};

	const startOver = (): void => {
		const now = session.now;
		tickBase = readLifetimeCounts(session.metrics, now);
		sampleBase = tickBase;
		nextSampleAt = nextBoundary(now, sampleEveryS);
		interval = undefined;
		intervalKs = [];
		openKs = [];
		acceptanceHistory = [];
		lengthHistory = [];
		outputHistory = [];
		currentK = session.numSpecTokens;
		kChange = undefined;
		sinceK = undefined;
		numRejected = 0;
	};
	startOver();

	const push = (series: number[], value: number): number[] => {
		const next = series.length >= historyLength ? series.slice(series.length - historyLength + 1) : series.slice();
		next.push(value);
		return next;
	};

	const sample = (t: number): void => {
		const counts = readLifetimeCounts(session.metrics, t);
		const span = deriveSpan(subtractCounts(counts, sampleBase), 0);
		acceptanceHistory = push(acceptanceHistory, span.acceptanceRate);
		lengthHistory = push(lengthHistory, span.numDrafts > 0 ? span.meanAcceptanceLength : Number.NaN);
		outputHistory = push(outputHistory, span.outputTokensPerS);
		sampleBase = counts;
		nextSampleAt = nextBoundary(t, sampleEveryS);
	};

	const unsubscribe = session.subscribe({
		onStep(out: StepOutcome) {
			syncK();
			// A step's stats are sized for the k it drafted with (one in flight at a change keeps the old k).
			const stepK = out.specStats?.numSpecTokens;
			if (stepK !== undefined && !openKs.includes(stepK)) openKs.push(stepK);
			// Keys act between chunks of simulated time, after every step that began at or before the press.
			if (sinceK !== undefined && out.startedAt > sinceK.startS) sinceK.add(out);
			if (out.t >= nextSampleAt) sample(out.t);
		},
		onRejected() {
			numRejected += 1;
		},
		// The lines a vLLM server prints at its default level (INFO), as headless `run` prints them:
		// the engine-initialised line, then each interval's `Engine 000:` and `SpecDecoding metrics:` lines.
		onLogLine(_engine, t, logLine) {
			if (logLine.level !== 'INFO') return;
			if (logLines.length >= 2 * maxLogLines) logLines.splice(0, logLines.length - maxLogLines + 1);
			logLines.push({id: logId++, text: formatLogLine(logLine.message, session.epochMsAt(t), format, logLine.level, {source: logLine.source})});
		},
		onTick(t) {
			const counts = readLifetimeCounts(session.metrics, t);
			intervalKs = openKs;
			openKs = [];
			interval = deriveSpan(subtractCounts(counts, tickBase), Math.max(session.numSpecTokens, ...intervalKs));
			tickBase = counts;
		},
	});

	const build = (): DashboardSnapshot => {
		syncK();
		const now = session.now;
		const k = session.numSpecTokens;
		const expected = session.expected();
		const metrics = session.metrics;
		let numRunning = 0;
		let numWaiting = 0;
		let batchTokens = 0;
		let kvUsage = 0;
		let numErrors = 0;
		let numAborts = 0;
		let numAsleep = 0;
		for (const m of metrics) {
			numErrors += m.finishedByReason['error'] ?? 0;
			numAborts += m.finishedByReason['abort'] ?? 0;
			if (m.sleepLevel > 0) numAsleep += 1;
			numRunning += m.numRunning;
			numWaiting += m.numWaiting;
			batchTokens += m.lastBatchTokens;
			kvUsage += m.kvUsage / metrics.length;
		}
		seq += 1;
		// A new array only when lines arrived: the dashboard compares the list, and old snapshots stay intact.
		if (logView.at(-1) !== logLines.at(-1)) logView = logLines.slice(-maxLogLines);
		return {
			seq,
			header: {
				preset: info.preset,
				model: info.model,
				method: info.method,
				k,
				maxK: info.maxNumSpecTokens,
				speculative: info.speculative,
				seed: info.seed,
				virtualS: session.elapsedS,
				speed: session.speed,
				paused: session.paused,
				done: session.done,
				acceptanceScale: session.acceptanceScale,
				numEngines: info.numEngines,
				logIntervalS: info.logIntervalS,
				logFormat: format,
				metricsUrl: options.metricsUrl,
			},
			interval,
			intervalKs,
			lifetime: deriveSpan(sinceK === undefined ? readLifetimeCounts(metrics, now) : readLifetimeCounts([{lifetime: sinceK}], now), k),
			kChange,
			expected: {
				unconditionalRates: [...expected.unconditionalRates],
				conditionalRates: [...expected.conditionalRates],
				meanAcceptanceLength: expected.meanAcceptanceLength,
				draftAcceptanceRate: expected.draftAcceptanceRate,
			},
			engine: {
				numRunning,
				numWaiting,
				batchTokens,
				kvUsage,
				outputTokensPerS: outputHistory.at(-1) ?? Number.NaN,
				ttft: percentiles(metrics.map(m => m.ttftSketch)),
				interTokenLatency: percentiles(metrics.map(m => m.interTokenLatencySketch)),
				numErrors,
				numAborts,
				numAsleep,
				numRejected,
			},
			history: {sampleEveryS, acceptanceRate: acceptanceHistory, meanAcceptanceLength: lengthHistory, outputTokensPerS: outputHistory},
			logs: {lines: logView},
		};
	};

	let snapshot = build();

	const publish = (): DashboardSnapshot => {
		if (timer !== undefined) clearTimeout(timer);
		timer = undefined;
		lastPublishMs = wallNowMs();
		snapshot = build();
		for (const listener of listeners) listener();
		return snapshot;
	};

	// Runs after each chunk of simulated time: only arm the timer.
	const offAdvance = session.onAdvance(() => {
		if (timer !== undefined) return;
		timer = setTimeout(publish, Math.max(0, lastPublishMs + publishEveryMs - wallNowMs()));
	});

	return {
		getSnapshot: () => snapshot,
		subscribe(listener: () => void): () => void {
			listeners.push(listener);
			return () => {
				listeners = listeners.filter(l => l !== listener);
			};
		},
		refresh: publish,
		restarted(): void {
			startOver();
			publish();
		},
		close(): void {
			if (timer !== undefined) clearTimeout(timer);
			timer = undefined;
			unsubscribe();
			offAdvance();
			listeners = [];
		},
	};
}

/** The first multiple of `every` strictly after `t`. */
function nextBoundary(t: number, every: number): number {
	return (Math.floor(t / every + 1e-9) + 1) * every;
}

/** p50/p90/p99 over engines' sketches (merged when there are several), NaN when empty. */
function percentiles(sketches: readonly QuantileSketch[]): Percentiles {
	const nonEmpty = sketches.filter(s => s.count > 0);
	if (nonEmpty.length === 0) return {p50: Number.NaN, p90: Number.NaN, p99: Number.NaN};
	let merged = nonEmpty[0]!;
	if (nonEmpty.length > 1) {
		merged = merged.clone();
		for (const s of nonEmpty.slice(1)) merged.merge(s);
	}
	return {p50: merged.quantile(0.5), p90: merged.quantile(0.9), p99: merged.quantile(0.99)};
}
