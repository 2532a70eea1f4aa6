/**
 * A registered metric whose samples a scraper can read without prom-client's `get()`, which is
 * asynchronous (a promise and a microtask per metric per scrape) and builds an object per sample:
 * a scrape of `generate`'s `metrics.om` only needs the values, the text around them staying the
 * same from one scrape to the next. {@link sampleShape} tells whether it still does.
 */
export interface DirectMetric {
	/**
	 * Bring the samples up to date as `get()` would (a counter takes its pending increments) and
	 * return a token of their shape: the same token as before means the same samples (names,
	 * labels, order) as `get()` gave then; only their values may differ.
	 */
	sampleShape(): number;
	/** How many values {@link readValues} writes: as many as `get()` gives samples. */
	readonly numValues: number;
	/** The values of `get()`'s samples, in its order, into `out` (at least {@link numValues} long), after {@link sampleShape}. */
	readValues(out: Float64Array): void;
}

/** Whether `metric` can be read as a {@link DirectMetric}. */
export function isDirectMetric(metric: object): metric is DirectMetric {
	return typeof (metric as Partial<DirectMetric>).sampleShape === 'function' && typeof (metric as Partial<DirectMetric>).readValues === 'function';
}
