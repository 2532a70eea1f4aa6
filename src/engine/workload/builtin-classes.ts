import type {WorkloadClassSpec} from './classes.js';

/**
 * Named workload classes, as plain data (copy and edit them in presets).
 *
 * Length distributions are lognormals fitted to published trace statistics: `median` is the
 * trace median and `sigma = ln(p99 / median) / 2.326` (2.326 = the normal's 99th percentile),
 * unless stated otherwise. Each class's `weight` is 1; set your own mix.
 *
 * `acceptanceFactor` is relative to chat (MT-bench, the benchmark behind vLLM's acceptance-length
 * goldens). It is derived by converting published mean acceptance lengths τ at k = 3 to the i.i.d.
 * per-token rate α (solve `τ = 1 + α + α² + α³`) and taking the ratio to chat's α; the sources
 * are cited per class, the conversions are ours.
 *
 * `ngramHitRate` values are chosen so that `ngramHitRate × (tokens accepted per hit, assumed ≈ 2
 * to 2.5)` lands near PLD's `τ − 1` on the matching benchmark in EAGLE-3 Table 1 (Vicuna-13B,
 * T = 0): MT-bench 0.63, HumanEval 0.93, CNN/DM 1.50. They are calibration starting points, not
 * measurements. `repetition` follows the same ordering.
 *
 * No public trace records sampling parameters, so the temperatures are illustrative.
 */
export const BUILTIN_WORKLOAD_CLASSES = {
	/**
	 * Conversational assistant traffic.
	 * - Lengths: Azure LLM inference trace 2023, conversation service (Patel et al., "Splitwise",
	 *   ISCA'24; Azure/AzurePublicDataset `AzureLLMInferenceTrace_conv.csv`): prompt median 1,020 /
	 *   p99 4,142 tokens, output median 129 / p99 601 (the paper notes the output is nearly bimodal;
	 *   a lognormal only matches its median and tail).
	 * - Acceptance: the reference (factor 1). vLLM's EAGLE-3 goldens on MT-bench, k = 3: Llama-3.1-8B
	 *   τ 2.60 (α ≈ 0.72), Qwen3-8B τ 2.26 (α ≈ 0.63).
	 * - N-gram: PLD τ 1.63 on MT-bench (EAGLE-3 Table 1): little prompt copying.
	 * - Temperature: 0 / 0.7 / 1.0 in 1:2:2 (0.7 is Qwen3's recommended non-thinking setting, 1.0 the
	 *   OpenAI-compatible API default when a client sets none).
	 */
	chat: {
		name: 'chat',
		weight: 1,
		prompt: {kind: 'lognormal', median: 1020, sigma: 0.6, min: 1, max: 16_384},
		output: {kind: 'lognormal', median: 129, sigma: 0.66, min: 1, max: 4096},
		acceptanceFactor: 1,
		ngramHitRate: 0.3,
		repetition: 0.1,
		temperature: {kind: 'choice', values: [0, 0.7, 1], weights: [1, 2, 2]},
	},
	/**
	 * Coding assistant traffic (chat-style code generation, not completion).
	 * - Lengths: Alibaba Bailian Qwen coder trace (alibaba-edu/qwen-bailian-usagetraces-anon,
	 *   `qwen_coder_blksz_16.jsonl`, USENIX ATC'25): input median 4,540 / p99 14,406, output median
	 *   469 / p99 5,835. (Azure's 2023 code service is completion-style: output median 13.)
	 * - Acceptance factor 1.2: vllm-project/speculators#563 (Qwen3-8B EAGLE-3, T = 0.6), k = 3: coding
	 *   τ 2.80 (α ≈ 0.77) vs summarization 2.35 (α ≈ 0.65), ratio 1.18; vs Qwen3-8B MT-bench α ≈ 0.63,
	 *   ratio 1.22. Code and math accept more than prose (club-3090: DFlash code AL ≈ 4.7 vs prose ≈ 2.8).
	 * - N-gram: PLD τ 1.93 on HumanEval (EAGLE-3 Table 1): identifiers and code get re-used.
	 * - Temperature: 0 (greedy), as in the code benchmarks above.
	 */
	code: {
		name: 'code',
		weight: 1,
		prompt: {kind: 'lognormal', median: 4540, sigma: 0.5, min: 1, max: 32_768},
		output: {kind: 'lognormal', median: 469, sigma: 1.08, min: 1, max: 8192},
		acceptanceFactor: 1.2,
		ngramHitRate: 0.4,
		repetition: 0.3,
		temperature: 0,
	},
	/**
	 * Long-document summarization.
	 * - Lengths: BLIS's `summarization` workload preset (inference-sim/inference-sim `defaults.yaml`):
	 *   prompt 4,096 ± 500 in [100, 8,192], output 512 ± 150 in [10, 2,048] (normal there; here a
	 *   lognormal with that median and `sigma = stdev / mean`, which gives about that stdev).
	 * - Acceptance factor 1.0: model drafters do about as well as on chat: speculators#563
	 *   summarization α ≈ 0.65 (k = 3) vs MT-bench 0.63; EAGLE-3 Table 1 CNN/DM τ 6.47 vs MT-bench 6.65.
	 * - N-gram: where prompt lookup shines. PLD τ 2.50 on CNN/DM vs 1.63 on MT-bench (EAGLE-3
	 *   Table 1); Spec-Bench PLD summarization 2.31× vs translation 1.07×; vLLM's blog reports n-gram
	 *   up to 2.8× on CNN/DailyMail (Llama3-70B, 4×H100, QPS 1).
	 * - Temperature: 0 (greedy), as in those summarization benchmarks.
	 */
	summarization: {
		name: 'summarization',
		weight: 1,
		prompt: {kind: 'lognormal', median: 4096, sigma: 0.12, min: 100, max: 8192},
		output: {kind: 'lognormal', median: 512, sigma: 0.29, min: 10, max: 2048},
		acceptanceFactor: 1,
		ngramHitRate: 0.6,
		repetition: 0.6,
		temperature: 0,
	},
	/**
	 * Tool-calling agents: long, highly repetitive prompts and short outputs.
	 * - Lengths: Mooncake tool&agent trace (kvcache-ai/Mooncake `FAST25-release`, FAST'25): input
	 *   median 6,346 / p99 61,525 (clamped here at 32,768 so it fits 32K-context models), output
	 *   median 30 with mean 182 (sigma from the mean: `sqrt(2 ln(182 / 30)) ≈ 1.90`).
	 * - Acceptance factor 0.8: a commerce agent on EAGLE-3 in vLLM (PayPal/NVIDIA, arXiv 2604.19767,
	 *   nemotron-nano-8B) accepted ≈ 35.5% of drafts at γ = 3 (τ ≈ 2.07, α ≈ 0.57) vs Llama-3.1-8B
	 *   MT-bench α ≈ 0.72.
	 * - N-gram: suffix decoding reaches up to 5.3× on agentic workloads (SWE-Bench, Text-to-SQL;
	 *   SuffixDecoding, arXiv 2411.04975); Mooncake notes agent system prompts are "fully repetitive".
	 * - Temperature: 0 (illustrative; agents usually decode tool calls greedily).
	 */
	agentic: {
		name: 'agentic',
		weight: 1,
		prompt: {kind: 'lognormal', median: 6346, sigma: 0.98, min: 1, max: 32_768},
		output: {kind: 'lognormal', median: 30, sigma: 1.9, min: 1, max: 4096},
		acceptanceFactor: 0.8,
		ngramHitRate: 0.7,
		repetition: 0.7,
		temperature: 0,
	},
} as const satisfies Record<string, WorkloadClassSpec>;
