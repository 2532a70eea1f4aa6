import type {Registry} from './prom-client.js';
import type {SimConfig} from '../../config/schema.js';
import type {BuiltSimulation} from '../../sim/build.js';
import type {ContextLengthError} from '../../engine/scheduler-config.js';
import type {RequestSpec, SimRequest} from '../../engine/request.js';
import {type AttachOptions, createEngineFeed, type EngineFeed, type PromShape, type PromStepView} from './attach.js';
import {type ProcessStats, registerHttpFamilies, registerProcessFamilies, type ServerProm} from './server-prom.js';

/** Where simulated clients send requests when their class names no endpoint. */
export const DEFAULT_ENDPOINT = '/v1/chat/completions';

/**
 * The simulated API server process of a dataset (`generate`): a plausible vLLM API server
 * (a Python process with torch imported, serving HTTP, tokenising and detokenising), derived
 * from the simulated work only, so it is deterministic. Constants (docs/vllm-metrics.md):
 */
export const SIMULATED_PROCESS = Object.freeze({
	/** Resident memory with no request in flight: 1 GiB. */
	baseResidentBytes: 1024 ** 3,
	/** Virtual memory with no request in flight: 20 GiB (CUDA and torch mappings). */
	baseVirtualBytes: 20 * 1024 ** 3,
	/** Memory per request in the server (its request, prompt and output text): 256 KiB. */
	bytesPerRequest: 256 * 1024,
	/** File descriptors with no client connected (libraries, the engine's ZMQ sockets, logs). */
	baseOpenFds: 48,
	/** `set_ulimit()` raises the soft `RLIMIT_NOFILE` to 65535 at vLLM's start. */
	maxFds: 65535,
	/** CPU of an idle event loop, seconds per second. */
	idleCpuPerS: 0.01,
	/** CPU per request (HTTP, JSON, scheduling the request), seconds. */
	cpuPerRequestS: 0.002,
	/** CPU per prompt token (tokenising), seconds. */
	cpuPerPromptTokenS: 1e-6,
	/** CPU per output token (detokenising, streaming), seconds. */
	cpuPerOutputTokenS: 25e-6,
	/** Bytes of a request body's JSON around its prompt (model, messages, parameters). */
	requestEnvelopeBytes: 96,
	/** Bytes per prompt token in the request body (about 4 characters of English per token). */
	bytesPerPromptToken: 4,
});

/**
 * How long the API server takes to refuse a request of `promptTokens` with HTTP 400: it tokenises
 * the prompt, then answers (the per-request and per-prompt-token CPU of {@link SIMULATED_PROCESS}).
 */
export function refusalDurationS(promptTokens: number): number {
	return SIMULATED_PROCESS.cpuPerRequestS + promptTokens * SIMULATED_PROCESS.cpuPerPromptTokenS;
}

/**
 * Bytes of vLLM's 400 body for `error` (`ErrorResponse`, rendered by Starlette's `JSONResponse`
 * with compact separators, as `JSON.stringify`; the messages are ASCII, one byte a character).
 */
export function badRequestBodyBytes(error: ContextLengthError): number {
	return JSON.stringify({error: {message: error.message, type: 'BadRequestError', param: error.param ?? null, code: 400}}).length;
}

/** What the simulated API server reads of a step (see `PromStepView`). */
export type ServerStepView = Pick<
	PromStepView,
	'engine' | 'numRunning' | 'numWaitingCapacity' | 'numWaitingDeferred' | 'promptTokens' | 'generationTokens'
>;

/** What it reads of a finished request, and of a refused one. */
export type ServerRequestFields = Pick<SimRequest, 'classIndex' | 'finishReason' | 'arrivalAt' | 'finishedAt' | 'promptTokens'>;
export type RefusedRequestFields = Pick<RequestSpec, 'classIndex' | 'arrivalAt' | 'promptTokens'>;

/**
 * The simulated API server fed one event at a time (the one copy of its logic: {@link simulateServer}
 * calls it from a simulation, `generate`'s serialising thread from the records it is sent).
 */
export type ServerFeed = {
	/** The process collector's reading now. */
	readonly readProcess: () => ProcessStats;
	/** Where the HTTP observations go (the families are registered after the engine's). */
	connect(http: ServerProm): void;
	step(out: ServerStepView): void;
	/** A request that finished in the step last given to {@link step}. */
	finished(request: ServerRequestFields): void;
	/** A request refused with HTTP 400 at its arrival; `responseBytes`: its body's ({@link badRequestBodyBytes}). */
	refused(spec: RefusedRequestFields, responseBytes: number): void;
};

/**
 * The API server's families of a dataset (`generate`): each finished request is one POST to its
 * class's endpoint (status 200, or 500 when it finished with `error`), lasting from its arrival to
 * its last token, streamed (no response Content-Length, as `vllm bench serve` clients stream).
 * Each request the server refused (its prompt does not fit `max_model_len`) is one POST answered
 * 400 at once, after tokenising its prompt (the per-request and per-prompt-token CPU below), with
 * its JSON error body's length. The process figures follow {@link SIMULATED_PROCESS}. `epochSAt`
 * maps virtual seconds to Unix seconds; `now` is the simulation's virtual time.
 */
export function createServerFeed(config: SimConfig, numEngines: number, epochSAt: (virtualS: number) => number, now: () => number): ServerFeed {
	const p = SIMULATED_PROCESS;
	const classes = config.workload.classes;
	// A class given by a built-in name has no endpoint of its own.
	const endpoints = classes.map(c => (typeof c === 'string' ? undefined : c.endpoint) ?? DEFAULT_ENDPOINT);
	const modelBytes = config.servedModelName.length;
	const inFlight = new Float64Array(numEngines);
	// CPU seconds of the simulated work so far, in a typed array: a fractional number in a closure's
	// variable is a new heap number at every store, and this one changes every engine step.
	const cpuWork = new Float64Array(1);
	let http: ServerProm | undefined;
	return {
		readProcess(): ProcessStats {
			let requests = 0;
			for (const n of inFlight) requests += n;
			return {
				virtualMemoryBytes: p.baseVirtualBytes + requests * p.bytesPerRequest,
				residentMemoryBytes: p.baseResidentBytes + requests * p.bytesPerRequest,
				startTimeS: epochSAt(0),
				cpuSeconds: Math.round((p.idleCpuPerS * now() + cpuWork[0]!) * 100) / 100,
				openFds: p.baseOpenFds + requests,
				maxFds: p.maxFds,
			};
		},
		connect(to: ServerProm): void {
			http = to;
		},
		step(out: ServerStepView): void {
			inFlight[out.engine] = out.numRunning + out.numWaitingCapacity + out.numWaitingDeferred;
			cpuWork[0]! += out.promptTokens * p.cpuPerPromptTokenS + out.generationTokens * p.cpuPerOutputTokenS;
		},
		finished(request: ServerRequestFields): void {
			cpuWork[0]! += p.cpuPerRequestS;
			http?.observeHttp({
				method: 'POST',
				handler: endpoints[request.classIndex] ?? DEFAULT_ENDPOINT,
				status: request.finishReason === 'error' ? 500 : 200,
				durationS: request.finishedAt - request.arrivalAt,
				requestBytes: p.requestEnvelopeBytes + modelBytes + p.bytesPerPromptToken * request.promptTokens,
				responseBytes: 0,
				atS: epochSAt(request.finishedAt),
			});
		},
		refused(spec: RefusedRequestFields, responseBytes: number): void {
			// Tokenising the prompt, then the 400 (a JSON body with its length, not streamed).
			const durationS = refusalDurationS(spec.promptTokens);
			cpuWork[0]! += durationS;
			http?.observeHttp({
				method: 'POST',
				handler: endpoints[spec.classIndex] ?? DEFAULT_ENDPOINT,
				status: 400,
				durationS,
				requestBytes: p.requestEnvelopeBytes + modelBytes + p.bytesPerPromptToken * spec.promptTokens,
				responseBytes,
				atS: epochSAt(spec.arrivalAt + durationS),
			});
		},
	};
}

/** Options of {@link createSimulatedProm}. */
export type SimulatedPromOptions = AttachOptions & {
	readonly epochS: (virtualS: number) => number;
	/** The simulation's virtual time (the process collector's CPU seconds). */
	readonly now: () => number;
	/** `_created` of the HTTP families' unlabelled histogram (Unix seconds). */
	readonly createdS: number;
};

/**
 * A dataset's registry in vLLM's family order: the process collector (the simulated server's),
 * the engine's families, the HTTP families; and the feeds that fill it. The same on `generate`'s
 * serialising thread as in a {@link Session} with the simulated server.
 */
export function createSimulatedProm(
	shape: PromShape,
	registry: Registry,
	options: SimulatedPromOptions,
): {readonly engine: EngineFeed; readonly server: ServerFeed} {
	const server = createServerFeed(shape.config, shape.engines.length, options.epochS, options.now);
	registerProcessFamilies(registry, server.readProcess);
	const engine = createEngineFeed(shape, registry, options);
	server.connect(registerHttpFamilies(registry, options.createdS));
	return {engine, server};
}

/** Feed `server` from a simulation's steps and refusals; returns the unsubscribe function. */
export function subscribeServerFeed(built: BuiltSimulation, server: ServerFeed): () => void {
	return built.simulation.subscribe({
		onStep(out) {
			server.step(out);
			const finished = out.finished;
			for (let i = 0; i < finished.length; i++) server.finished(finished[i]!);
		},
		onRejected(spec, error) {
			server.refused(spec, badRequestBodyBytes(error));
		},
	});
}
