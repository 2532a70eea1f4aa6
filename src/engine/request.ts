/** Where a request is in its life. */
export type RequestStatus = 'waiting' | 'running' | 'finished';

/** Why a request finished, as vLLM's `finished_reason` label says it (`FinishReason` of `vllm/v1/engine/__init__.py`; specsim never detects repetition, but the label exists). */
export type FinishReason = 'stop' | 'length' | 'abort' | 'error' | 'repetition';

/** One request as the engine receives it (vLLM: an `EngineCoreRequest` with its `SamplingParams`). */
export type RequestSpec = {
	/** Per-source counter from 0, in arrival order. */
	readonly id: number;
	/** Arrival time in virtual seconds. */
	readonly arrivalAt: number;
	/** Prompt length (`len(prompt_token_ids)`), >= 1. */
	readonly promptTokens: number;
	/** Output tokens the request generates (its end of sequence), >= 1. */
	readonly maxTokens: number;
	/**
	 * `finished_reason` when the output reaches `maxTokens`: `stop` (the model's end of sequence or
	 * a stop string) or `length` (a client's `max_tokens`, as vLLM labels it). @default 'stop'
	 */
	readonly endReason?: 'stop' | 'length';
	/** Index into the workload's class list. */
	readonly classIndex: number;
	/** Sampling temperature, >= 0. */
	readonly temperature: number;
	/** vLLM's request `priority` (lower is served first under `--scheduling-policy priority`). @default 0 */
	readonly priority?: number;
	/** Leading prompt tokens shared with every request of `prefixGroup` (a system prompt). @default 0 */
	readonly sharedPrefixTokens?: number;
	/** Which shared prefix (e.g. the class index). @default 0 */
	readonly prefixGroup?: number;
	/**
	 * The token stream the rest of the prompt (and the output) comes from: a conversation's turns
	 * share one, so a turn's prompt starts with the previous turn's prompt and output. @default a
	 * stream of its own (derived from `id`)
	 */
	readonly stream?: number;
	/** The conversation this request is a turn of (a workload class with `conversation`, or a trace's `conversation`). @default none */
	readonly conversation?: number;
	/** Its turn in that conversation, from 1. @default none */
	readonly turn?: number;
	/**
	 * Content keys of the request's full KV blocks, prompt then output tokens, when its tokens are
	 * real (specsim serve tokenizes prompts): key i names the token ids of block i, so requests
	 * whose prompts share a prefix share cached blocks, as vLLM's block hashes do. @default none:
	 * blocks are named by `prefixGroup` and `stream`
	 */
	readonly blockKeys?: ArrayLike<number>;
	/**
	 * The `max_tokens` its SamplingParams carry (a client's, as vLLM's OpenAI server resolves it),
	 * which `vllm:request_params_max_tokens` observes; distinct from `maxTokens`, the length the
	 * request does generate. @default none: `max_model_len - promptTokens`, what vLLM's server
	 * sends when the client sets none (the synthetic workloads draw lengths, not limits)
	 */
	readonly maxTokensParam?: number;
};

/**
 * One request inside an engine. Fields are public and mutable for speed; only the scheduler
 * changes them. Token bookkeeping follows vLLM v1: `numTokens = promptTokens + numOutputTokens`,
 * and `numComputedTokens` counts tokens whose KV is computed (rolled back by rejected drafts,
 * reset to 0 by preemption, which recomputes).
 */
export class SimRequest {
	// Field order is memory layout (V8 lays out in-object fields in the order they are first
	// written): the fields every step reads or writes for every running request come first, so a
	// saturated batch of 256 requests touches two or three cache lines per request instead of five.
	// The fields are declared here (`declare`: no emitted class field) and written by the
	// constructor, in that order. A class field without an initializer (`readonly promptTokens:
	// number;`) is emitted and defined as undefined before the constructor assigns it, so V8 gives
	// it a tagged representation instead of a small-integer or double one, and the scheduler's
	// loops check the type of every such field they read (docs/engine-performance.md, fourth round).
	declare status: RequestStatus;
	declare numComputedTokens: number;
	declare numOutputTokens: number;
	declare readonly promptTokens: number;
	declare readonly maxTokens: number;
	/**
	 * The request's entry in the step being run, written by the scheduler when it schedules the
	 * request (`StepPlan.push`) and read when the step completes: new tokens (`num_scheduled_tokens`),
	 * draft tokens, and true while it (re)computes its prompt. In the request rather than in arrays
	 * of the plan: a field of an object the loops load anyway costs one or two instructions, a
	 * typed-array element eight to ten (docs/engine-performance.md, fourth round).
	 */
	declare stepNumNew: number;
	declare stepNumSpec: number;
	declare stepPrefill: boolean;
	/**
	 * Leading full blocks given to the prefix cache, and the hash of the last one entered (the chain's
	 * parent). The blocks of a stream of its own are entered only if the request is preempted (KvCache).
	 */
	declare numHashedBlocks: number;
	/** The KV cache's `ownStreamBlocksFrom` for this request, once computed (-1 before). */
	declare ownBlocksFrom: number;
	/** Tokens the block table holds (`blockTable.length × blockSize`), kept by the KV cache so a step that needs no new block does not touch the table. */
	declare numSlotTokens: number;
	/** Acceptance profile id drawn once per request (see the acceptance model). */
	declare acceptanceProfile: number;
	/** An injected fault (docs/faults.md): the request ends with `error` at the end of the next step that schedules it. */
	declare failsWithError: boolean;
	/** Virtual time of the latest output token (NaN until then). */
	declare lastTokenAt: number;
	/** Spec-decode summary in the shape of vLLM's per-request metrics (PR #48915). */
	declare numSpecSteps: number;
	declare numDraftTokens: number;
	declare numAcceptedDraftTokens: number;
	/** `acceptance_histogram[j]`: verification steps with exactly j accepted tokens (length k+1, grows with k). */
	declare acceptanceHistogram: number[];
	/** Opaque per-request proposer state. */
	declare proposerState: unknown;
	/** Index into the workload's class list (the proposer reads it every step). */
	declare readonly classIndex: number;
	declare readonly endReason: 'stop' | 'length';
	/** KV block ids held, in token order (the block table). */
	declare readonly blockTable: number[];
	/** Virtual time of the first output token (NaN until then). */
	declare firstTokenAt: number;
	declare readonly id: number;
	declare readonly arrivalAt: number;
	declare readonly temperature: number;
	declare readonly priority: number;
	declare readonly sharedPrefixTokens: number;
	declare readonly prefixGroup: number;
	declare readonly stream: number;
	declare readonly blockKeys: ArrayLike<number> | undefined;
	/** The conversation this request is a turn of, or -1. */
	declare readonly conversation: number;
	/** Its turn in the conversation from 1, or 0 outside a conversation. */
	declare readonly turn: number;
	declare lastBlockHash: number;
	declare numPreemptions: number;
	/** Virtual time of the step that first scheduled the request (vLLM's first SCHEDULED event; NaN until then). */
	declare scheduledAt: number;
	/**
	 * Prompt tokens found in the prefix cache at first admission (vLLM's `num_cached_tokens`;
	 * -1 until admitted). `promptTokens - numCachedTokens` is the prefill the engine computed.
	 */
	declare numCachedTokens: number;
	declare finishedAt: number;
	declare finishReason: FinishReason | undefined;
	/** {@link RequestSpec.maxTokensParam}, or -1 when none was given. */
	declare readonly maxTokensParam: number;

	constructor(spec: RequestSpec, numSpecTokens: number) {
		this.status = 'waiting';
		this.numComputedTokens = 0;
		this.numOutputTokens = 0;
		this.promptTokens = spec.promptTokens;
		this.maxTokens = spec.maxTokens;
		this.stepNumNew = 0;
		this.stepNumSpec = 0;
		this.stepPrefill = false;
		this.numHashedBlocks = 0;
		this.ownBlocksFrom = -1;
		this.numSlotTokens = 0;
		this.acceptanceProfile = 0;
		this.failsWithError = false;
		this.lastTokenAt = Number.NaN;
		this.numSpecSteps = 0;
		this.numDraftTokens = 0;
		this.numAcceptedDraftTokens = 0;
		this.acceptanceHistogram = new Array<number>(numSpecTokens + 1).fill(0);
		this.proposerState = undefined;
		this.classIndex = spec.classIndex;
		this.endReason = spec.endReason ?? 'stop';
		this.blockTable = [];
		this.firstTokenAt = Number.NaN;
		this.id = spec.id;
		this.arrivalAt = spec.arrivalAt;
		this.temperature = spec.temperature;
		this.priority = spec.priority ?? 0;
		this.sharedPrefixTokens = spec.sharedPrefixTokens ?? 0;
		this.prefixGroup = spec.prefixGroup ?? 0;
		// Own streams are negative so they never collide with conversation ids.
		this.stream = spec.stream ?? -1 - spec.id;
		this.blockKeys = spec.blockKeys;
		this.conversation = spec.conversation ?? -1;
		this.turn = spec.turn ?? 0;
		this.lastBlockHash = 0;
		this.numPreemptions = 0;
		this.scheduledAt = Number.NaN;
		this.numCachedTokens = -1;
		this.finishedAt = Number.NaN;
		this.finishReason = undefined;
		this.maxTokensParam = spec.maxTokensParam ?? -1;
	}

	/** KV blocks held. */
	get numBlocks(): number {
		return this.blockTable.length;
	}

	/** `num_tokens`: prompt plus generated tokens. */
	get numTokens(): number {
		return this.promptTokens + this.numOutputTokens;
	}

	/**
	 * True while prompt tokens (or, after a preemption, prompt and output tokens) remain to be
	 * computed. A decoding request has exactly one uncomputed token: the one it sampled last.
	 */
	get isPrefilling(): boolean {
		return this.numOutputTokens === 0 || this.numTokens - this.numComputedTokens > 1;
	}

	/** Record one verification step of this request. */
	recordSpecStep(numDraftTokens: number, numAccepted: number): void {
		this.numSpecSteps += 1;
		this.numDraftTokens += numDraftTokens;
		this.numAcceptedDraftTokens += numAccepted;
		while (this.acceptanceHistogram.length <= numAccepted) this.acceptanceHistogram.push(0);
		this.acceptanceHistogram[numAccepted]! += 1;
	}
}
