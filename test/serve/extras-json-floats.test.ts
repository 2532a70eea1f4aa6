import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {PyFloat, pydanticJson, pythonJson} from '../../src/server/py-json.js';
import {MODEL, startServe} from './serve-harness.js';

/**
 * What CPython's `json.dumps` (Starlette's JSONResponse, vLLM's non-streamed responses) and
 * pydantic's `model_dump_json` (vLLM's streamed chunks) print for the same floats and object,
 * written by scripts/python_json_golden.py.
 */
const golden = JSON.parse(readFileSync(new URL('./python-json.golden.json', import.meta.url), 'utf8')) as {
	floats: string[];
	json_dumps: string;
	pydantic: string;
	object_json_dumps: string;
	object_pydantic: string;
};

const f = (x: number) => new PyFloat(x);

describe('JSON floats as vLLM prints them (golden from CPython json and pydantic)', () => {
	const values = golden.floats.map(Number);

	it('json.dumps of 579 floats, byte for byte', () => {
		expect(values).toHaveLength(579);
		expect(pythonJson(values.map(f))).toBe(golden.json_dumps);
	});

	it("pydantic's model_dump_json of the same floats, byte for byte", () => {
		expect(pydanticJson({x: values.map(f)})).toBe(golden.pydantic);
	});

	it('a nested response with strings to escape, ints, floats, nulls, empty containers', () => {
		const obj = {
			id: 'cmpl-0',
			created: 1700000000,
			text: ' caf\u00e9 \u2014 "quoted" \\ back\nline\ttab \u0001 \u{1f600}',
			logprobs: {
				tokens: [' the', ' caf\u00e9'],
				token_logprobs: [f(-0), f(-1.2345e-5)],
				top_logprobs: [{' the': f(-0), ' a': f(-3.5)}, null],
				text_offset: [0, 4],
			},
			metrics: {mean_acceptance_length: f(1), draft_acceptance_rate: f(0), tokens_per_second: f(1234.5678), ttft: f(1e-7)},
			empty: {},
			list: [],
			flag: true,
			left_out: undefined,
		};
		expect(pythonJson(obj)).toBe(golden.object_json_dumps);
		expect(pydanticJson({value: obj})).toBe(golden.object_pydantic);
	});
});

describe('specsim serve writes float fields as Python does', () => {
	it('per-request metrics: mean_acceptance_length 1.0 and draft_acceptance_rate 0.0 keep their decimal point', async () => {
		// A request that ends at its first token never verifies drafts: 1.0 and 0.0 exactly.
		const {server} = await startServe({perRequestSpecDecodeMetrics: 'summary'});
		const response = await fetch(`${server.baseUrl}/v1/completions`, {
			method: 'POST',
			body: JSON.stringify({model: MODEL, prompt: 'hi', max_tokens: 1}),
		});
		const text = await response.text();
		expect(text).toContain('"mean_acceptance_length":1.0,"draft_acceptance_rate":0.0,');
		expect(text).toContain('"created":');
		expect(text).not.toMatch(/"created":\d+\.0/);
		expect(response.headers.get('content-type')).toBe('application/json');
	});

	it('the streamed usage chunk writes the same metrics as pydantic does', async () => {
		const {server} = await startServe({perRequestSpecDecodeMetrics: 'summary'});
		const response = await fetch(`${server.baseUrl}/v1/completions`, {
			method: 'POST',
			body: JSON.stringify({model: MODEL, prompt: 'hi', max_tokens: 1, stream: true, stream_options: {include_usage: true}}),
		});
		const text = await response.text();
		expect(text).toContain('"mean_acceptance_length":1.0,"draft_acceptance_rate":0.0,');
	});
});
