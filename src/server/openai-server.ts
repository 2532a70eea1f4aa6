import type {Server} from 'node:http';
import {createAdaptorServer} from '@hono/node-server';
import {type Context, Hono} from 'hono';
import type {z} from 'zod';
import {VERSION} from '../cli/version.js';
import {OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, renderOpenMetrics, renderText} from '../metrics/prom/exposition.js';
import type {Session} from '../runtime/session.js';
import {checkContextLength} from '../engine/scheduler-config.js';
import {instrumentHttpServer} from './http-instrumentation.js';
import {listen} from './metrics-server.js';
import {prefersOpenMetrics} from './negotiate.js';
import {cachedTokens, type StreamExtras} from './openai-chunks.js';
import {
	ChoiceLogprobs,
	chatLogprobs,
	completionLogprobs,
	type LogprobEntry,
	type LogprobModel,
	logprobModel,
	logprobRng,
	promptEntries,
	promptLogprobRng,
	promptLogprobsField,
} from './logprobs.js';
import {
	type ChatRequest,
	type CompletionRequest,
	chatRequestSchema,
	checkLogprobFields,
	chatEcho,
	checkMaxLogprobs,
	completionMaxTokens,
	completionRequestSchema,
	detokenizeRequestSchema,
	echoWithoutGeneration,
	type LogprobCounts,
	type PydanticError,
	pydanticValidationError,
	renderChat,
	type SamplingValues,
	tokenizeRequestSchema,
	verifySamplingParams,
} from './openai-protocol.js';
import {chatChunks, completionChunks} from './openai-chunks.js';
import {type ChoiceSpec, finalText, streamChoices, type UsageOptions, usageInfo} from './openai-stream.js';
import {type Generation, type GenerationParams, ServeEngine, type SpecDecodeMetricsLevel} from './serve-engine.js';
import {pythonJson} from './py-json.js';
import {perRequestMetrics, withoutNulls} from './request-metrics.js';
import {detokenize, loadTokenizer, vocabularySize, wordTokenIds} from './text-model.js';
import {cachedTokenize} from './prompt-tokens.js';
import {AdmissionGate, Arrivals} from './admission.js';
import {GENERATION_ERROR_MESSAGE, generationErrorLogLine} from './generation-error.js';
import {registerSleepEndpoints} from './sleep-endpoints.js';
import {flushFirstFrames} from './sse-writer.js';
import {startIdleScavenger} from './idle-gc.js';

/** Options of {@link startOpenAiServer}. */
export type OpenAiServerOptions = {
	/** @default '127.0.0.1' */
	readonly host?: string;
	/** 0 picks a free port. @default 8000 */
	readonly port?: number;
	/** Names `/v1/models` lists and requests may ask for; the first is the default. */
	readonly servedModelNames: readonly string[];
	/** What `/v1/models` reports as `root` (vLLM: the model path). */
	readonly modelPath: string;
	/** `--api-key`: every `/v1/*` request then needs `Authorization: Bearer KEY`. */
	readonly apiKey?: string;
	/** `--enable-force-include-usage`: every stream ends with a usage chunk, asked for or not. */
	readonly enableForceIncludeUsage?: boolean;
	/** `--enable-per-request-metrics`: timing metrics in each response's `metrics`. */
	readonly enablePerRequestMetrics?: boolean;
	/** `--per-request-spec-decode-metrics`. @default 'none' */
	readonly perRequestSpecDecodeMetrics?: SpecDecodeMetricsLevel;
	/** `--enable-prompt-tokens-details`: `usage.prompt_tokens_details.cached_tokens`. */
	readonly enablePromptTokensDetails?: boolean;
	/** `--max-logprobs`: the largest top-N a request may ask for (`-1`: the vocabulary). @default 20 */
	readonly maxLogprobs?: number;
	/** Receives uvicorn's access line of each response. */
	readonly onAccessLine?: (line: string) => void;
	/** Receives the API server's own log lines (vLLM's ERROR line for a request that finished with `error`). */
	readonly onLogLine?: (line: string) => void;
	/** vLLM's `VLLM_SERVER_DEV_MODE=1`: serve the sleep-mode endpoints `/sleep`, `/wake_up`, `/is_sleeping`. */
	readonly devMode?: boolean;
	/** `--enable-sleep-mode`: `/sleep` and `/wake_up` act (without it they are refused). */
	readonly enableSleepMode?: boolean;
	/**
	 * How long (ms) a generation request read but not yet in the engine may hold the virtual clock
	 * at its reading (see {@link Arrivals}); tests on a loaded machine raise it. @default 100
	 */
	readonly arrivalHoldLimitMs?: number;
};

/** A listening OpenAI-compatible server. */
export type OpenAiServer = {
	readonly port: number;
	readonly baseUrl: string;
	readonly engine: ServeEngine;
	/** Stop accepting, answer in-flight requests with `finish_reason: abort`, close. Idempotent. */
	close(): Promise<void>;
};

/** An OpenAI error body with vLLM's types (`BadRequestError`, `NotFoundError`) and the status as `code`. */
class ApiError extends Error {
	readonly status: 400 | 404 | 500;
	readonly param: string | null;
	/** The body's `type` when it is not the status's (pydantic's request validation: `Bad Request`). */
	readonly type: string | undefined;
	constructor(status: 400 | 404 | 500, message: string, param: string | null = null, type?: string) {
		super(message);
		this.status = status;
		this.param = param;
		this.type = type;
	}
}

const ERROR_TYPES = {400: 'BadRequestError', 404: 'NotFoundError', 500: 'InternalServerError'} as const;

function errorResponse(c: Context, error: ApiError): Response {
	return c.json(
		{error: {message: error.message, type: error.type ?? ERROR_TYPES[error.status], param: error.param, code: error.status}},
		error.status,
	);
}

/** Parse and validate a JSON body; malformed JSON and schema violations are 400s naming the parameter. */
async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
	let raw: unknown;
	try {
		raw = JSON.parse(await c.req.text());
	} catch (error) {
		throw new ApiError(400, `Invalid JSON body: ${(error as Error).message}`);
	}
	const parsed = schema.safeParse(raw);
	if (parsed.success) return parsed.data;
	const ported = parsed.error.issues.map(issue => (issue.code === 'custom' ? (issue.params?.['pydantic'] as PydanticError | undefined) : undefined));
	if (ported.every(error => error !== undefined)) {
		const error = pydanticValidationError(ported);
		throw new ApiError(400, error.message, error.param, error.type);
	}
	const issue = parsed.error.issues[0]!;
	const param = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
	throw new ApiError(400, param === null ? issue.message : `${param}: ${issue.message}`, param);
}

/**
 * A non-streamed response as vLLM's Starlette `JSONResponse` writes it (`json.dumps`: floats
 * keep their decimal point) with its `content-type: application/json`.
 */
function pythonJsonResponse(c: Context, body: object): Response {
	return c.body(pythonJson(body), 200, {'content-type': 'application/json'});
}

/**
 * uvicorn's default `--backlog`: connections the kernel queues until the server accepts them.
 * With Node's 511, a thousand clients connecting at once overflow the queue and the kernel drops
 * their handshakes, which the clients retry only after a second (TCP's initial retransmission
 * timeout): most of a burst's latency. The kernel caps it at `net.core.somaxconn`.
 */
const UVICORN_BACKLOG = 2048;

/** The text of prompt `i` of a completion request (a token-id prompt detokenized), for `echo`. */
function promptText(prompt: CompletionRequest['prompt'], i: number, ids: readonly number[]): string {
	if (typeof prompt === 'string') return prompt;
	const item = prompt[i];
	if (typeof item === 'string') return item;
	try {
		return detokenize(ids);
	} catch (error) {
		throw new ApiError(400, `prompt: ${(error as Error).message}`, 'prompt');
	}
}

/**
 * A stream's per-choice logprob sources, none when no choice has one. The stream keeps what it is
 * given for its whole life; a closure made in the request's handler would keep the handler's
 * whole scope (body, prompt ids, choices...) with it, since V8 gives all closures of one function
 * one shared context: the stream's closures are made here, from what they need only.
 */
function logprobsExtra(sources: readonly (ChoiceLogprobs | undefined)[]): Pick<StreamExtras, 'logprobs'> {
	return sources.every(source => source === undefined) ? {} : {logprobs: index => sources[index]};
}

/** A completion stream's echo (each choice's prompt text and logprobs; see {@link logprobsExtra}). */
function echoExtras(
	texts: readonly string[],
	logprobs: readonly (LogprobEntry[] | undefined)[],
	n: number,
	echoOnly: boolean,
): Pick<StreamExtras, 'echoText' | 'echoLogprobs' | 'echoOnly'> {
	return {echoText: index => texts[Math.floor(index / n)]!, echoLogprobs: index => logprobs[Math.floor(index / n)] ?? [], echoOnly};
}

/** 32 hex digits, as vLLM's `random_uuid()`, from a counter: ids are reproducible. */
const hexId = (n: number): string => n.toString(16).padStart(32, '0');

/**
 * The HTTP surface of `specsim serve`, vLLM's OpenAI-compatible API server
 * (`vllm/entrypoints/openai/api_server.py`): `/v1/models`, `/v1/completions`,
 * `/v1/chat/completions` (streamed or not), `/tokenize`, `/detokenize`, `/health`, `/version` and
 * `/metrics`. Requests run inside `session`'s simulated engine; the response is sent when the
 * engine finishes the request on the virtual clock, which the session's runner paces to wall time.
 */
export function createOpenAiApp(session: Session, engine: ServeEngine, options: OpenAiServerOptions): Hono {
	const app = new Hono();
	const maxModelLen = session.config.scheduler.maxModelLen;
	const names = options.servedModelNames;
	let ids = 0;
	const forceUsage = options.enableForceIncludeUsage === true;
	const metricsOptions = {timing: options.enablePerRequestMetrics === true, specDecode: engine.specDecodeMetrics};
	/** The final stream chunk's `metrics` (nulls excluded), or none. */
	const streamMetrics =
		(attributable: boolean) =>
		(results: readonly Generation[]): object | undefined => {
			const metrics = perRequestMetrics(results, attributable, metricsOptions);
			return metrics === undefined ? undefined : withoutNulls(metrics);
		};
	const createdNow = (): number => Math.floor(session.epochMsAt(session.now) / 1000);
	/** vLLM's `_raise_if_error` logs the request id, then the handler answers 500. */
	const logGenerationError = (requestId: string): void => options.onLogLine?.(generationErrorLogLine(requestId, session.epochMsAt(session.now)));
	/** A stream's `onError` (made here, not in a handler: see {@link logprobsExtra}). */
	const errorLogger = (requestId: string) => (): void => logGenerationError(requestId);
	/** A choice the engine finished with `error` fails the whole response (HTTP 500), as vLLM's `GenerationError`. */
	const raiseIfError = (results: readonly Generation[], requestId: string): void => {
		if (!results.some(g => g.finishReason === 'error')) return;
		logGenerationError(requestId);
		throw new ApiError(500, GENERATION_ERROR_MESSAGE);
	};

	const maxLogprobs = options.maxLogprobs ?? 20;

	/** vLLM's logprob validators on the raw body, with its messages. */
	const logprobCounts = (kind: 'completion' | 'chat', body: Record<string, unknown>): LogprobCounts => {
		const counts = checkLogprobFields(kind, body);
		if ('message' in counts) throw new ApiError(400, counts.message, counts.param);
		return counts;
	};
	/** SamplingParams' check against `--max-logprobs`, which vLLM runs when the request reaches the engine. */
	const checkLogprobLimit = (counts: LogprobCounts): void => {
		const error = checkMaxLogprobs(counts, maxLogprobs, vocabularySize());
		if (error !== undefined) throw new ApiError(400, error.message, error.param);
	};
	/**
	 * The logprob model of a request, made on first use: it reads the acceptance model's rates,
	 * which a request without logprobs (nearly all of them) never needs.
	 */
	const lazyLogprobModel = (temperature: number): (() => LogprobModel) => {
		let model: LogprobModel | undefined;
		return () => (model ??= logprobModel(session, temperature));
	};
	/** Per choice, its logprob source when the request asks for logprobs. */
	const choiceLogprobs = (counts: LogprobCounts, model: () => LogprobModel, choices: readonly ChoiceSpec[]): (ChoiceLogprobs | undefined)[] =>
		choices.map(choice => (counts.sample === null ? undefined : new ChoiceLogprobs(logprobRng(session, choice.params.key), model(), counts.sample)));
	/** The logprob entries of a finished choice's tokens. */
	const outputEntries = (source: ChoiceLogprobs, g: Generation) => {
		const words = g.live.plan.words;
		const n = Math.min(g.completionTokens, words.length);
		return source.output(words, wordTokenIds(words, 0, n), 0, n);
	};

	app.onError((error, c) => {
		if (error instanceof ApiError) return errorResponse(c, error);
		return errorResponse(c, new ApiError(500, error.message));
	});
	// FastAPI's answer to an unknown path.
	app.notFound(c => c.json({detail: 'Not Found'}, 404));

	if (options.apiKey !== undefined) {
		const expected = `Bearer ${options.apiKey}`;
		// vLLM's AuthenticationMiddleware: only /v1 paths, and its own body.
		app.use('/v1/*', async (c, next) => {
			if (c.req.method !== 'OPTIONS' && c.req.header('authorization') !== expected) return c.json({error: 'Unauthorized'}, 401);
			return next();
		});
	}

	const checkModel = (model: string | null | undefined): string => {
		if (model === undefined || model === null) return names[0]!;
		if (!names.includes(model)) throw new ApiError(404, `The model \`${model}\` does not exist.`, 'model');
		return model;
	};

	/**
	 * vLLM's renderer length checks ({@link checkContextLength}: max_tokens within max_model_len, the
	 * prompt within what max_tokens leaves); then SamplingParams' checks ({@link verifySamplingParams})
	 * with the engine's `max_tokens` (1 for a completion's `echo` without generation).
	 */
	const resolveMaxTokens = (promptTokens: number, maxTokens: number | null | undefined, body: SamplingValues, echoOnly = false): number => {
		const tooLong = checkContextLength(promptTokens, maxTokens, maxModelLen);
		if (tooLong !== undefined) throw new ApiError(400, tooLong.message, tooLong.param);
		const resolved = echoOnly ? 1 : (maxTokens ?? maxModelLen - promptTokens);
		const refused = verifySamplingParams(body, resolved);
		if (refused !== undefined) throw new ApiError(400, refused.message, refused.param);
		return resolved;
	};

	/** vLLM's `should_include_usage`, after its check that `stream_options` comes only with `stream=true`. */
	const streamUsage = (body: CompletionRequest | ChatRequest): UsageOptions => {
		const so = body.stream_options;
		if (so !== undefined && so !== null && body.stream !== true)
			throw new ApiError(400, 'Stream options can only be defined when `stream=True`.', 'stream_options');
		if (so === undefined || so === null) return {includeUsage: forceUsage, continuous: false};
		const includeUsage = so.include_usage === true || forceUsage;
		return {includeUsage, continuous: includeUsage && so.continuous_usage_stats === true};
	};

	/** The engine parameters of one choice; `key` names it for the seeded draws. */
	const generationParams = (
		body: CompletionRequest | ChatRequest,
		promptTokenIds: readonly number[],
		maxTokens: number,
		key: string,
	): GenerationParams => ({
		promptTokens: promptTokenIds.length,
		promptTokenIds,
		maxTokens,
		minTokens: body.min_tokens ?? 0,
		ignoreEos: body.ignore_eos === true,
		stop: body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop,
		temperature: body.temperature ?? 1,
		key,
	});

	/**
	 * What identifies a request for its draws: the body without the streaming fields, so the same
	 * request streamed or not gives the same text, and without the response-shaping fields.
	 */
	const drawKey = (body: CompletionRequest | ChatRequest): string => {
		// Neither do the fields that only shape the response (vLLM samples the same tokens with or without them).
		const {
			stream: _stream,
			stream_options: _options,
			logprobs: _logprobs,
			prompt_logprobs: _promptLogprobs,
			echo: _echo,
			include_stop_str_in_output: _includeStop,
			skip_special_tokens: _skip,
			spaces_between_special_tokens: _spaces,
			...rest
		} = body;
		const {top_logprobs: _top, ...key} = rest as Record<string, unknown>;
		return JSON.stringify(key);
	};

	/** Run every choice to its end; a client that disconnects first aborts them all in the engine. */
	const runAll = async (c: Context, choices: readonly ChoiceSpec[]): Promise<Generation[]> => {
		const generations = engine.startAll(
			choices.map(choice => choice.params),
			{},
			c.get('arrival'),
		);
		const signal = c.req.raw.signal;
		const onAbort = (): void => {
			for (const generation of generations) engine.abort(generation);
		};
		signal.addEventListener('abort', onAbort, {once: true});
		// A client gone before the listener was added aborts too.
		if (signal.aborted) onAbort();
		try {
			return await Promise.all(generations.map(g => g.done));
		} finally {
			signal.removeEventListener('abort', onAbort);
		}
	};

	const promptTokensDetails = options.enablePromptTokensDetails === true;
	/**
	 * A non-streamed response's usage. With `--enable-prompt-tokens-details`, `cached_tokens` is the
	 * prefix-cache hit of `cachedFrom` (vLLM: the last prompt's output for completions, the
	 * request's for chat), `PromptTokenUsageInfo` dumped whole.
	 */
	const usage = (promptTokens: number, generations: readonly Generation[], cachedFrom: Generation | undefined) => {
		const completionTokens = generations.reduce((sum, g) => sum + g.completionTokens, 0);
		const details = promptTokensDetails && cachedFrom !== undefined ? {cached_tokens: cachedTokens(cachedFrom.live), multimodal_tokens: null} : null;
		return {...usageInfo(promptTokens, completionTokens), prompt_tokens_details: details, completion_tokens_details: null};
	};

	// A burst of generation requests is validated, tokenized and put into the engine a slice per
	// turn; each arrives at the virtual time it was read (the runner's clock waits for it).
	const admission = new AdmissionGate();
	const arrivals = new Arrivals({
		// A request answered without reaching the engine (a 400) releases the held clock at once.
		onSettle: () => session.runner.wake(),
		// The end of a turn that read requests releases it too (see Arrivals.holdMs).
		onTurnEnd: () => session.runner.wake(),
		...(options.arrivalHoldLimitMs === undefined ? {} : {holdLimitMs: options.arrivalHoldLimitMs}),
	});
	session.runner.holdAt(() => arrivals.holdMs());

	if (options.devMode === true)
		registerSleepEndpoints(app, session, {
			enabled: options.enableSleepMode === true,
			...(options.onLogLine === undefined ? {} : {onLogLine: options.onLogLine}),
		});

	app.get('/health', c => c.body(null, 200));
	app.get('/version', c => c.json({version: VERSION}));
	app.get('/metrics', async c => {
		const openMetrics = prefersOpenMetrics(c.req.header('accept'));
		const createdS = session.createdS;
		const opts = createdS === undefined ? {} : {createdS};
		const body = openMetrics ? await renderOpenMetrics(session.registry, opts) : await renderText(session.registry, opts);
		return c.body(body, 200, {'content-type': openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE});
	});

	app.get('/v1/models', c => {
		const created = createdNow();
		return c.json({
			object: 'list',
			data: names.map(id => ({
				id,
				object: 'model',
				created,
				owned_by: 'vllm',
				root: options.modelPath,
				parent: null,
				max_model_len: maxModelLen,
				permission: [
					{
						id: `modelperm-${hexId(++ids)}`,
						object: 'model_permission',
						created,
						allow_create_engine: false,
						allow_sampling: true,
						allow_logprobs: true,
						allow_search_indices: false,
						allow_view: true,
						allow_fine_tuning: false,
						organization: '*',
						group: null,
						is_blocking: false,
					},
				],
			})),
		});
	});

	app.post(
		'/v1/completions',
		admission.handler(arrivals, async c => {
			const body = await readBody(c, completionRequestSchema);
			const counts = logprobCounts('completion', body);
			const model = checkModel(body.model);
			const usageOptions = streamUsage(body);
			const promptIds: (readonly number[])[] = [];
			const p = body.prompt;
			if (typeof p === 'string') promptIds.push(cachedTokenize(p));
			else if (typeof p[0] === 'number') promptIds.push(p as number[]);
			else for (const q of p as (string | number[])[]) promptIds.push(typeof q === 'string' ? cachedTokenize(q) : q);
			const echo = body.echo === true;
			const echoOnly = echoWithoutGeneration(body);
			/** With `echo`, each prompt's text: as sent, or a token-id prompt detokenized (vLLM's `prompt` of the output). */
			const promptTexts = echo ? promptIds.map((ids, i) => promptText(p, i, ids)) : [];
			const prompts = promptIds.map(ids => ids.length);
			const maxTokens = completionMaxTokens(body);
			const limits = prompts.map(tokens => resolveMaxTokens(tokens, maxTokens, body, echoOnly));
			checkLogprobLimit(counts);
			const key = drawKey(body);
			const n = body.n ?? 1;
			const includeStopStr = body.include_stop_str_in_output === true;
			const choices: ChoiceSpec[] = [];
			prompts.forEach((tokens, i) => {
				for (let j = 0; j < n; j++)
					choices.push({
						index: i * n + j,
						promptTokens: tokens,
						includeStopStr,
						params: generationParams(body, promptIds[i]!, limits[i]!, `completion:${key}:${i}#${j}`),
					});
			});
			const promptTotal = prompts.reduce((a, b) => a + b, 0);
			const header = {id: `cmpl-${hexId(++ids)}`, created: createdNow(), model};
			const attributable = prompts.length === 1 && n === 1;
			const lpModel = lazyLogprobModel(body.temperature ?? 1);
			const sources = choiceLogprobs(counts, lpModel, choices);
			// vLLM computes a prompt's logprobs once, for all its choices.
			const promptLogprobs: (LogprobEntry[] | undefined)[] = promptIds.map(ids =>
				counts.prompt === null ? undefined : promptEntries(promptLogprobRng(session, ids), lpModel(), ids, counts.prompt),
			);
			if (body.stream === true)
				return streamChoices(
					c,
					engine,
					choices,
					promptTotal,
					completionChunks(header, {
						...logprobsExtra(sources),
						promptTokensDetails,
						...(echo ? echoExtras(promptTexts, promptLogprobs, n, echoOnly) : {}),
					}),
					usageOptions,
					streamMetrics(attributable),
					errorLogger(header.id),
				);
			const results = await runAll(c, choices);
			raiseIfError(results, header.id);
			return pythonJsonResponse(c, {
				id: header.id,
				object: 'text_completion',
				created: header.created,
				model,
				choices: results.map((g, index) => {
					const prompt = Math.floor(index / n);
					const echoed = echo ? (promptLogprobs[prompt] ?? []) : [];
					const source = sources[index];
					return {
						index,
						// Echo without generation: the prompt alone (the engine's one token is counted in usage only).
						text: (echo ? promptTexts[prompt]! : '') + (echoOnly ? '' : finalText(g, includeStopStr)),
						logprobs: source === undefined ? null : completionLogprobs(echoOnly ? echoed : [...echoed, ...outputEntries(source, g)], 0),
						finish_reason: g.finishReason,
						stop_reason: g.stopReason,
						token_ids: null,
						prompt_logprobs: promptLogprobs[prompt] === undefined ? null : promptLogprobsField(promptLogprobs[prompt]),
						prompt_token_ids: null,
						routed_experts: null,
					};
				}),
				service_tier: null,
				system_fingerprint: null,
				usage: usage(promptTotal, results, results[results.length - 1]),
				kv_transfer_params: null,
				ec_transfer_params: null,
				metrics: perRequestMetrics(results, attributable, metricsOptions) ?? null,
			});
		}),
	);

	app.post(
		'/v1/chat/completions',
		admission.handler(arrivals, async c => {
			const body = await readBody(c, chatRequestSchema);
			const counts = logprobCounts('chat', body);
			const model = checkModel(body.model);
			const usageOptions = streamUsage(body);
			const addGenerationPrompt = body.add_generation_prompt !== false;
			const promptIds = cachedTokenize(renderChat(body.messages, addGenerationPrompt));
			const answer = chatEcho(body.messages, addGenerationPrompt);
			const echoText = body.echo === true ? answer.text : '';
			const includeStopStr = body.include_stop_str_in_output === true;
			const promptTokens = promptIds.length;
			const maxTokens = resolveMaxTokens(promptTokens, body.max_completion_tokens ?? body.max_tokens, body);
			checkLogprobLimit(counts);
			const key = `chat:${drawKey(body)}`;
			const n = body.n ?? 1;
			const choices: ChoiceSpec[] = [];
			for (let j = 0; j < n; j++)
				choices.push({index: j, promptTokens, includeStopStr, params: generationParams(body, promptIds, maxTokens, `${key}#${j}`)});
			const header = {id: `chatcmpl-${hexId(++ids)}`, created: createdNow(), model};
			const lpModel = lazyLogprobModel(body.temperature ?? 1);
			const sources = choiceLogprobs(counts, lpModel, choices);
			const topLogprobs = counts.sample ?? 0;
			const promptLogprobs =
				counts.prompt === null ? undefined : promptEntries(promptLogprobRng(session, promptIds), lpModel(), promptIds, counts.prompt);
			if (body.stream === true)
				return streamChoices(
					c,
					engine,
					choices,
					promptTokens,
					chatChunks(header, n, {
						...logprobsExtra(sources),
						topLogprobs,
						promptTokensDetails,
						role: answer.role,
						echoMessage: echoText,
					}),
					usageOptions,
					streamMetrics(n === 1),
					errorLogger(header.id),
				);
			const generations = await runAll(c, choices);
			raiseIfError(generations, header.id);
			return pythonJsonResponse(c, {
				id: header.id,
				object: 'chat.completion',
				created: header.created,
				model,
				choices: generations.map((g, index) => ({
					index,
					message: {
						role: answer.role,
						content: echoText + finalText(g, includeStopStr),
						refusal: null,
						annotations: null,
						audio: null,
						function_call: null,
						reasoning: null,
					},
					logprobs: sources[index] === undefined ? null : chatLogprobs(outputEntries(sources[index], g), topLogprobs),
					finish_reason: g.finishReason,
					stop_reason: g.stopReason,
					token_ids: null,
					routed_experts: null,
				})),
				service_tier: null,
				system_fingerprint: null,
				usage: usage(promptTokens, generations, generations[0]),
				prompt_logprobs: promptLogprobs === undefined ? null : promptLogprobsField(promptLogprobs),
				prompt_token_ids: null,
				prompt_text: null,
				kv_transfer_params: null,
				ec_transfer_params: null,
				metrics: perRequestMetrics(generations, n === 1, metricsOptions) ?? null,
			});
		}),
	);

	app.post('/tokenize', async c => {
		const body = await readBody(c, tokenizeRequestSchema);
		checkModel(body.model);
		const tokens =
			'prompt' in body
				? cachedTokenize(body.prompt as string)
				: cachedTokenize(renderChat(body.messages as Parameters<typeof renderChat>[0], body['add_generation_prompt'] !== false));
		return c.json({count: tokens.length, max_model_len: maxModelLen, tokens, token_strs: null});
	});

	app.post('/detokenize', async c => {
		const body = await readBody(c, detokenizeRequestSchema);
		checkModel(body.model);
		let prompt: string;
		try {
			prompt = detokenize(body.tokens);
		} catch (error) {
			throw new ApiError(400, `tokens: ${(error as Error).message}`, 'tokens');
		}
		return c.json({prompt});
	});

	return app;
}

/**
 * Serve `session` over vLLM's OpenAI-compatible API. The caller runs the session's runner (which
 * advances the virtual clock that finishes requests).
 *
 * @throws UserError (exit code 1) when the address cannot be bound.
 */
export async function startOpenAiServer(session: Session, options: OpenAiServerOptions): Promise<OpenAiServer> {
	const host = options.host ?? '127.0.0.1';
	const engine = new ServeEngine(session, {
		specDecodeMetrics: options.perRequestSpecDecodeMetrics ?? 'none',
		afterFirstTokens: flushFirstFrames,
	});
	const app = createOpenAiApp(session, engine, options);
	const server = createAdaptorServer({fetch: app.fetch}) as Server;
	// vLLM's prometheus-fastapi-instrumentator middleware and uvicorn's access log.
	instrumentHttpServer(server, {
		routes: app.routes.map(route => route.path).filter(path => !path.includes('*')),
		registry: () => session.registry,
		nowS: () => session.epochMsAt(session.now) / 1000,
		...(options.onAccessLine === undefined ? {} : {onAccessLine: options.onAccessLine}),
	});
	loadTokenizer();
	const stopScavenger = startIdleScavenger(session.runner);
	await listen(server, host, options.port ?? 8000, UVICORN_BACKLOG);
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8000);
	let closing: Promise<void> | undefined;
	return {
		port,
		baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
		engine,
		close(): Promise<void> {
			closing ??= new Promise<void>(resolve => {
				server.close(() => resolve());
				engine.abortAll();
				// Let the aborted responses go out before dropping idle keep-alive connections.
				setImmediate(() => server.closeIdleConnections());
			}).then(() => {
				stopScavenger();
				engine.close();
			});
			return closing;
		},
	};
}
