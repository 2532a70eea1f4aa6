/**
 * Inputs of the step-latency cost model ({@link createCostModel} in `../cost-model.ts`). All are
 * plain JSON data; the built-ins live in `hardware.ts` and `models.ts`.
 */

/** The target model, as far as the roofline cares. */
export type ModelCostSpec = {
	name: string;
	/** Total parameters (every expert of a MoE). Sets the weight bytes resident and read per step. */
	params: number;
	/** Parameters used per token (MoE: shared + routed-active); sets FLOPs per token. @default params */
	activeParams?: number;
	/** Bytes per weight: 2 for bf16/fp16, 1 for fp8, ~0.5 for 4-bit. */
	bytesPerParam: number;
	/** Decoder layers (`num_hidden_layers`); used to size one layer's KV for draft heads. */
	numLayers: number;
	/** KV-cache bytes per token over all layers: `2 × layers × kv_heads × head_dim × bytes`. */
	kvBytesPerToken: number;
	/** Longest context (`max_model_len` / `max_position_embeddings`). */
	maxModelLen?: number;
	/** `hidden_size`: sizes the activations tensor parallelism all-reduces. */
	hiddenSize?: number;
	/**
	 * Attention shapes for attention FLOPs over the real context: query heads and the head
	 * dimensions of `QKᵀ` and `AV` (GQA: both `head_dim`; MLA: the latent `kv_lora_rank +
	 * qk_rope_head_dim` and `kv_lora_rank`). Without it attention FLOPs are ignored.
	 */
	attention?: {numHeads: number; qkHeadDim: number; vHeadDim: number};
	/**
	 * Routed experts (mixture of experts): `expertParams` is every routed expert of every layer;
	 * a step reads only the experts its tokens are routed to (see `makeWeightBytes`).
	 */
	moe?: {numExperts: number; expertsPerToken: number; expertParams: number};
	/** Where the numbers come from. */
	source?: string;
};

/** The accelerator group serving the model (tensor parallel over `gpus`). */
export type HardwareSpec = {
	name: string;
	/** Tensor-parallel GPUs (`tensor_parallel_size`). Bandwidth, FLOPs and memory scale with it. */
	gpus: number;
	/** Usable device memory per GPU (what `gpu_memory_utilization` is a fraction of). */
	memoryBytesPerGpu: number;
	/** Peak HBM/GDDR bandwidth per GPU. */
	hbmBandwidthBytesPerS: number;
	/** Peak dense bf16 tensor FLOP/s per GPU (no sparsity). */
	peakFlops: number;
	/** Achieved fraction of peak bandwidth. @default 0.85 */
	bandwidthEfficiency?: number;
	/** Achieved fraction of peak FLOP/s. @default 0.6 */
	flopsEfficiency?: number;
	/** Extra flat seconds per step for tensor parallelism, added only when `gpus > 1`. @default 0 */
	interconnectOverheadS?: number;
	/** Per-GPU one-direction bandwidth of the link tensor-parallel all-reduces use (NVLink, Infinity Fabric, PCIe). */
	interconnectBytesPerS?: number;
	/** Seconds per all-reduce beyond its bytes (launch, synchronisation). @default 8e-6 */
	allReduceLatencyS?: number;
	/** Where the numbers come from. */
	source?: string;
};

/**
 * What proposing the next drafts costs, by proposer family (vLLM `speculative_config.method`).
 * `k` below is the step's `draftLength`; "drafting requests" are those the proposer drafts for.
 *
 * - `none`: no proposer.
 * - `sequential-model` (`draft_model`): a separate small model runs `k` sequential forward
 *   passes. The first pass also ingests every token the target just processed (prompt chunks
 *   and verified tokens, to keep the draft's KV in step); later passes take one token per
 *   drafting request. `kvBytesPerToken` is the draft's own KV (read each pass; default 0).
 * - `per-token-head` (`eagle`, `eagle3`, `mtp`): one light pass per draft token through a head of
 *   `headParams` (or `headParamsFraction × params`) parameters and `numLayers` decoder layers
 *   (default 1) whose KV is one target layer's each; same pass structure as `sequential-model`.
 *   A mixture-of-experts head (DeepSeek's MTP module is one MoE decoder layer) gives `moe` and
 *   `activeParams`: a pass reads the dense part and the experts its tokens are routed to, and
 *   does `2 × activeParams` FLOPs a token, as the target does.
 * - `parallel-heads` (`medusa`): one pass over the drafting requests evaluates the first `k` heads
 *   of `headParams` parameters each (a head includes its LM head).
 * - `passOverheadS` (model and head kinds): fixed seconds per draft pass on top of the roofline
 *   (kernel launches, sampling, the proposer's bookkeeping), which dominates at small batch.
 * - `stepOverheadS` (model and head kinds): fixed seconds once per step in which the proposer runs,
 *   whatever `k` (rejection sampling, preparing the proposer's inputs, combining the target's
 *   hidden states). Measured step times are linear in `k` with an intercept above the
 *   non-speculative step (vllm#20780 at batch 1: docs/validation.md), so charging everything per
 *   pass makes the cost grow too fast with `k`. @default 0
 * - `cpu` (`ngram`, `suffix`): host-side lookup, `perRequestS + k × perTokenS` per drafting request.
 * - `ratio`: Leviathan et al.'s cost coefficient `c` = time of one draft pass / time of one
 *   target step at batch 1. `k` passes cost `k × c × T1` whatever the batch.
 */
export type DraftCostSpec =
	| {kind: 'none'}
	| {
			kind: 'sequential-model';
			draftParams: number;
			bytesPerParam: number;
			kvBytesPerToken?: number;
			/**
			 * Decoder layers and hidden size of the draft model: with both, each pass on a
			 * tensor-parallel group also pays two all-reduces a layer, as the target does (vLLM runs
			 * a draft model at the target's tensor parallelism unless `draft_tensor_parallel_size`
			 * is 1). Without them no communication is priced.
			 */
			numLayers?: number;
			hiddenSize?: number;
			passOverheadS?: number;
			stepOverheadS?: number;
	  }
	| {
			kind: 'per-token-head';
			headParams?: number;
			headParamsFraction?: number;
			numLayers?: number;
			passOverheadS?: number;
			stepOverheadS?: number;
			/** Parameters a token uses (a MoE head: dense part + routed-active experts); sets FLOPs. @default headParams */
			activeParams?: number;
			/** The head's routed experts (e.g. DeepSeek's MTP layer): a pass reads only those its tokens are routed to. */
			moe?: {numExperts: number; expertsPerToken: number; expertParams: number};
	  }
	| {kind: 'parallel-heads'; headParams: number; passOverheadS?: number; stepOverheadS?: number}
	| {kind: 'cpu'; perTokenS: number; perRequestS?: number}
	| {kind: 'ratio'; c: number};

/**
 * The batch one engine step runs (what vLLM's `SchedulerOutput` schedules for one forward pass).
 * All fields are counts >= 0.
 */
export type StepShape = {
	/** Prompt tokens computed this step (prefill chunks). */
	numPrefillTokens: number;
	/** Running requests decoding this step (each contributes one target token). */
	numDecodeRequests: number;
	/** Draft tokens verified this step, summed over requests (`Σ len(scheduled_spec_decode_tokens)`). */
	numScheduledSpecTokens: number;
	/** Requests the proposer drafts for after this step. */
	numDraftingRequests: number;
	/** Draft length the proposer uses this step (`num_speculative_tokens`, or less). */
	draftLength: number;
	/** Σ of the context lengths whose KV the step's attention reads. */
	contextTokens: number;
	/**
	 * Σ over scheduled requests of query tokens × the context each attends to (causal: a chunk of
	 * `n` new tokens after `c` computed ones is `n·(c + (n + 1)/2)`); sets attention FLOPs.
	 * @default 0
	 */
	attentionTokenPairs?: number;
	/**
	 * Σ over requests verifying `d > 0` drafts after `c` computed tokens of `d·c + d(d + 1)/2`: the
	 * extra context a batch-expansion scorer reads (vLLM V0's `BatchExpansionTop1Scorer` runs each
	 * of the `d + 1` verified positions as its own single-token sequence over its own context,
	 * `c + 1 … c + d + 1`, where a multi-query scorer reads `c + d + 1` once). Used only with
	 * `scorer: 'batch-expansion'`. @default 0
	 */
	expansionContextTokens?: number;
};

/** Where a step's time goes. */
export type StepCostBreakdown = {
	/** Target forward (including verification of draft tokens). */
	targetS: number;
	/** Proposing the next drafts. */
	draftS: number;
	/** Fixed per-step overhead plus tensor-parallel communication. */
	overheadS: number;
};
