import type {ModelCostSpec} from './types.js';

/** DeepSeek-V3's shapes (R1 shares its config.json); FP8 weights. */
const DEEPSEEK_V3_SHAPES = {
	params: 671e9,
	activeParams: 37e9,
	bytesPerParam: 1,
	numLayers: 61,
	kvBytesPerToken: 70_272,
	maxModelLen: 163_840,
	hiddenSize: 7168,
	attention: {numHeads: 128, qkHeadDim: 576, vHeadDim: 512},
	moe: {numExperts: 256, expertsPerToken: 8, expertParams: 653_908_770_816},
} as const;

/**
 * Built-in target models (bf16 weights and KV).
 *
 * `params` is counted from the Hugging Face `config.json` shapes (it matches the safetensors
 * totals): per layer `2·h² (q, o) + 2·h·kv·d (k, v) + 3·h·i (gated MLP) + norms`, plus input
 * embeddings and the untied LM head (`2·vocab·h`) and the final norm; Qwen3 adds per-head q/k norms.
 * `kvBytesPerToken = 2 × num_hidden_layers × num_key_value_heads × head_dim × 2 bytes` (MLA: the
 * latent cache, `(kv_lora_rank + qk_rope_head_dim) × layers × 2 bytes`). `attention` and `moe`
 * give the shapes for attention FLOPs and expert reads; `hiddenSize` the all-reduce size.
 * DeepSeek's routed experts: 256 × 3 × 7168 × 2048 × 58 MoE layers (the first 3 are dense);
 * gpt-oss-20b's: 32 × (3 × 2880 × 2880 + biases) × 24.
 */
export const BUILTIN_MODELS = {
	'llama-3.1-8b': {
		name: 'meta-llama/Llama-3.1-8B-Instruct',
		params: 8_030_261_248,
		bytesPerParam: 2,
		numLayers: 32,
		kvBytesPerToken: 131_072,
		maxModelLen: 131_072,
		hiddenSize: 4096,
		attention: {numHeads: 32, qkHeadDim: 128, vHeadDim: 128},
		source:
			'config.json: hidden_size 4096, intermediate_size 14336, num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 8, head_dim 128, vocab_size 128256, untied embeddings, max_position_embeddings 131072',
	},
	'llama-3.1-70b': {
		name: 'meta-llama/Llama-3.1-70B-Instruct',
		params: 70_553_706_496,
		bytesPerParam: 2,
		numLayers: 80,
		kvBytesPerToken: 327_680,
		maxModelLen: 131_072,
		hiddenSize: 8192,
		attention: {numHeads: 64, qkHeadDim: 128, vHeadDim: 128},
		source:
			'config.json: hidden_size 8192, intermediate_size 28672, num_hidden_layers 80, num_attention_heads 64, num_key_value_heads 8, head_dim 128, vocab_size 128256, untied embeddings, max_position_embeddings 131072',
	},
	'llama-3.1-405b': {
		name: 'meta-llama/Llama-3.1-405B-Instruct',
		params: 405_853_388_800,
		bytesPerParam: 2,
		numLayers: 126,
		kvBytesPerToken: 516_096,
		maxModelLen: 131_072,
		hiddenSize: 16_384,
		attention: {numHeads: 128, qkHeadDim: 128, vHeadDim: 128},
		source:
			'config.json: hidden_size 16384, intermediate_size 53248, num_hidden_layers 126, num_attention_heads 128, num_key_value_heads 8, head_dim 128, vocab_size 128256, untied embeddings, max_position_embeddings 131072; bf16 (Meta also ships an FP8 variant: set bytesPerParam 1)',
	},
	'qwen3-32b': {
		name: 'Qwen/Qwen3-32B',
		params: 32_762_123_264,
		bytesPerParam: 2,
		numLayers: 64,
		kvBytesPerToken: 262_144,
		maxModelLen: 40_960,
		hiddenSize: 5120,
		attention: {numHeads: 64, qkHeadDim: 128, vHeadDim: 128},
		source:
			'config.json: hidden_size 5120, intermediate_size 25600, num_hidden_layers 64, num_attention_heads 64, num_key_value_heads 8, head_dim 128, vocab_size 151936, tie_word_embeddings false, max_position_embeddings 40960 (model card: 32.8B parameters)',
	},
	'qwen3-30b-a3b': {
		name: 'Qwen/Qwen3-30B-A3B',
		params: 30_532_122_624,
		activeParams: 3.3e9,
		bytesPerParam: 2,
		numLayers: 48,
		kvBytesPerToken: 98_304,
		maxModelLen: 40_960,
		hiddenSize: 2048,
		attention: {numHeads: 32, qkHeadDim: 128, vHeadDim: 128},
		moe: {numExperts: 128, expertsPerToken: 8, expertParams: 28_991_029_248},
		source:
			'config.json: hidden_size 2048, num_hidden_layers 48, num_attention_heads 32, num_key_value_heads 4, head_dim 128, 128 experts of moe_intermediate_size 768, 8 per token, vocab_size 151936, untied, max_position_embeddings 40960; model card: 30.5B total, 3.3B activated; experts 128 × 3 × 2048 × 768 × 48',
	},
	'qwen3-235b-a22b': {
		name: 'Qwen/Qwen3-235B-A22B',
		params: 235_093_634_560,
		activeParams: 22e9,
		bytesPerParam: 2,
		numLayers: 94,
		kvBytesPerToken: 192_512,
		maxModelLen: 40_960,
		hiddenSize: 4096,
		attention: {numHeads: 64, qkHeadDim: 128, vHeadDim: 128},
		moe: {numExperts: 128, expertsPerToken: 8, expertParams: 227_096_395_776},
		source:
			'config.json: hidden_size 4096, num_hidden_layers 94, num_attention_heads 64, num_key_value_heads 4, head_dim 128, 128 experts of moe_intermediate_size 1536, 8 per token, vocab_size 151936, untied, max_position_embeddings 40960; model card: 235B total, 22B activated; experts 128 × 3 × 4096 × 1536 × 94',
	},
	'gpt-oss-120b': {
		name: 'openai/gpt-oss-120b',
		params: 116_829_156_672,
		activeParams: 5_130_000_000,
		bytesPerParam: 0.557,
		numLayers: 36,
		kvBytesPerToken: 73_728,
		maxModelLen: 131_072,
		hiddenSize: 2880,
		attention: {numHeads: 64, qkHeadDim: 64, vHeadDim: 64},
		moe: {numExperts: 128, expertsPerToken: 4, expertParams: 114_701_598_720},
		source:
			'config.json: hidden_size 2880, num_hidden_layers 36, num_attention_heads 64, num_key_value_heads 8, head_dim 64, 128 experts (intermediate_size 2880, top-4), vocab_size 201088, untied, max_position_embeddings 131072; model card: 117B total, 5.1B active, experts in MXFP4 (4.25 bits) and the rest bf16, about 65 GB over 116.8B params; KV counts every layer although half use a 128-token sliding window',
	},
	'glm-4.5-air': {
		name: 'zai-org/GLM-4.5-Air',
		params: 106e9,
		activeParams: 12e9,
		bytesPerParam: 2,
		numLayers: 46,
		kvBytesPerToken: 188_416,
		maxModelLen: 131_072,
		hiddenSize: 4096,
		attention: {numHeads: 96, qkHeadDim: 128, vHeadDim: 128},
		moe: {numExperts: 128, expertsPerToken: 8, expertParams: 99_656_663_040},
		source:
			'model card: 106B total, 12B active; config.json: hidden_size 4096, num_hidden_layers 46 (first_k_dense_replace 1), num_attention_heads 96, num_key_value_heads 8, head_dim 128, 128 routed experts of moe_intermediate_size 1408 (8 per token, 1 shared), max_position_embeddings 131072; experts 128 × 3 × 4096 × 1408 × 45',
	},
	'qwen3-8b': {
		name: 'Qwen/Qwen3-8B',
		params: 8_190_735_360,
		bytesPerParam: 2,
		numLayers: 36,
		kvBytesPerToken: 147_456,
		maxModelLen: 40_960,
		hiddenSize: 4096,
		attention: {numHeads: 32, qkHeadDim: 128, vHeadDim: 128},
		source:
			'config.json: hidden_size 4096, intermediate_size 12288, num_hidden_layers 36, num_attention_heads 32, num_key_value_heads 8, head_dim 128, vocab_size 151936, tie_word_embeddings false, max_position_embeddings 40960 (model card: 32,768 native, 131,072 with YaRN)',
	},
	'gpt-oss-20b': {
		name: 'openai/gpt-oss-20b',
		params: 20_914_757_184,
		activeParams: 3_608_307_264,
		bytesPerParam: 0.6575,
		numLayers: 24,
		kvBytesPerToken: 49_152,
		maxModelLen: 131_072,
		hiddenSize: 2880,
		attention: {numHeads: 64, qkHeadDim: 64, vHeadDim: 64},
		moe: {numExperts: 32, expertsPerToken: 4, expertParams: 19_116_933_120},
		source:
			'config.json: hidden_size 2880, num_hidden_layers 24, num_attention_heads 64, num_key_value_heads 8, head_dim 64, 32 experts (intermediate_size 2880, top-4), vocab_size 201088, untied, max_position_embeddings 131072; params counted from those shapes with biases and attention sinks (model card: 21B total, 3.6B active = active without the input embedding); bytesPerParam: the 19.1B expert weights in MXFP4 at 4.25 bits (model card), the other 1.8B in bf16, 13.75 GB over 20.9B params; KV counts every layer although half use a 128-token sliding window',
	},
	'deepseek-v3': {
		name: 'deepseek-ai/DeepSeek-V3',
		...DEEPSEEK_V3_SHAPES,
		source:
			'model card: 671B total parameters, 37B activated per token, FP8 weights (the 685B checkpoint adds the 14B MTP module, priced as the draft); config.json: num_hidden_layers 61, kv_lora_rank 512, qk_rope_head_dim 64, max_position_embeddings 163840; KV is the MLA latent cache, (512 + 64) × 2 bytes × 61 layers',
	},
	'deepseek-r1': {
		name: 'deepseek-ai/DeepSeek-R1',
		...DEEPSEEK_V3_SHAPES,
		source: "DeepSeek-R1 config.json is DeepSeek-V3's (same shapes, FP8 weights): see deepseek-v3",
	},
	'deepseek-r1-nvfp4': {
		name: 'nvidia/DeepSeek-R1-0528-NVFP4',
		...DEEPSEEK_V3_SHAPES,
		bytesPerParam: 0.5625,
		source:
			'DeepSeek-V3 shapes (DeepSeek-R1 shares its config.json: 61 layers, kv_lora_rank 512, qk_rope_head_dim 64); NVFP4 stores 4-bit weights with one FP8 scale per 16, 4.5 bits = 0.5625 bytes per parameter (specsim prices every weight so; the checkpoint keeps attention and embeddings in higher precision)',
	},
	'minimax-m2.5': {
		name: 'MiniMaxAI/MiniMax-M2.5',
		params: 228_700_000_000,
		activeParams: 10_400_000_000,
		bytesPerParam: 1,
		numLayers: 62,
		kvBytesPerToken: 253_952,
		maxModelLen: 196_608,
		hiddenSize: 3072,
		attention: {numHeads: 48, qkHeadDim: 128, vHeadDim: 128},
		moe: {numExperts: 256, expertsPerToken: 8, expertParams: 224_680_476_672},
		source:
			'config.json (MiniMax-M2 architecture): hidden_size 3072, num_hidden_layers 62, num_attention_heads 48, num_key_value_heads 8, head_dim 128, 256 local experts of intermediate_size 1536, 8 per token, vocab_size 200064, untied, FP8 weights (block-quantized); params counted from those shapes: attention 2.73B + experts 224.7B + embeddings 1.23B (model card: 230B total, 10B active); KV 2 × 62 × 8 × 128 × 2 bytes',
	},
	'qwen3-next-80b-a3b': {
		name: 'Qwen/Qwen3-Next-80B-A3B-Instruct',
		params: 80e9,
		activeParams: 3e9,
		bytesPerParam: 2,
		numLayers: 48,
		kvBytesPerToken: 24_576,
		maxModelLen: 262_144,
		hiddenSize: 2048,
		attention: {numHeads: 4, qkHeadDim: 256, vHeadDim: 256},
		moe: {numExperts: 512, expertsPerToken: 10, expertParams: 77_309_411_328},
		source:
			'model card: 80B parameters in total and 3B activated, 48 layers laid out as 12 × (3 Gated DeltaNet + 1 Gated Attention), gated attention with 2 KV heads of head_dim 256, 512 experts (10 routed + 1 shared), 262,144 native context; KV counts only the 12 full-attention layers, 2 × 12 × 2 × 256 × 2 bytes (the DeltaNet state is per request, not per token)',
	},
	'vicuna-13b': {
		name: 'lmsys/vicuna-13b-v1.3',
		params: 13_015_864_320,
		bytesPerParam: 2,
		numLayers: 40,
		kvBytesPerToken: 819_200,
		maxModelLen: 2048,
		source:
			'config.json (LLaMA-13B shapes): hidden_size 5120, intermediate_size 13824, num_hidden_layers 40, num_attention_heads 40 (no GQA), head_dim 128, vocab_size 32000, untied embeddings, max_position_embeddings 2048, fp16',
	},
	't5-xxl': {
		name: 'google/t5-v1_1-xxl',
		params: 11e9,
		bytesPerParam: 2,
		numLayers: 24,
		kvBytesPerToken: 393_216,
		source:
			'Leviathan et al. 2023 (arXiv 2211.17192) Table 2 target "T5-XXL (11B)", bf16 on TPU; KV from T5 v1.1 XXL decoder shapes (24 decoder layers, 64 heads × d_kv 64), self-attention only. specsim prices the encoder-decoder as a decoder-only roofline over all 11B params, which overstates a step about 2× but cancels in Leviathan\'s cost ratio c',
	},
} as const satisfies Record<string, ModelCostSpec>;
