import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {cli} from '../cli/run-cli.js';

/**
 * Absolute timestamps of a generated dataset against `--start`. The expected values were computed
 * in Python, not by specsim:
 *
 * ```python
 * from datetime import datetime, timezone
 * from prometheus_client.utils import floatToGoString
 * start = datetime(2024, 3, 5, 6, 7, 8, 250000, tzinfo=timezone.utc).timestamp()  # 1709618828.25
 * [str(start + 15 * j) for j in range(5)]  # OpenMetrics sample timestamps are seconds (str(float))
 * floatToGoString(start)                   # '1.70961882825e+09', the _created value
 * ```
 */
const START = '2024-03-05T06:07:08.250Z';
const SCRAPE_TIMESTAMPS = ['1709618828.25', '1709618843.25', '1709618858.25', '1709618873.25', '1709618888.25'];
const CREATED = '1.70961882825e+09';

describe('generate: absolute timestamps follow --start', () => {
	const out = join(mkdtempSync(join(tmpdir(), 'specsim-timestamps-')), 'ds');
	let om = '';
	let log = '';

	beforeAll(async () => {
		const result = await cli('generate', '--out', out, '--duration', '60s', '--scrape-interval', '15s', '--start', START, '--qps', '4');
		expect(result.code, result.stderr).toBe(0);
		om = readFileSync(join(out, 'metrics.om'), 'utf8');
		log = readFileSync(join(out, 'vllm.log'), 'utf8');
	});

	it('metrics.om: every sample carries a scrape time in seconds since the epoch, start + 15 s · j', () => {
		const samples = om.split('\n').filter(line => line !== '' && !line.startsWith('#'));
		expect(samples.length).toBeGreaterThan(0);
		const timestamps = new Set(samples.map(line => line.slice(line.lastIndexOf(' ') + 1)));
		expect([...timestamps].sort()).toEqual(SCRAPE_TIMESTAMPS);
		const drafts = samples.filter(line => line.startsWith('vllm:spec_decode_num_drafts_total{'));
		expect(drafts.map(line => line.slice(line.lastIndexOf(' ') + 1))).toEqual(SCRAPE_TIMESTAMPS);
	});

	it('metrics.om: _created is the start time (the registry is created at virtual time 0)', () => {
		const created = om.split('\n').filter(line => line.startsWith('vllm:spec_decode_num_drafts_created{'));
		expect(created).toHaveLength(SCRAPE_TIMESTAMPS.length);
		for (const [j, line] of created.entries()) expect(line.endsWith(` ${CREATED} ${SCRAPE_TIMESTAMPS[j]}`), line).toBe(true);
	});

	it('vllm.log: spec-decode lines every 10 s from the start, in UTC', () => {
		// 06:07:08.25 + 10 s … 60 s; vLLM's prefix shows month-day hour:minute:second (truncated).
		const spec = log.split('\n').filter(line => line.includes('SpecDecoding metrics: '));
		expect(spec.map(line => line.slice(0, 'INFO 03-05 06:07:18'.length))).toEqual([
			'INFO 03-05 06:07:18',
			'INFO 03-05 06:07:28',
			'INFO 03-05 06:07:38',
			'INFO 03-05 06:07:48',
			'INFO 03-05 06:07:58',
			'INFO 03-05 06:08:08',
		]);
	});
});
