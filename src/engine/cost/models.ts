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
} as const satisfies Record<string, ModelCostSpec>;

export type BuiltinModelName = keyof typeof BUILTIN_MODELS;
