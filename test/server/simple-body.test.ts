import {fc, test as fcTest} from '@fast-check/vitest';
import {describe, expect, it} from 'vitest';
import {completionRequestSchema, simpleCompletionRequest} from '../../src/server/openai-protocol.js';

const FIELDS = Object.keys(completionRequestSchema.shape);
const OTHER_KEYS = ['best_of', 'zzz', 'constructor', '__proto__', 'toString', 'suffix'];

/** Values of every kind a JSON body holds. */
const anyValue = fc.oneof(
	fc.string({maxLength: 8}),
	fc.boolean(),
	fc.constant(null),
	fc.integer({min: -5, max: 5000}),
	fc.double(),
	fc.constantFrom(1.5, -0, 2 ** 63, 1e19, 2 ** 53, 0.1, '5', ' 7 ', 'x', '1.0', {include_usage: true}),
	fc.array(fc.string({maxLength: 3}), {maxLength: 3}),
	fc.array(fc.integer({min: 0, max: 9}), {maxLength: 3}),
);
const int = fc.integer({min: -1000, max: 100_000});
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(arbitrary, fc.constant(null));
/** Per field, values of its own type (what the schema passes on as it is, mostly). */
const OWN_TYPE: Record<string, fc.Arbitrary<unknown>> = {
	model: nullable(fc.string()),
	user: nullable(fc.string()),
	stop: nullable(fc.string()),
	prompt: fc.string(),
	n: int,
	min_tokens: int,
	max_tokens: nullable(int),
	seed: nullable(int),
	top_k: nullable(int),
	...Object.fromEntries(
		['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'repetition_penalty', 'min_p'].map(k => [k, nullable(fc.double())]),
	),
	...Object.fromEntries(
		['stream', 'ignore_eos', 'echo', 'include_stop_str_in_output', 'skip_special_tokens', 'spaces_between_special_tokens'].map(k => [
			k,
			nullable(fc.boolean()),
		]),
	),
};

/** A body as `JSON.parse` gives it: own keys in any order (`__proto__` an own key too), values of the field's type mostly. */
const body = fc
	.uniqueArray(fc.constantFrom(...FIELDS, ...OTHER_KEYS), {maxLength: 10})
	.chain(keys =>
		fc
			.tuple(
				...keys.map(key =>
					Object.hasOwn(OWN_TYPE, key) ? fc.oneof({arbitrary: OWN_TYPE[key]!, weight: 12}, {arbitrary: anyValue, weight: 1}) : anyValue,
				),
			)
			.map(values => Object.fromEntries([['prompt', 'Write a haiku.'], ...keys.map((key, i) => [key, values[i]])]) as Record<string, unknown>),
	);

describe('simpleCompletionRequest', () => {
	fcTest.prop([body], {numRuns: 2000})('gives what the schema parses the body to, keys in the same order, or leaves it to the schema', raw => {
		const simple = simpleCompletionRequest(raw);
		if (simple === undefined) return;
		const parsed = completionRequestSchema.safeParse(raw);
		expect(parsed.success).toBe(true);
		expect(Object.keys(simple)).toEqual(Object.keys(parsed.data!));
		expect(JSON.stringify(simple)).toBe(JSON.stringify(parsed.data));
		expect(simple).toStrictEqual(parsed.data);
	});

	it('takes the common streaming body (the serve benchmark’s) and leaves the others to the schema', () => {
		const common = JSON.parse('{"model":"m","prompt":"Write a haiku","max_tokens":200,"ignore_eos":true,"user":"bench-1","stream":true}');
		expect(simpleCompletionRequest(common)).toStrictEqual(completionRequestSchema.parse(common));
		expect(JSON.stringify(simpleCompletionRequest(common))).toBe(
			'{"model":"m","stream":true,"max_tokens":200,"ignore_eos":true,"user":"bench-1","prompt":"Write a haiku"}',
		);
		for (const other of [
			{prompt: ['a', 'b']},
			{prompt: 'a', max_tokens: '5'},
			{prompt: 'a', max_tokens: 1.5},
			{prompt: 'a', n: null},
			{prompt: 'a', stop: ['x']},
			{prompt: 'a', stream_options: {include_usage: true}},
			{max_tokens: 5},
			[],
			null,
		])
			expect(simpleCompletionRequest(other)).toBeUndefined();
	});
});
