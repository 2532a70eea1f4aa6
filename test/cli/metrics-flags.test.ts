import {describe, expect, it} from 'vitest';
import {parseMetricsFlags} from '../../src/cli/metrics-flags.js';
import {UserError} from '../../src/util/user-error.js';

describe('--kv-cache-metrics and --kv-cache-metrics-sample', () => {
	it('turn the residency metrics on with the rate (vLLM default 0.01), off without --kv-cache-metrics', () => {
		expect(parseMetricsFlags({kvCacheMetrics: true, kvCacheMetricsSample: '0.01'})).toEqual({kvCacheMetricsSample: 0.01});
		expect(parseMetricsFlags({kvCacheMetrics: true, kvCacheMetricsSample: '1'})).toEqual({kvCacheMetricsSample: 1});
		expect(parseMetricsFlags({kvCacheMetricsSample: '0.5'})).toEqual({});
	});

	it.each(['0', '-0.1', '1.01', 'abc', '', 'NaN', 'Infinity'])('reject a sample rate of "%s" with a one-line error naming the flag', text => {
		expect(() => parseMetricsFlags({kvCacheMetrics: true, kvCacheMetricsSample: text})).toThrow(UserError);
		expect(() => parseMetricsFlags({kvCacheMetrics: true, kvCacheMetricsSample: text})).toThrow(
			`--kv-cache-metrics-sample must be a number in (0, 1], got "${text}"`,
		);
	});
});
