import type {SimConfig} from '../config/schema.js';
import {formatPythonRepr} from '../util/py-format.js';

/**
 * `CacheConfig.metrics_info()` of the newest vLLM (`vllm/config/cache.py`): `str(value)` of every
 * attribute of the config, in declaration order, as vLLM exposes them in the labels of
 * `vllm:cache_config_info` (it appends `engine`). Values come from the simulated configuration
 * where specsim has them (block size, memory utilisation, blocks, prefix caching) and are vLLM's
 * defaults (for a plain attention model on the default dtype) otherwise. Python's `str`: `True`,
 * `None`, `[]`, floats as `repr` (`0.9`).
 */
export function cacheConfigInfo(config: SimConfig, numGpuBlocks: number): Record<string, string> {
	const s = config.scheduler;
	const py = (v: boolean | number | undefined): string =>
		v === undefined ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : Number.isInteger(v) ? String(v) : formatPythonRepr(v);
	return {
		block_size: py(s.blockSize),
		user_specified_block_size: py(s.blockSize !== 16),
		user_specified_mamba_block_size: 'False',
		kv_cache_layout: 'None',
		prefix_match_unit: 'None',
		gpu_memory_utilization: formatPythonRepr(s.gpuMemoryUtilization),
		cache_dtype: 'auto',
		is_attention_free: 'False',
		num_gpu_blocks_override: py(s.numKvBlocks),
		sliding_window: 'None',
		enable_prefix_caching: py(s.enablePrefixCaching),
		prefix_caching_hash_algo: 'sha256',
		attn_group_size: 'None',
		prefix_cache_retention_interval: '0',
		kv_cache_dtype_skip_layers: '[]',
		mamba_page_size_padded: 'None',
		skip_page_size_padded: 'None',
		mamba_block_size: 'None',
		mamba_cache_dtype: 'auto',
		mamba_ssm_cache_dtype: 'auto',
		mamba_cache_mode: 'none',
		enable_mamba_fine_grained_prefix_cache: 'False',
		replayssm_buffer_len: '16',
		use_replayssm: 'False',
		use_kda_recoverssm: 'False',
		num_gpu_blocks: py(numGpuBlocks),
		num_cpu_blocks: 'None',
		effective_attention_block_size: py(s.blockSize),
		kv_cache_size_tokens: py(numGpuBlocks * s.blockSize),
		kv_cache_max_concurrency: formatPythonRepr((numGpuBlocks * s.blockSize) / s.maxModelLen),
		kv_sharing_fast_prefill: 'False',
		kv_cache_memory_bytes: 'None',
		kv_offloading_size: 'None',
		kv_offloading_backend: 'native',
		_block_size_resolved: 'True',
	};
}
