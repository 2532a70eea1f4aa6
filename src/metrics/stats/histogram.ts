/**
 * Fixed-bucket histogram with Prometheus semantics (`le` upper bounds, +Inf implied): what the
 * engine accumulates for `vllm:*_seconds` families, so the hot path adds to a typed array and
 * the Prometheus edge only reads it at scrape time. `observe(v, n)` takes a count, because one
 * step often yields the same latency for every request in the batch.
 */
export class BucketHistogram {
	/** Upper bounds, strictly increasing, without +Inf. */
	readonly bounds: Float64Array;
	/** Non-cumulative counts: `counts[i]` for `bounds[i-1] < v <= bounds[i]`; the last entry is the +Inf bucket. */
	readonly counts: Float64Array;
	count = 0;
	sum = 0;

	constructor(bounds: readonly number[]) {
		for (let i = 1; i < bounds.length; i++) {
			if (!(bounds[i]! > bounds[i - 1]!)) throw new RangeError(`histogram bounds must increase strictly, got ${bounds[i - 1]} then ${bounds[i]}`);
		}
		this.bounds = Float64Array.from(bounds);
		this.counts = new Float64Array(bounds.length + 1);
	}

	observe(value: number, n = 1): void {
		// Binary search for the first bound >= value (Prometheus buckets are inclusive upper bounds).
		let lo = 0;
		let hi = this.bounds.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.bounds[mid]! >= value) hi = mid;
			else lo = mid + 1;
		}
		this.counts[lo]! += n;
		this.count += n;
		this.sum += value * n;
	}

	/** Cumulative count of observations <= `bounds[i]` (i = bounds.length: all). */
	cumulative(out: Float64Array = new Float64Array(this.counts.length)): Float64Array {
		let running = 0;
		for (let i = 0; i < this.counts.length; i++) {
			running += this.counts[i]!;
			out[i] = running;
		}
		return out;
	}

	reset(): void {
		this.counts.fill(0);
		this.count = 0;
		this.sum = 0;
	}
}

/**
 * Log-spaced histogram for percentiles with bounded relative error (about ±1% with the default
 * 2% bucket growth) in constant memory, however many values are observed: what summaries and
 * the dashboard use for TTFT and inter-token latency percentiles.
 */
export class QuantileSketch {
	readonly #minValue: number;
	readonly #logGrowth: number;
	readonly #growth: number;
	readonly #counts: Float64Array;
	#zeros = 0;
	count = 0;
	sum = 0;
	min = Number.POSITIVE_INFINITY;
	max = Number.NEGATIVE_INFINITY;

	/** Values below `minValue` count as `minValue`; above `minValue·growth^buckets` as the top bucket. */
	constructor(minValue = 1e-6, growth = 1.02, buckets = 1400) {
		this.#minValue = minValue;
		this.#growth = growth;
		this.#logGrowth = Math.log(growth);
		this.#counts = new Float64Array(buckets);
	}

	observe(value: number, n = 1): void {
		this.count += n;
		this.sum += value * n;
		if (value < this.min) this.min = value;
		if (value > this.max) this.max = value;
		if (value <= 0) {
			this.#zeros += n;
			return;
		}
		const index = Math.min(this.#counts.length - 1, Math.max(0, Math.floor(Math.log(value / this.#minValue) / this.#logGrowth)));
		this.#counts[index]! += n;
	}

	/** The q-quantile (0..1), NaN when empty; exact at the extremes, bucket midpoint otherwise. */
	quantile(q: number): number {
		if (this.count === 0) return Number.NaN;
		if (q <= 0) return this.min;
		if (q >= 1) return this.max;
		const rank = q * this.count;
		let seen = this.#zeros;
		if (rank <= seen) return Math.max(0, this.min);
		for (let i = 0; i < this.#counts.length; i++) {
			seen += this.#counts[i]!;
			if (seen >= rank) {
				const mid = this.#minValue * this.#growth ** (i + 0.5);
				return Math.min(this.max, Math.max(this.min, mid));
			}
		}
		return this.max;
	}

	get mean(): number {
		return this.count === 0 ? Number.NaN : this.sum / this.count;
	}

	/** Add another sketch's observations (same bucket layout). */
	merge(other: QuantileSketch): void {
		if (other.#counts.length !== this.#counts.length || other.#growth !== this.#growth || other.#minValue !== this.#minValue) {
			throw new RangeError('cannot merge sketches with different bucket layouts');
		}
		for (let i = 0; i < this.#counts.length; i++) this.#counts[i]! += other.#counts[i]!;
		this.#zeros += other.#zeros;
		this.count += other.count;
		this.sum += other.sum;
		this.min = Math.min(this.min, other.min);
		this.max = Math.max(this.max, other.max);
	}

	clone(): QuantileSketch {
		const copy = new QuantileSketch(this.#minValue, this.#growth, this.#counts.length);
		copy.merge(this);
		return copy;
	}

	reset(): void {
		this.#counts.fill(0);
		this.#zeros = 0;
		this.count = 0;
		this.sum = 0;
		this.min = Number.POSITIVE_INFINITY;
		this.max = Number.NEGATIVE_INFINITY;
	}
}
