import type {StepOutcome} from '../engine/step-outcome.js';
import {SpecDecodingWindow} from '../metrics/log/window.js';
import {FINISH_REASONS} from '../metrics/stats/finished-request.js';
import {QuantileSketch} from '../metrics/stats/histogram.js';

/** Counts over a span of virtual time (an interval between log ticks, or the whole run). */
export class SpanTotals {
	readonly spec: SpecDecodingWindow;
	// Initialised, not only declared (set again by the constructor): see Simulation's #now. endS is written every step.
	startS = 0;
	endS = 0;
	promptTokens = 0;
	generationTokens = 0;
	numSteps = 0;
	/** Σ step latency (busy time) and Σ the cost of the same steps without speculation. */
	busyS = 0;
	noSpecBusyS = 0;
	/** Σ requests that received tokens per step: what those steps would have emitted without speculation. */
	tokenRequests = 0;
	numFinished = 0;
	numPreemptions = 0;

	constructor(numSpecTokens: number, startS: number) {
		this.spec = new SpecDecodingWindow(Math.max(1, numSpecTokens));
		this.startS = startS;
		this.endS = startS;
	}

	add(out: StepOutcome): void {
		if (out.specStats !== undefined) this.spec.observe(out.specStats);
		this.endS = out.t;
		this.promptTokens += out.promptTokens;
		this.generationTokens += out.generationTokens;
		this.numSteps += 1;
		this.busyS += out.latencyS;
		this.noSpecBusyS += out.noSpecLatencyS;
		this.tokenRequests += out.numTokenRequests;
		this.numFinished += out.finished.length;
		this.numPreemptions += out.numPreemptions;
	}

	/**
	 * Estimated speedup over no speculation for the same batches: tokens per busy second with
	 * drafts over tokens per busy second without (cost model), NaN without steps.
	 */
	get estimatedSpeedup(): number {
		if (this.busyS <= 0 || this.tokenRequests === 0) return Number.NaN;
		return this.generationTokens / this.busyS / (this.tokenRequests / this.noSpecBusyS);
	}

	reset(startS: number): void {
		this.spec.reset();
		this.startS = startS;
		this.endS = startS;
		this.promptTokens = 0;
		this.generationTokens = 0;
		this.numSteps = 0;
		this.busyS = 0;
		this.noSpecBusyS = 0;
		this.tokenRequests = 0;
		this.numFinished = 0;
		this.numPreemptions = 0;
	}
}

/**
 * What one engine's run statistics need, accumulated in the core from step outcomes: lifetime
 * totals (spec decode, tokens, busy time), finished requests by reason, percentile sketches and
 * the latest step's gauges. Summaries and the dashboard read it; the Prometheus families and the
 * log lines keep their own (`metrics/prom`, `metrics/log`), and a log interval or the last second
 * is a difference of lifetime totals (`span-counts.ts`), so nothing here is kept twice.
 */
export class EngineMetrics {
	readonly engine: number;
	readonly lifetime: SpanTotals;
	/** Finished requests by `finished_reason`, every vLLM reason present (at 0 until one finishes so). */
	readonly finishedByReason: Record<string, number> = Object.fromEntries(FINISH_REASONS.map(reason => [reason, 0]));
	readonly ttftSketch = new QuantileSketch();
	readonly interTokenLatencySketch = new QuantileSketch();
	readonly e2eLatencySketch = new QuantileSketch();
	/**
	 * Time per output token of each finished request with more than one token, as `vllm bench serve`
	 * reports TPOT: (latency − TTFT) / (output tokens − 1), i.e. first to last token over the tokens after the first.
	 */
	readonly tpotSketch = new QuantileSketch();
	numRunning = 0;
	numWaiting = 0;
	kvUsage = 0;
	/** Batch tokens of the latest step. */
	lastBatchTokens = 0;
	/** vLLM's sleep level now: 0 awake, 1 or 2 asleep (set when the engine sleeps or wakes; docs/faults.md). */
	sleepLevel = 0;

	constructor(engine: number, numSpecTokens: number, startS = 0) {
		this.engine = engine;
		this.lifetime = new SpanTotals(numSpecTokens, startS);
	}

	observe(out: StepOutcome): void {
		this.lifetime.add(out);
		this.numRunning = out.numRunning;
		this.numWaiting = out.numWaiting;
		this.kvUsage = out.kvUsage;
		this.lastBatchTokens = out.numScheduledTokens;
		const ttft = out.ttft;
		for (let i = 0; i < ttft.length; i++) this.ttftSketch.observe(ttft.values[i]!);
		const itl = out.interTokenLatency;
		for (let i = 0; i < itl.length; i++) this.interTokenLatencySketch.observe(itl.values[i]!, itl.counts[i]!);
		// Indexed, here and in the other step subscribers: for...of allocated an array iterator per
		// step on generate's simulation thread (its sampled heap profile), garbage for the collector.
		const finished = out.finished;
		for (let i = 0; i < finished.length; i++) {
			const request = finished[i]!;
			const reason = request.finishReason ?? 'stop';
			this.finishedByReason[reason] = (this.finishedByReason[reason] ?? 0) + 1;
			this.e2eLatencySketch.observe(request.finishedAt - request.arrivalAt);
			if (request.numOutputTokens > 1 && !Number.isNaN(request.firstTokenAt))
				this.tpotSketch.observe((request.lastTokenAt - request.firstTokenAt) / (request.numOutputTokens - 1));
		}
	}

	/** Forget everything, as a restarted engine would (the dashboard's `r`). */
	restart(t: number): void {
		this.lifetime.reset(t);
		for (const reason of Object.keys(this.finishedByReason)) this.finishedByReason[reason] = 0;
		for (const s of [this.ttftSketch, this.interTokenLatencySketch, this.e2eLatencySketch, this.tpotSketch]) s.reset();
	}
}
