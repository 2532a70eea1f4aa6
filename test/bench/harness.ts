/** One measured figure. */
export type BenchResult = {name: string; value: number; unit: string; note?: string};

/** Wall time of an async function, in seconds (benchmarks only: never in tests). */
export async function timed(fn: () => Promise<void> | void): Promise<{seconds: number}> {
	const start = process.hrtime.bigint();
	await fn();
	return {seconds: Number(process.hrtime.bigint() - start) / 1e9};
}

/**
 * Run `fn` while sampling the heap every 20 ms: peak used heap, and growth from start to end
 * after full GCs (needs node --expose-gc).
 */
export async function measureHeap<T>(fn: () => Promise<T>): Promise<T & {heap: {peakMiB: number; growthMiB: number}}> {
	const gc = (globalThis as {gc?: () => void}).gc;
	gc?.();
	const before = process.memoryUsage().heapUsed;
	let peak = before;
	const timer = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().heapUsed);
	}, 20);
	// Sampling needs the event loop: yield to it regularly from inside fn (awaits do).
	try {
		const result = await fn();
		peak = Math.max(peak, process.memoryUsage().heapUsed);
		gc?.();
		const after = process.memoryUsage().heapUsed;
		return {...result, heap: {peakMiB: peak / 2 ** 20, growthMiB: (after - before) / 2 ** 20}};
	} finally {
		clearInterval(timer);
	}
}

export function formatResults(results: readonly BenchResult[]): string {
	const rows = results.map(r => `| ${r.name} | ${formatValue(r.value)} ${r.unit} | ${r.note ?? ''} |`);
	return ['| benchmark | result | notes |', '|---|---|---|', ...rows].join('\n');
}

function formatValue(value: number): string {
	if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
	if (Math.abs(value) >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
	return value.toFixed(2);
}
