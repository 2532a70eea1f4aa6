import {monitorEventLoopDelay, PerformanceObserver} from 'node:perf_hooks';
import {monotonicOffsetMs, type Spread, type StepTimings, type TargetReport} from './serve-protocol.js';

/** p50, p99 and max of `values` (sorted in place); NaN when empty. */
export function spreadOf(values: number[]): Spread {
	if (values.length === 0) return {p50: Number.NaN, p99: Number.NaN, max: Number.NaN};
	values.sort((a, b) => a - b);
	const at = (p: number) => values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
	return {p50: at(50), p99: at(99), max: values.at(-1)!};
}

/**
 * What a serve bench server child ({@link ./serve-target.ts}, {@link ./serve-floor.ts}) measures
 * about itself between two reports: garbage collection (`PerformanceObserver` `gc` entries), the
 * event loop's delay (`monitorEventLoopDelay`, 10 ms resolution), peak RSS (sampled every 100 ms),
 * CPU time, and the core's utilisation over each second (CPU seconds per wall second).
 */
export function serverInstruments() {
	const gc = {count: 0, totalMs: 0, maxMs: 0};
	const gcPauses: Array<[number, number]> = [];
	const observer = new PerformanceObserver(list => {
		for (const entry of list.getEntries()) {
			gc.count += 1;
			gc.totalMs += entry.duration;
			gc.maxMs = Math.max(gc.maxMs, entry.duration);
			if (gcPauses.length < 100_000) gcPauses.push([entry.startTime, entry.duration]);
		}
	});
	observer.observe({entryTypes: ['gc']});
	const loop = monitorEventLoopDelay({resolution: 10});
	loop.enable();
	// `memoryUsage.rss()`, not `memoryUsage()`, which also walks V8's heap spaces (0.4% of the
	// server's busy time at every 100 ms, in a profile).
	let peakRssBytes = process.memoryUsage.rss();
	let cpuSince = process.cpuUsage();
	const rssTimer = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss())), 100);
	const utilisation: number[] = [];
	let utilisationSince = {cpu: process.cpuUsage(), wallMs: performance.now()};
	const utilisationTimer = setInterval(() => {
		const now = {cpu: process.cpuUsage(), wallMs: performance.now()};
		const used = process.cpuUsage(utilisationSince.cpu);
		utilisation.push((used.user + used.system) / 1000 / (now.wallMs - utilisationSince.wallMs));
		utilisationSince = now;
	}, 1000);
	return {
		/** The report's process figures since the last {@link reset}. */
		report(): Pick<TargetReport, 'rssBytes' | 'peakRssBytes' | 'loopDelayMs' | 'cpuMs' | 'clockOffsetMs'> {
			const used = process.cpuUsage(cpuSince);
			return {
				rssBytes: process.memoryUsage.rss(),
				peakRssBytes,
				loopDelayMs: {p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6},
				cpuMs: (used.user + used.system) / 1000,
				clockOffsetMs: monotonicOffsetMs(),
			};
		},
		/** The step timings' utilisation and GC figures since the last {@link reset}. */
		steps(): Pick<StepTimings, 'utilisation' | 'gc' | 'gcPauses'> {
			return {...(utilisation.length === 0 ? {} : {utilisation: spreadOf([...utilisation])}), gc: {...gc}, gcPauses: [...gcPauses]};
		},
		reset(): void {
			utilisation.length = 0;
			gcPauses.length = 0;
			gc.count = 0;
			gc.totalMs = 0;
			gc.maxMs = 0;
			cpuSince = process.cpuUsage();
			loop.reset();
			peakRssBytes = process.memoryUsage.rss();
		},
		stop(): void {
			clearInterval(rssTimer);
			clearInterval(utilisationTimer);
			loop.disable();
			observer.disconnect();
		},
	};
}
