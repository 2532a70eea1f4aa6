/** The part of autocannon's API the serve benchmark uses (the package ships no types). */
declare module 'autocannon' {
	type Options = {
		url: string;
		method?: string;
		headers?: Record<string, string>;
		body?: string;
		connections?: number;
		/** Seconds. */
		duration?: number;
	};
	/** Percentiles and mean of a histogram (latency in ms, requests and throughput per second). */
	type Histogram = {average: number; mean: number; p50: number; p99: number; max: number; total: number};
	type Result = {
		requests: Histogram;
		latency: Histogram;
		duration: number;
		errors: number;
		timeouts: number;
		non2xx: number;
	};
	function autocannon(options: Options): Promise<Result>;
	export default autocannon;
}
