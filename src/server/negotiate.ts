/**
 * Content negotiation of `/metrics`, as Python's `prometheus_client.exposition.choose_encoder`
 * does it (what vLLM's `/metrics` answers): OpenMetrics when any comma-separated entry of the
 * `Accept` header has the media type `application/openmetrics-text` (parameters and q-values are
 * not weighed), the text format 0.0.4 otherwise.
 *
 * @example
 * prefersOpenMetrics('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'); // true (Prometheus 2.x)
 * prefersOpenMetrics('text/plain'); // false
 * prefersOpenMetrics(undefined); // false (curl sends no Accept: text)
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
	if (accept === undefined) return false;
	for (const entry of accept.split(',')) {
		if (entry.split(';')[0]!.trim().toLowerCase() === 'application/openmetrics-text') return true;
	}
	return false;
}
