import * as z from 'zod';
import {MAX_NUM_SPEC_TOKENS} from '../speculative/limits.js';
import {describeValue} from '../util/escape.js';
import {MAX_DURATION_S, MAX_ENGINES, MAX_QPS, MAX_USERS, MIN_LOG_INTERVAL_S} from '../util/limits.js';

/**
 * The one schema every preset file and every effective configuration passes. Objects are strict
 * (a misspelt key is an error naming it), and any object may carry a `source` string saying where
 * its numbers come from (paper, PR, issue). Types mirror the core's spec types
 * (`AcceptanceSpec`, `ArrivalSpec`, `LengthSpec`, `ModelCostSpec`, ...): the config is plain JSON.
 */

const source = z.string().min(1).optional();
const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const probability = z.number().min(0).max(1);
const positiveInt = z.number().int().positive();
const rates = z.array(probability).min(1);

/** A zod error option saying `rule` and what the user wrote, e.g. `must be an integer from 1 to 64, got 10000`. */
const says = (rule: string) => ({error: (issue: {input?: unknown}) => `${rule}, got ${describeValue(issue.input)}`});
/** An integer in `[min, max]`, one message for every way to miss it (a string, a fraction, out of range). */
const intIn = (min: number, max: number) => {
	const rule = says(`must be an integer from ${min} to ${max}`);
	return z.number(rule).int(rule).min(min, rule).max(max, rule);
};
/** A positive number at most `max`, with the unit in the message. */
const positiveAtMost = (max: number, rule: string) => {
	const error = says(rule);
	return z.number(error).positive(error).max(max, error);
};
/** The rule on arrival rates, shared with `--qps`. */
/** The arrival rates a workload takes, as its errors name them. */
export const QPS_RANGE = `a positive number of requests per virtual second, at most ${MAX_QPS}`;
export const QPS_RULE = `must be ${QPS_RANGE}`;
/** vLLM's convention: P(first i+1 tokens accepted) can only fall with i. */
const nonIncreasingRates = rates.superRefine((values, ctx) => {
	for (let i = 1; i < values.length; i++) {
		if (values[i]! > values[i - 1]!) {
			ctx.addIssue({
				code: 'custom',
				path: [i],
				message: `unconditional rates must be non-increasing: rates[${i}]=${values[i]} exceeds rates[${i - 1}]=${values[i - 1]}`,
			});
			return;
		}
	}
});

export const acceptanceSchema = z.union([
	z.strictObject({kind: z.literal('unconditional'), rates: nonIncreasingRates, source}),
	z.strictObject({kind: z.literal('conditional'), rates, source}),
	z.strictObject({kind: z.literal('constant'), alpha: probability, source}),
	z.strictObject({kind: z.literal('geometric'), first: probability, decay: nonNegative, source}),
	z.strictObject({kind: z.literal('mean-length'), length: z.number().min(1), source}),
	z.strictObject({kind: z.literal('synthetic'), rates: nonIncreasingRates, source}),
	z.strictObject({kind: z.literal('synthetic'), length: z.number().min(1), source}),
]);

export const lengthSchema = z.union([
	z.strictObject({kind: z.literal('fixed'), value: positiveInt}),
	z.strictObject({kind: z.literal('uniform'), min: positiveInt, max: positiveInt}),
	z.strictObject({kind: z.literal('lognormal'), median: positive, sigma: nonNegative, min: positiveInt, max: positiveInt}),
	z.strictObject({kind: z.literal('histogram'), bins: z.array(z.strictObject({upTo: positiveInt, weight: nonNegative})).min(1)}),
]);

const temperatureSchema = z.union([
	nonNegative,
	z.strictObject({kind: z.literal('uniform'), min: nonNegative, max: nonNegative}),
	z.strictObject({kind: z.literal('choice'), values: z.array(nonNegative).min(1), weights: z.array(nonNegative).optional()}),
]);

/** Seconds (think time): a constant or a distribution, every value >= 0 and at most MAX_DURATION_S. */
const secondsSchema = z
	.number(says(`must be a number of seconds from 0 to ${MAX_DURATION_S}`))
	.min(0, says(`must be a number of seconds from 0 to ${MAX_DURATION_S}`))
	.max(MAX_DURATION_S, says(`must be a number of seconds from 0 to ${MAX_DURATION_S}`));
export const durationSchema = z.union([
	secondsSchema,
	z.strictObject({kind: z.literal('exponential'), mean: secondsSchema}),
	z.strictObject({kind: z.literal('uniform'), min: secondsSchema, max: secondsSchema}),
	z.strictObject({kind: z.literal('lognormal'), median: secondsSchema, sigma: nonNegative, max: secondsSchema.optional()}),
]);

/** A multi-turn conversation (`ConversationSpec`): turns that resend their history, with think time between them. */
const conversationSchema = z.strictObject({
	turns: lengthSchema,
	userTokens: lengthSchema,
	thinkTime: durationSchema.optional(),
	source,
});

export const workloadClassSchema = z.strictObject({
	name: z.string().min(1),
	weight: nonNegative,
	prompt: lengthSchema,
	output: lengthSchema,
	acceptanceFactor: positive.optional(),
	ngramHitRate: probability.optional(),
	repetition: probability.optional(),
	temperature: temperatureSchema.optional(),
	/** A system prompt of this many tokens that every request of the class starts with (prefix caching reuses it). */
	sharedPrefixTokens: z.number().int().nonnegative().optional(),
	/** The OpenAI endpoint the class's clients POST to (the `handler` of `http_requests_total`). @default '/v1/chat/completions' */
	endpoint: z.enum(['/v1/chat/completions', '/v1/completions']).optional(),
	/** Requests are turns of multi-turn conversations that resend their history (docs/prefix-caching.md). */
	conversation: conversationSchema.optional(),
	/** Clients send `max_tokens` = the output length with `ignore_eos` (`--output-len`): a request beyond `max_model_len` is a 400, not cut. */
	ignoreEos: z.boolean().optional(),
	source,
});

export const arrivalSchema = z.union([
	z.strictObject({kind: z.literal('poisson'), rate: positiveAtMost(MAX_QPS, QPS_RULE)}),
	z.strictObject({kind: z.literal('constant'), rate: positiveAtMost(MAX_QPS, QPS_RULE)}),
	z.strictObject({kind: z.literal('gamma'), rate: positiveAtMost(MAX_QPS, QPS_RULE), cv: positive}),
	z.strictObject({kind: z.literal('closed-loop'), users: intIn(1, MAX_USERS), thinkTimeS: nonNegative.optional()}),
]);

export const modelCostSchema = z.strictObject({
	name: z.string().min(1),
	params: positive,
	activeParams: positive.optional(),
	bytesPerParam: positive,
	numLayers: positiveInt,
	kvBytesPerToken: positive,
	maxModelLen: positiveInt.optional(),
	source,
});

export const hardwareSchema = z.strictObject({
	name: z.string().min(1),
	gpus: positiveInt,
	memoryBytesPerGpu: positive,
	hbmBandwidthBytesPerS: positive,
	peakFlops: positive,
	bandwidthEfficiency: z.number().gt(0).max(1).optional(),
	flopsEfficiency: z.number().gt(0).max(1).optional(),
	interconnectOverheadS: nonNegative.optional(),
	source,
});

export const draftCostSchema = z.union([
	z.strictObject({kind: z.literal('none')}),
	z.strictObject({
		kind: z.literal('sequential-model'),
		draftParams: positive,
		bytesPerParam: positive,
		kvBytesPerToken: nonNegative.optional(),
		numLayers: positiveInt.optional(),
		hiddenSize: positiveInt.optional(),
		passOverheadS: nonNegative.optional(),
		stepOverheadS: nonNegative.optional(),
		source,
	}),
	z.strictObject({
		kind: z.literal('per-token-head'),
		headParams: positive.optional(),
		headParamsFraction: z.number().gt(0).max(1).optional(),
		numLayers: positiveInt.optional(),
		passOverheadS: nonNegative.optional(),
		stepOverheadS: nonNegative.optional(),
		activeParams: positive.optional(),
		moe: z.strictObject({numExperts: positiveInt, expertsPerToken: positiveInt, expertParams: positive}).optional(),
		source,
	}),
	z.strictObject({
		kind: z.literal('parallel-heads'),
		headParams: positive,
		passOverheadS: nonNegative.optional(),
		stepOverheadS: nonNegative.optional(),
		source,
	}),
	z.strictObject({kind: z.literal('cpu'), perTokenS: nonNegative, perRequestS: nonNegative.optional(), source}),
	z.strictObject({kind: z.literal('ratio'), c: nonNegative, source}),
]);

/** A fitted step-time model (`FittedStepTime`): what `specsim calibrate` writes from `vllm bench serve` results. */
export const stepTimeSchema = z.strictObject({
	kind: z.literal('linear'),
	baseS: nonNegative,
	perTokenS: nonNegative,
	perContextTokenS: nonNegative,
	perRequestS: nonNegative,
	draftPassS: nonNegative,
	draftPerRequestS: nonNegative,
	source,
});

export const proposerConfigSchema = z.strictObject({
	promptLookupMin: positiveInt.optional(),
	promptLookupMax: positiveInt.optional(),
	hitRates: z.array(probability).optional(),
	meanSpanLength: positive.optional(),
	contextScale: positive.optional(),
	suffixMaxTreeDepth: positiveInt.optional(),
	suffixMaxSpecFactor: positive.optional(),
	suffixMeanMatchLength: positive.optional(),
	suffixContinueProbability: probability.optional(),
});

/** A figure a preset was built from, so a test can check the simulator reproduces it. */
export const publishedSchema = z.strictObject({
	numSpecTokens: intIn(1, MAX_NUM_SPEC_TOKENS),
	meanAcceptanceLength: z.number().min(1).optional(),
	perPosition: rates.optional(),
	draftAcceptanceRate: probability.optional(),
	speedup: positive.optional(),
	source: z.string().min(1),
});

/** Seconds a fault waits, at most the longest run ({@link MAX_DURATION_S}). */
const faultSeconds = z
	.number(says(`must be a number of virtual seconds from 0 to ${MAX_DURATION_S}`))
	.min(0, says(`must be a number of virtual seconds from 0 to ${MAX_DURATION_S}`))
	.max(MAX_DURATION_S, says(`must be a number of virtual seconds from 0 to ${MAX_DURATION_S}`));
/** A fraction of requests, with the rule in the message (a rate of 1.5 or -0.1 is refused). */
const fraction = z
	.number(says('must be a fraction of requests from 0 to 1'))
	.min(0, says('must be a fraction of requests from 0 to 1'))
	.max(1, says('must be a fraction of requests from 0 to 1'));

/**
 * How long a client waits before it gives up (`faults.abort.after`), in virtual seconds from the
 * request's arrival: the workload's length forms (`fixed`, `uniform`, `lognormal`, `histogram`)
 * over seconds, plus `exponential` (memoryless patience).
 */
export const faultDelaySchema = z.union([
	z.strictObject({kind: z.literal('fixed'), value: faultSeconds}),
	z.strictObject({kind: z.literal('uniform'), min: faultSeconds, max: faultSeconds}).refine(d => d.max >= d.min, {
		path: ['max'],
		message: 'must be at least min',
	}),
	z.strictObject({kind: z.literal('exponential'), mean: faultSeconds}),
	z.strictObject({kind: z.literal('lognormal'), median: faultSeconds, sigma: nonNegative}),
	z.strictObject({kind: z.literal('histogram'), bins: z.array(z.strictObject({upTo: faultSeconds, weight: nonNegative})).min(1)}),
]);

/** One scheduled sleep of an engine: vLLM's `POST /sleep?level=L` at `startS`, `POST /wake_up` at `endS`. */
export const sleepIntervalSchema = z.strictObject({
	startS: faultSeconds,
	endS: faultSeconds,
	/** vLLM's sleep level: 1 offloads the weights to CPU memory, 2 discards them; both discard the KV cache. */
	level: z
		.number(says('must be sleep level 1 or 2'))
		.int(says('must be sleep level 1 or 2'))
		.min(1, says('must be sleep level 1 or 2'))
		.max(2, says('must be sleep level 1 or 2'))
		.transform(level => level as 1 | 2)
		.default(1),
	/** The engine that sleeps; every engine when absent (vLLM's `/sleep` reaches every data-parallel engine). */
	engine: intIn(0, MAX_ENGINES - 1).optional(),
	/** vLLM's `/sleep?mode=`: `abort` (default) aborts the requests in flight; `wait` lets running ones finish first. */
	mode: z.enum(['abort', 'wait']).optional(),
});

/**
 * Injected faults (docs/faults.md): requests that end with `error`, clients that abort, and
 * scheduled sleep/wake intervals. Each is drawn from its own random stream, so turning one on
 * changes nothing else.
 */
export const faultsSchema = z.strictObject({
	/** Fraction of requests that end with finish reason `error` at the end of their first step. */
	errorRate: fraction.default(0),
	/** Client aborts: a fraction of requests whose client gives up `after` seconds from arrival (if still unfinished). */
	abort: z.strictObject({rate: fraction, after: faultDelaySchema}).optional(),
	/** Sleep intervals, in start order; intervals of one engine may not overlap. */
	sleep: z
		.array(sleepIntervalSchema)
		.default([])
		.superRefine((intervals, ctx) => {
			for (let i = 0; i < intervals.length; i++) {
				const s = intervals[i]!;
				if (!(s.endS > s.startS)) {
					ctx.addIssue({code: 'custom', path: [i, 'endS'], message: `must be after startS (${s.startS}), got ${s.endS}`});
					return;
				}
				if (i === 0) continue;
				const previous = intervals[i - 1]!;
				if (s.startS < previous.startS) {
					ctx.addIssue({
						code: 'custom',
						path: [i, 'startS'],
						message: `sleep intervals must be in start order: ${s.startS} is before the previous interval's start ${previous.startS}`,
					});
					return;
				}
				for (let j = i - 1; j >= 0; j--) {
					const other = intervals[j]!;
					const shared = s.engine === undefined || other.engine === undefined || s.engine === other.engine;
					if (shared && s.startS < other.endS) {
						ctx.addIssue({
							code: 'custom',
							path: [i, 'startS'],
							message: `starts at ${s.startS}, inside the interval from ${other.startS} to ${other.endS} on the same engine: an engine must wake before it sleeps again`,
						});
						return;
					}
				}
			}
		}),
	source,
});

export const simConfigSchema = z
	.strictObject({
		name: z.string().min(1),
		description: z.string().default(''),
		/** The `model_name` label (vLLM's served model name). */
		servedModelName: z.string().min(1),
		/** A built-in model name or a full cost spec. */
		model: z.union([z.string().min(1), modelCostSchema]),
		/** A built-in hardware name or a full spec; `gpus` overrides the tensor-parallel size. */
		hardware: z.union([z.string().min(1), hardwareSchema]),
		tensorParallel: positiveInt.optional(),
		/** A fitted step-time model replacing the roofline (model and hardware then only size memory). */
		stepTime: stepTimeSchema.optional(),
		scheduler: z
			.strictObject({
				maxNumSeqs: positiveInt.default(256),
				maxNumBatchedTokens: positiveInt.default(8192),
				maxModelLen: positiveInt.default(8192),
				blockSize: positiveInt.default(16),
				gpuMemoryUtilization: z.number().gt(0).max(1).default(0.9),
				/** Overrides the KV capacity derived from memory. */
				numKvBlocks: positiveInt.optional(),
				chunkedPrefill: z.boolean().default(true),
				longPrefillTokenThreshold: z.number().int().nonnegative().default(0),
				clampAcceptedAtMaxTokens: z.boolean().default(false),
				/** vLLM's `--enable-prefix-caching` (on by default in vLLM v1). */
				enablePrefixCaching: z.boolean().default(true),
				/** Fixed seconds per step (scheduling, sampling, launch). */
				stepOverheadS: nonNegative.default(0.002),
			})
			.prefault({}),
		speculative: z.strictObject({
			/** vLLM `speculative_config.method` (aliases like `deepseek_mtp` are accepted). `none` turns it off. */
			method: z.string().min(1),
			/**
			 * `num_speculative_tokens` (k); 0 turns speculation off, like `method: "none"`. At most
			 * MAX_NUM_SPEC_TOKENS and below the token budget (checked on the whole config).
			 */
			numSpecTokens: intIn(0, MAX_NUM_SPEC_TOKENS),
			/** Required while speculation is on (checked when the simulation is built). */
			acceptance: acceptanceSchema.optional(),
			heterogeneity: z.strictObject({concentration: positive, levels: positiveInt.optional(), source}).optional(),
			temperatureSensitivity: nonNegative.default(0),
			draftCost: draftCostSchema.optional(),
			/**
			 * How the target scores drafts: `mqa` (vLLM v1) or `batch-expansion` (vLLM V0 before
			 * vllm#8839, and V0's n-gram always), which re-reads a request's KV once per verified
			 * position. @default 'mqa'
			 */
			scorer: z.enum(['mqa', 'batch-expansion']).optional(),
			proposer: proposerConfigSchema.prefault({}),
			source,
		}),
		workload: z.strictObject({
			arrival: arrivalSchema,
			/** Built-in class names (`chat`, `code`, `summarization`, `agentic`) or full class specs. */
			classes: z.array(z.union([z.string().min(1), workloadClassSchema])).min(1),
			/** A JSONL trace replayed instead of the arrival process (arrival_time, prompt_tokens, output_tokens, class). */
			trace: z.string().min(1).optional(),
			source,
		}),
		engines: z
			.strictObject({
				count: intIn(1, MAX_ENGINES).default(1),
				routing: z.enum(['round-robin', 'least-loaded']).default('round-robin'),
			})
			.prefault({}),
		logging: z
			.strictObject({
				format: z.enum(['classic', 'throughput', 'coverage']).default('classic'),
				intervalS: z
					.number(says(`must be at least ${MIN_LOG_INTERVAL_S} virtual seconds`))
					.min(MIN_LOG_INTERVAL_S, says(`must be at least ${MIN_LOG_INTERVAL_S} virtual seconds`))
					.max(MAX_DURATION_S, says(`must be at most ${MAX_DURATION_S} virtual seconds`))
					.default(10),
			})
			.prefault({}),
		/** Injected faults; absent: none (and the effective configuration stays as it was before faults existed). */
		faults: faultsSchema.optional(),
		published: z.array(publishedSchema).default([]),
		sources: z.record(z.string(), z.string()).default({}),
	})
	.superRefine((config, ctx) => {
		// A draft of k tokens is scheduled with its verified token: k + 1 tokens of the step's budget.
		// At k >= budget no decode step could ever be scheduled and no request would finish.
		const budget = config.scheduler.maxNumBatchedTokens;
		if (config.speculative.numSpecTokens >= budget) {
			ctx.addIssue({
				code: 'custom',
				path: ['speculative', 'numSpecTokens'],
				message: `must be below the token budget scheduler.maxNumBatchedTokens=${budget} (a draft of k tokens needs k + 1 tokens in one step), got ${config.speculative.numSpecTokens}`,
			});
		}
	});

/** A preset as written in a file (defaults not yet applied). */
export type SimConfigInput = z.input<typeof simConfigSchema>;
/** A validated configuration with every default applied. */
export type SimConfig = z.output<typeof simConfigSchema>;
