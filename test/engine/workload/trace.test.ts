import {describe, expect, it} from 'vitest';
import {createRng} from '../../../src/rng/rng.js';
import type {WorkloadClassSpec} from '../../../src/engine/workload/classes.js';
import {TraceError, createTraceSource, parseTraceLines} from '../../../src/engine/workload/trace.js';

const classes: WorkloadClassSpec[] = [
	{name: 'chat', weight: 1, prompt: {kind: 'fixed', value: 1}, output: {kind: 'fixed', value: 1}, temperature: 0.7},
	{name: 'code', weight: 1, prompt: {kind: 'fixed', value: 1}, output: {kind: 'fixed', value: 1}, temperature: {kind: 'uniform', min: 0, max: 1}},
];

const parseAll = (lines: string[], options = {}) => [...parseTraceLines(lines, 'trace.jsonl', options)];

function errorOf(lines: string[], options = {}): TraceError {
	try {
		parseAll(lines, options);
	} catch (error) {
		if (error instanceof TraceError) return error;
		throw error;
	}
	throw new Error('expected a TraceError');
}

describe('parseTraceLines', () => {
	it('turns JSONL into requests, skipping blank lines', () => {
		const lines = [
			'{"arrival_time": 0, "prompt_tokens": 12, "output_tokens": 5}',
			'',
			'  {"arrival_time": 0.5, "prompt_tokens": 800, "output_tokens": 64, "class": "chat", "extra": true}  ',
			'{"arrival_time": 0.5, "prompt_tokens": 3, "output_tokens": 1, "class": "code", "temperature": 0.2}',
		];
		expect(parseAll(lines, {classes})).toEqual([
			{id: 0, arrivalAt: 0, promptTokens: 12, maxTokens: 5, classIndex: 0, temperature: 0.7},
			{id: 1, arrivalAt: 0.5, promptTokens: 800, maxTokens: 64, classIndex: 0, temperature: 0.7},
			{id: 2, arrivalAt: 0.5, promptTokens: 3, maxTokens: 1, classIndex: 1, temperature: 0.2},
		]);
	});

	it('samples a random class temperature from the given rng, deterministically', () => {
		const lines = ['{"arrival_time": 1, "prompt_tokens": 1, "output_tokens": 1, "class": "code"}'];
		const a = parseAll(lines, {classes, rng: createRng(3)})[0]?.temperature;
		expect(a).toBeGreaterThanOrEqual(0);
		expect(a).toBeLessThan(1);
		expect(parseAll(lines, {classes, rng: createRng(3)})[0]?.temperature).toBe(a);
		expect(errorOf(lines, {classes}).message).toBe(
			'trace.jsonl:1: temperature is missing and class "code" has a random temperature, but no rng was given',
		);
	});

	it.each([
		[
			'{"arrival_time": 3, "prompt_tokens": 4, "output_tokens": -3}',
			'output_tokens',
			'trace.jsonl:7: output_tokens must be a positive integer, got -3',
		],
		[
			'{"arrival_time": 3, "prompt_tokens": 4.5, "output_tokens": 3}',
			'prompt_tokens',
			'trace.jsonl:7: prompt_tokens must be a positive integer, got 4.5',
		],
		[
			'{"arrival_time": 3, "output_tokens": 3}',
			'prompt_tokens',
			'trace.jsonl:7: prompt_tokens must be a positive integer, got nothing (field missing)',
		],
		[
			'{"arrival_time": "1", "prompt_tokens": 4, "output_tokens": 3}',
			'arrival_time',
			'trace.jsonl:7: arrival_time must be a finite number >= 0, got "1"',
		],
		[
			'{"arrival_time": 0.5, "prompt_tokens": 4, "output_tokens": 3}',
			'arrival_time',
			'trace.jsonl:7: arrival_time must be non-decreasing, got 0.5 after 2',
		],
		[
			'{"arrival_time": 3, "prompt_tokens": 4, "output_tokens": 3, "class": "math"}',
			'class',
			'trace.jsonl:7: class "math" is not a workload class (known: chat, code)',
		],
		['{"arrival_time": 3, "prompt_tokens": 4, "output_tokens": 3, "class": 2}', 'class', 'trace.jsonl:7: class must be a string, got 2'],
		[
			'{"arrival_time": 3, "prompt_tokens": 4, "output_tokens": 3, "temperature": -1}',
			'temperature',
			'trace.jsonl:7: temperature must be a finite number >= 0, got -1',
		],
		['[1, 2]', undefined, 'trace.jsonl:7: expected a JSON object, got an array'],
	])('reports %s with file, line and field', (bad, field, message) => {
		const good = (t: number) => `{"arrival_time": ${t}, "prompt_tokens": 1, "output_tokens": 1}`;
		const lines = [good(0), good(1), '', good(2), '', '', bad, good(9)];
		const error = errorOf(lines, {classes});
		expect(error.message).toBe(message);
		expect(error.name).toBe('TraceError');
		expect(error.fileName).toBe('trace.jsonl');
		expect(error.line).toBe(7);
		expect(error.field).toBe(field);
		expect(error.message).not.toContain('\n');
	});

	it('reports invalid JSON on one line', () => {
		const error = errorOf(['{"arrival_time": 0, "prompt_tokens": 1, "output_tokens": 1}', '{"arrival_time": 1,']);
		expect(error.line).toBe(2);
		expect(error.message).toMatch(/^trace\.jsonl:2: invalid JSON \(.+\)$/);
	});

	it('lists no classes when none are configured', () => {
		expect(errorOf(['{"arrival_time": 0, "prompt_tokens": 1, "output_tokens": 1, "class": "chat"}']).message).toBe(
			'trace.jsonl:1: class "chat" is not a workload class (known: none configured)',
		);
	});

	it('is lazy: requests before a bad line are yielded first', () => {
		const iterator = parseTraceLines(['{"arrival_time": 0, "prompt_tokens": 1, "output_tokens": 1}', 'oops'], 'x.jsonl');
		expect(iterator.next().value).toMatchObject({id: 0});
		expect(() => iterator.next()).toThrow(TraceError);
	});
});

describe('createTraceSource', () => {
	it('peeks and pulls in order, then reports Infinity', () => {
		const source = createTraceSource(
			['{"arrival_time": 0.25, "prompt_tokens": 2, "output_tokens": 3}', '{"arrival_time": 1, "prompt_tokens": 4, "output_tokens": 5}'],
			't.jsonl',
		);
		expect(source.peekArrivalAt()).toBe(0.25);
		expect(source.next()).toEqual({id: 0, arrivalAt: 0.25, promptTokens: 2, maxTokens: 3, classIndex: 0, temperature: 0});
		source.requestFinished(0.5);
		expect(source.peekArrivalAt()).toBe(1);
		expect(source.next()?.id).toBe(1);
		expect(source.peekArrivalAt()).toBe(Number.POSITIVE_INFINITY);
		expect(source.next()).toBeUndefined();
		expect(source.emitted).toBe(2);
	});
});
