import type {FinishReason, SimRequest} from '../engine/request.js';
import type {StepOutcome} from '../engine/step-outcome.js';
import {createLengthSampler} from '../engine/workload/lengths.js';
import {createRng, type Rng} from '../rng/rng.js';
import type {Session} from '../runtime/session.js';
import type {Arrival} from './admission.js';
import {blockKeys} from './block-keys.js';
import {drawWordIndices, findStop, joinWords, spacedVocabulary, spacedVocabularyIds} from './text-model.js';

/** External request ids start here, far above any id the preset's own workload hands out. */
const EXTERNAL_ID_BASE = 2 ** 40;

/**
 * vLLM's `--per-request-spec-decode-metrics` (ObservabilityConfig's
 * `per_request_spec_decode_metrics`): what each request collects about its verification steps.
 */
export type SpecDecodeMetricsLevel = 'none' | 'summary' | 'detailed';

/** What a client asked for, for one output sequence. */
export type GenerationParams = {
	readonly promptTokens: number;
	/** The prompt's token ids, when known: with prefix caching on they name its KV blocks. */
	readonly promptTokenIds?: readonly number[];
	/** `max_tokens` as SamplingParams carry it: defaulted to `max_model_len - prompt tokens`, 1 for a completion's `echo` without generation. */
	readonly maxTokens: number;
	readonly minTokens: number;
	readonly ignoreEos: boolean;
	readonly stop: readonly string[];
	readonly temperature: number;
	/** Identifies the request for the text and length draws: same key and seed, same output. */
	readonly key: string;
};

/** One finished output sequence. */
export type Generation = {
	/** The whole text: cut before a stop string; for an abort, what was generated until then. */
	readonly text: string;
	readonly completionTokens: number;
	readonly finishReason: 'stop' | 'length' | 'abort' | 'error';
	/** The stop string that ended it (vLLM's `stop_reason`), else null. */
	readonly stopReason: string | null;
	/** The engine's request: timings and spec-decode counts. */
	readonly request: SimRequest;
	/** The generation it came from (its per-step spec-decode records). */
	readonly live: LiveGeneration;
};

/** What a generation reports while it runs (streaming). */
export type GenerationListener = {
	/** A step appended `numTokens` tokens (1 to k+1) at virtual `t`. */
	onTokens?(generation: LiveGeneration, numTokens: number, t: number): void;
	/** The generation finished (engine finish, or abort); called once. */
	onFinish?(generation: LiveGeneration, result: Generation): void;
};

/**
 * What a request generates. Its words are kept as indices into the output vocabulary, a byte each
 * in a block shared with other plans ({@link drawWordIndices}): an array of one string reference
 * per token, kept for the request's life, was copied by every young-generation collection of that
 * time, as a joined text made at planning was before it. The final text is joined only when asked
 * for (at the end of the request), or kept when a stop string cut it.
 */
class Plan {
	readonly classIndex: number;
	/** Tokens the engine generates (the stop string's token included). */
	readonly numTokens: number;
	readonly finishReason: 'stop' | 'length';
	readonly stopReason: string | null;
	/** Per planned token (before a stop string cuts the text), its word's index in {@link spacedVocabulary}. */
	readonly #indices: Uint8Array;
	readonly #vocabulary: readonly string[];
	/** The text cut before a stop string, when one cut it. */
	readonly #cut: string | undefined;
	#words: string[] | undefined;

	constructor(classIndex: number, numTokens: number, indices: Uint8Array, finishReason: 'stop' | 'length', stopReason: string | null, cut?: string) {
		this.classIndex = classIndex;
		this.numTokens = numTokens;
		this.#indices = indices;
		this.#vocabulary = spacedVocabulary();
		this.finishReason = finishReason;
		this.stopReason = stopReason;
		this.#cut = cut;
	}

	/** The word (with its leading space) of planned token `i`. */
	word(i: number): string {
		return this.#vocabulary[this.#indices[i]!]!;
	}

	/** One string per planned token (made on first use: only logprobs ask for it). */
	get words(): readonly string[] {
		if (this.#words === undefined) {
			const words = new Array<string>(this.#indices.length);
			for (let i = 0; i < words.length; i++) words[i] = this.word(i);
			this.#words = words;
		}
		return this.#words;
	}

	/** The text of planned tokens `[from, to)`. */
	textOf(from: number, to: number): string {
		return joinWords(this.#indices, from, to);
	}

	/** The final text when the plan completes (cut before the stop string). */
	get text(): string {
		return this.#cut ?? joinWords(this.#indices);
	}

	/** The prefix cache's block keys of `promptTokenIds` followed by the plan's output tokens. */
	blockKeys(promptTokenIds: readonly number[], blockSize: number): Uint32Array {
		return blockKeys(promptTokenIds, blockSize, this.#indices, this.numTokens, spacedVocabularyIds());
	}
}

/**
 * One output sequence in the engine: its plan (length, words, stop), the engine's request, the
 * tokens it has received so far and, at the `detailed` level, the accepted and drafted counts of
 * each verification step (vLLM's `per_step_accepted` / `per_step_drafted`).
 */
export class LiveGeneration {
	readonly request: SimRequest;
	readonly plan: Plan;
	/** @internal The choices submitted with this one (see {@link ServeEngine}'s step report). */
	readonly group: RequestGroup;
	/** Output tokens received so far. */
	numTokens = 0;
	/** Per verification step, accepted and drafted tokens (`detailed` level only). */
	readonly perStepAccepted: number[] | undefined;
	readonly perStepDrafted: number[] | undefined;
	/**
	 * Verification steps by proposed draft length d: `[d] -> counts of steps that accepted j of d`
	 * (vLLM's `acceptance_histogram_by_draft_length`; `summary` and `detailed` levels only).
	 */
	readonly byDraftLength: Map<number, number[]> | undefined;
	#done: Promise<Generation> | undefined;
	#result: Generation | undefined;
	#resolve: ((result: Generation) => void) | undefined;
	#listener: GenerationListener;
	#specSteps = 0;
	#drafted = 0;
	#accepted = 0;

	constructor(request: SimRequest, plan: Plan, listener: GenerationListener, level: SpecDecodeMetricsLevel, group: RequestGroup = {firstStep: 0}) {
		this.request = request;
		this.plan = plan;
		this.group = group;
		this.#listener = listener;
		this.perStepAccepted = level === 'detailed' ? [] : undefined;
		this.perStepDrafted = level === 'detailed' ? [] : undefined;
		this.byDraftLength = level === 'none' ? undefined : new Map();
	}

	/**
	 * Settles with the result when the generation finishes. Made when first asked for: a streamed
	 * request never asks, and a promise and its resolver kept for the stream's life were two more
	 * objects for every young-generation collection of that time to copy.
	 */
	get done(): Promise<Generation> {
		this.#done ??= this.#result === undefined ? new Promise(resolve => (this.#resolve = resolve)) : Promise.resolve(this.#result);
		return this.#done;
	}

	/** The result once finished. */
	get result(): Generation | undefined {
		return this.#result;
	}

	/** The text of the first `numTokens` planned tokens (what the engine has produced so far). */
	textSoFar(): string {
		return this.plan.textOf(0, this.numTokens);
	}

	/** @internal A step gave this request `numTokens` tokens at `t`. */
	stepTokens(numTokens: number, t: number): void {
		if (this.#result !== undefined) return;
		this.numTokens += numTokens;
		const r = this.request;
		if (this.byDraftLength !== undefined && r.numSpecSteps > this.#specSteps) {
			// At most one verification step per engine step: the growth of the request's totals is it.
			const accepted = r.numAcceptedDraftTokens - this.#accepted;
			const drafted = r.numDraftTokens - this.#drafted;
			let row = this.byDraftLength.get(drafted);
			if (row === undefined) {
				row = new Array<number>(drafted + 1).fill(0);
				this.byDraftLength.set(drafted, row);
			}
			row[accepted]! += 1;
			this.perStepAccepted?.push(accepted);
			this.perStepDrafted?.push(drafted);
			this.#specSteps = r.numSpecSteps;
			this.#accepted = r.numAcceptedDraftTokens;
			this.#drafted = r.numDraftTokens;
		}
		this.#listener.onTokens?.(this, numTokens, t);
	}

	/** @internal The engine finished the request (or it was aborted): settle once. */
	finish(reason: FinishReason): void {
		if (this.#result !== undefined) return;
		let result: Generation;
		if (reason === 'abort' || reason === 'error') result = new FinishedGeneration(this, reason, null);
		else if (this.numTokens >= this.plan.numTokens) result = new FinishedGeneration(this, this.plan.finishReason, this.plan.stopReason);
		// The engine ended early (max_model_len): what was generated, finish reason length.
		else result = new FinishedGeneration(this, 'length', null);
		this.#result = result;
		this.#listener.onFinish?.(this, result);
		this.#resolve?.(result);
	}
}

/**
 * A finished generation. Its text is joined from the plan's words when first read: a stream has
 * sent all but its last step's words by then (see TextCursor.finish), so joining the whole output
 * at every finish made a string as long as it (about 1.8 kB at 256 tokens) that nothing read.
 */
class FinishedGeneration implements Generation {
	readonly completionTokens: number;
	readonly finishReason: 'stop' | 'length' | 'abort' | 'error';
	readonly stopReason: string | null;
	readonly request: SimRequest;
	readonly live: LiveGeneration;
	#text: string | undefined;

	constructor(live: LiveGeneration, finishReason: Generation['finishReason'], stopReason: string | null) {
		this.completionTokens = live.numTokens;
		this.finishReason = finishReason;
		this.stopReason = stopReason;
		this.request = live.request;
		this.live = live;
	}

	/** The plan's text when it completed (cut before its stop string), else the words generated. */
	get text(): string {
		if (this.#text === undefined) {
			const live = this.live;
			const complete = (this.finishReason === 'stop' || this.finishReason === 'length') && this.completionTokens >= live.plan.numTokens;
			this.#text = complete ? live.plan.text : live.textSoFar();
		}
		return this.#text;
	}
}

export type ServeEngineOptions = {
	/** @default 'none' */
	readonly specDecodeMetrics?: SpecDecodeMetricsLevel;
	/**
	 * Called during a step's report, after the requests whose first tokens (or first finish) it
	 * carries have been told and before the running ones are: the server writes the new streams'
	 * first frames there, ahead of everything else the step's end costs.
	 */
	readonly afterFirstTokens?: () => void;
};

/**
 * The choices one HTTP request put into the engine together: `firstStep` numbers the step that
 * first reported any of them (0 before that), so a step reports a request's choices in one pass.
 */
type RequestGroup = {firstStep: number};

/** Whether report `step` is the first to carry any of `group`'s choices (numbering it so if none came before). */
function isFirstReport(group: RequestGroup, step: number): boolean {
	if (group.firstStep === 0) group.firstStep = step;
	return group.firstStep === step;
}

/**
 * Puts HTTP requests into the session's simulated engine and reports their tokens step by step
 * as the engine produces them. What a request generates is planned on arrival, deterministically
 * from the seed and the request: its length (the class's output-length distribution capped by
 * `max_tokens`, or `max_tokens` with `ignore_eos`, at least `min_tokens`), its words and where a
 * stop string cuts them. The engine then runs it like any other request: same scheduler, KV
 * cache, proposer and acceptance; a step that verifies k drafts hands the request 1 to k+1 tokens
 * at once, and that is what a stream sends.
 */
export class ServeEngine {
	readonly session: Session;
	readonly specDecodeMetrics: SpecDecodeMetricsLevel;
	#nextId = EXTERNAL_ID_BASE;
	#live = new Map<SimRequest, LiveGeneration>();
	#classWeights: number[];
	#classWeightTotal: number;
	/**
	 * `createRng(seed).fork('serve')`, made once: a fork depends on its parent's seed and its name
	 * only, so every request's streams can be forked from the same root.
	 */
	readonly #serveRng: Rng;
	#offStep: () => void;
	readonly #afterFirstTokens: (() => void) | undefined;
	/** Steps reported so far (numbers each request group's first step). */
	#steps = 0;
	/** Scratch of {@link #onStep}: the generation of each token request of the step being reported. */
	readonly #stepGenerations: Array<LiveGeneration | undefined> = [];
	#reporting = false;

	constructor(session: Session, options: ServeEngineOptions = {}) {
		this.session = session;
		this.specDecodeMetrics = options.specDecodeMetrics ?? 'none';
		this.#classWeights = session.built.classes.map(c => c.weight);
		this.#classWeightTotal = this.#classWeights.reduce((a, b) => a + b, 0);
		this.#serveRng = createRng(session.built.seed).fork('serve');
		this.#afterFirstTokens = options.afterFirstTokens;
		// First: the new streams' first frames are written in the report, ahead of the loggers and the
		// Prometheus feed, which only accumulate what the step did and can hear it after.
		this.#offStep = session.onStepFirst(outcome => this.#onStep(outcome));
	}

	/**
	 * Report a step's tokens and finished requests to their generations in two passes: first the
	 * requests whose first step this is (every choice of one HTTP request together, in the step's
	 * order), then {@link ServeEngineOptions.afterFirstTokens} (the server writes their first frames
	 * there and then), then the running ones. A new stream's first token thus waits neither for
	 * the chunks of every running stream nor for the engine's scheduling of its next step (which
	 * runs after the step's report); within one request the order of its choices' reports is the
	 * step's, as before, so every response's bytes are the same. In each pass the finished requests
	 * come after the tokens of the others, so a stream's end is written after the step's other
	 * chunks: a client streaming back to back sends its next request when it reads that end, and
	 * the request then finds the server done with the step's writes (see docs/serve.md, the floor).
	 */
	#onStep(outcome: StepOutcome): void {
		if (this.#live.size === 0) return;
		const step = ++this.#steps;
		// The step's generations, looked up once for both passes (undefined: not a served request);
		// a report inside a listener of this one (none does that now) gets an array of its own.
		const generations = this.#reporting ? [] : this.#stepGenerations;
		this.#reporting = true;
		try {
			this.#report(outcome, step, generations);
		} finally {
			this.#reporting = generations !== this.#stepGenerations;
			generations.fill(undefined, 0, outcome.numTokenRequests);
		}
	}

	#report(outcome: StepOutcome, step: number, generations: Array<LiveGeneration | undefined>): void {
		const live = this.#live;
		const requests = outcome.tokenRequests;
		const numTokenRequests = outcome.numTokenRequests;
		let first = false;
		let running = false;
		for (let i = 0; i < numTokenRequests; i++) {
			const generation = live.get(requests[i]!);
			generations[i] = generation;
			if (generation === undefined) continue;
			if (isFirstReport(generation.group, step)) {
				first = true;
				generation.stepTokens(outcome.newTokens[i]!, outcome.t);
			} else running = true;
		}
		const finished = outcome.finished;
		for (let i = 0; i < finished.length; i++) {
			const generation = live.get(finished[i]!);
			if (generation === undefined) continue;
			if (isFirstReport(generation.group, step)) {
				first = true;
				this.#finish(generation);
			} else running = true;
		}
		if (first) this.#afterFirstTokens?.();
		if (running)
			for (let i = 0; i < numTokenRequests; i++) {
				const generation = generations[i];
				// Still live: a first-pass listener may have aborted a generation the second pass would report.
				if (generation !== undefined && generation.group.firstStep !== step && generation.result === undefined)
					generation.stepTokens(outcome.newTokens[i]!, outcome.t);
			}
		if (!running) return;
		// The first pass took its own finished requests out of `live`.
		for (let i = 0; i < finished.length; i++) {
			const generation = live.get(finished[i]!);
			if (generation !== undefined) this.#finish(generation);
		}
	}

	#finish(generation: LiveGeneration): void {
		const request = generation.request;
		this.#live.delete(request);
		generation.finish(request.finishReason ?? 'stop');
	}

	/** Requests submitted and not finished yet. */
	get numInFlight(): number {
		return this.#live.size;
	}

	/** Plan and submit at the current virtual time; `listener` hears every step's tokens. */
	start(params: GenerationParams, listener: GenerationListener = {}): LiveGeneration {
		return this.startAll([params], listener)[0]!;
	}

	/**
	 * Plan and submit the choices of one HTTP request together, at the current virtual time, so the
	 * engine schedules them in the same step (see {@link Simulation.submitAll}); `listener` hears
	 * every step's tokens of each. Every plan is made before anything is submitted, so a choice
	 * that cannot be planned leaves nothing in the engine. With `arrival`, the request arrives at
	 * the virtual time it was read (see {@link Arrivals}), else now.
	 */
	startAll(paramsList: readonly GenerationParams[], listener: GenerationListener = {}, arrival?: Arrival): LiveGeneration[] {
		const plans = paramsList.map(params => this.#plan(params));
		// Arrive at the wall clock's virtual time (or the reading's), not the last tick's (see Runner.catchUp).
		this.session.runner.catchUp(arrival?.atMs);
		const engine = this.session.built.engines[0]!;
		const requests = this.session.built.simulation.submitAll(
			paramsList.map((params, i) => {
				const plan = plans[i]!;
				// Real tokens name the request's KV blocks: prompts that share a prefix share cached blocks.
				const keys =
					params.promptTokenIds !== undefined && engine.config.enablePrefixCaching
						? plan.blockKeys(params.promptTokenIds, engine.kv.blockSize)
						: undefined;
				return {
					id: this.#nextId++,
					...(keys === undefined ? {} : {blockKeys: keys}),
					promptTokens: params.promptTokens,
					maxTokens: plan.numTokens,
					maxTokensParam: params.maxTokens,
					endReason: plan.finishReason,
					classIndex: plan.classIndex,
					temperature: params.temperature,
				};
			}),
		);
		arrival?.settle();
		const group: RequestGroup = {firstStep: 0};
		const generations = requests.map((request, i) => {
			const generation = new LiveGeneration(request, plans[i]!, listener, this.specDecodeMetrics, group);
			this.#live.set(request, generation);
			return generation;
		});
		this.session.runner.wake();
		return generations;
	}

	/** Plan, submit, and wait until the engine finishes the request. */
	generate(params: GenerationParams): Promise<Generation> {
		return this.start(params).done;
	}

	/**
	 * Abort a generation now (client gone, shutdown): the engine frees its KV and reports it
	 * finished with reason abort at its next step (counted in `vllm:request_success_total`), and
	 * the generation settles at once with what it produced.
	 */
	abort(generation: LiveGeneration): void {
		if (generation.result !== undefined) return;
		this.#live.delete(generation.request);
		// The abort happens at the wall clock's virtual time, as an arrival does.
		this.session.runner.catchUp();
		this.session.built.simulation.abort(generation.request);
		this.session.runner.wake();
		generation.finish('abort');
	}

	/** Abort every generation in flight (shutdown). */
	abortAll(): void {
		for (const generation of [...this.#live.values()]) this.abort(generation);
	}

	close(): void {
		this.#offStep();
	}

	#plan(params: GenerationParams): Plan {
		// The request's streams, `serve.fork(key).fork(name)`, forked in one step: fork('a/b') is
		// fork('a').fork('b') (seed paths join with '/'), and the key's own stream is never drawn
		// from, so seeding it (the whole request body, hashed three times) would be wasted.
		const serve = this.#serveRng;
		const key = params.key;
		const classes = this.session.built.classes;
		let classIndex = 0;
		// With one class the pick draws nothing that is used.
		if (classes.length > 1) {
			let pick = serve.fork(`${key}/class`).next() * this.#classWeightTotal;
			while (classIndex < classes.length - 1 && pick >= this.#classWeights[classIndex]!) pick -= this.#classWeights[classIndex++]!;
		}
		let numTokens: number;
		let finishReason: 'stop' | 'length';
		if (params.ignoreEos) {
			numTokens = params.maxTokens;
			finishReason = 'length';
		} else {
			const drawn = Math.max(params.minTokens, createLengthSampler(classes[classIndex]!.output, serve.fork(`${key}/output`))());
			numTokens = Math.min(drawn, params.maxTokens);
			finishReason = drawn > params.maxTokens ? 'length' : 'stop';
		}
		numTokens = Math.max(1, numTokens);
		const indices = drawWordIndices(numTokens, serve.fork(`${key}/text`));
		if (params.stop.length > 0) {
			const cut = findStop(joinWords(indices), params.stop);
			// vLLM does not stop before min_tokens.
			if (cut !== undefined && cut.numTokens >= params.minTokens) return new Plan(classIndex, cut.numTokens, indices, 'stop', cut.stop, cut.text);
		}
		return new Plan(classIndex, numTokens, indices, finishReason, null);
	}
}
