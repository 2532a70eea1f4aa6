import type {ModelCostSpec} from './types.js';

/**
 * Built-in target models (bf16 weights and KV).
 *
 * `params` is counted from the Hugging Face `config.json` shapes (it matches the safetensors
 * totals): per layer `2·h² (q, o) + 2·h·kv·d (k, v) + 3·h·i (gated MLP) + norms`, plus input
 * embeddings and the untied LM head (`2·vocab·h`) and the final norm; Qwen3 adds per-head q/k norms.
 * `kvBytesPerToken = 2 × num_hidden_layers × num_key_value_heads × head_dim × 2 bytes`.
 */
export const BUILTIN_MODELS = {
	'llama-3.1-8b': {
		name: 'meta-llama/Llama-3.1-8B-Instruct',
		params: 8_030_261_248,
		bytesPerParam: 2,
		numLayers: 32,
		kvBytesPerToken: 131_072,
		maxModelLen: 131_072,
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
		source:
			'config.json: hidden_size 8192, intermediate_size 28672, num_hidden_layers 80, num_attention_heads 64, num_key_value_heads 8, head_dim 128, vocab_size 128256, untied embeddings, max_position_embeddings 131072',
	},
	'qwen3-8b': {
		name: 'Qwen/Qwen3-8B',
		params: 8_190_735_360,
		bytesPerParam: 2,
		numLayers: 36,
		kvBytesPerToken: 147_456,
		maxModelLen: 40_960,
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
		source:
			'config.json: hidden_size 2880, num_hidden_layers 24, num_attention_heads 64, num_key_value_heads 8, head_dim 64, 32 experts (intermediate_size 2880, top-4), vocab_size 201088, untied, max_position_embeddings 131072; params counted from those shapes with biases and attention sinks (model card: 21B total, 3.6B active = active without the input embedding); bytesPerParam: the 19.1B expert weights in MXFP4 at 4.25 bits (model card), the other 1.8B in bf16, 13.75 GB over 20.9B params; KV counts every layer although half use a 128-token sliding window',
	},
	'deepseek-v3': {
		name: 'deepseek-ai/DeepSeek-V3',
		params: 671e9,
		activeParams: 37e9,
		bytesPerParam: 1,
		numLayers: 61,
		kvBytesPerToken: 70_272,
		maxModelLen: 163_840,
		source:
			'model card: 671B total parameters, 37B activated per token, FP8 weights (the 685B checkpoint adds the 14B MTP module, priced as the draft); config.json: num_hidden_layers 61, kv_lora_rank 512, qk_rope_head_dim 64, max_position_embeddings 163840; KV is the MLA latent cache, (512 + 64) × 2 bytes × 61 layers',
	},
	'deepseek-r1-nvfp4': {
		name: 'nvidia/DeepSeek-R1-0528-NVFP4',
		params: 671e9,
		activeParams: 37e9,
		bytesPerParam: 0.5625,
		numLayers: 61,
		kvBytesPerToken: 70_272,
		maxModelLen: 163_840,
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
