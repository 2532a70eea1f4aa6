import type {HardwareSpec} from './types.js';

const MIB = 2 ** 20;

/**
 * Built-in accelerators, one GPU each (spread for tensor parallelism: `{...BUILTIN_HARDWARE['h100-sxm'], gpus: 4}`).
 *
 * - `memoryBytesPerGpu` is the total device memory the driver reports (nvidia-smi's "Memory-Usage"
 *   total, or torch's `total_memory`), which is what vLLM's `gpu_memory_utilization` multiplies,
 *   not the marketing figure.
 * - `peakFlops` is the dense (no 2:4 sparsity) bf16 tensor-core rate; datasheets often print the
 *   sparse figure, twice as large.
 * - Efficiencies and interconnect overhead are left at the cost model's defaults.
 */
export const BUILTIN_HARDWARE = {
	'h100-sxm': {
		name: 'NVIDIA H100 SXM 80GB',
		gpus: 1,
		memoryBytesPerGpu: 81_559 * MIB,
		hbmBandwidthBytesPerS: 3.35e12,
		peakFlops: 989.5e12,
		source:
			'NVIDIA H100 datasheet (SXM5): 80 GB HBM3, 3.35 TB/s, BF16 tensor 1,979 TFLOPS with sparsity (989.5 dense); nvidia-smi reports 81559 MiB for "NVIDIA H100 80GB HBM3"',
	},
	'a100-80gb': {
		name: 'NVIDIA A100 SXM 80GB',
		gpus: 1,
		memoryBytesPerGpu: 85_056_798_720,
		hbmBandwidthBytesPerS: 2.039e12,
		peakFlops: 312e12,
		source:
			'NVIDIA A100 datasheet (80GB SXM): HBM2e 2,039 GB/s, BF16 tensor 312 TFLOPS dense (624 with sparsity); torch total_memory 85,056,798,720 bytes for "NVIDIA A100-SXM4-80GB"',
	},
	l40s: {
		name: 'NVIDIA L40S',
		gpus: 1,
		memoryBytesPerGpu: 46_068 * MIB,
		hbmBandwidthBytesPerS: 864e9,
		peakFlops: 362.05e12,
		source: 'NVIDIA L40S datasheet: 48 GB GDDR6, 864 GB/s, BF16 tensor 362.05 TFLOPS dense (733 with sparsity); nvidia-smi reports 46068 MiB',
	},
	'rtx-4090': {
		name: 'NVIDIA GeForce RTX 4090',
		gpus: 1,
		memoryBytesPerGpu: 24_564 * MIB,
		hbmBandwidthBytesPerS: 1008e9,
		peakFlops: 165.2e12,
		source:
			'NVIDIA Ada Lovelace architecture whitepaper (RTX 4090): 24 GB GDDR6X, 1,008 GB/s, BF16 tensor with FP32 accumulate 165.2 TFLOPS dense (330.4 with sparsity); nvidia-smi reports 24564 MiB',
	},
	h200: {
		name: 'NVIDIA H200 SXM 141GB',
		gpus: 1,
		memoryBytesPerGpu: 143_771 * MIB,
		hbmBandwidthBytesPerS: 4.8e12,
		peakFlops: 989.5e12,
		source:
			'NVIDIA H200 datasheet (SXM): 141 GB HBM3e, 4.8 TB/s, BF16 tensor 1,979 TFLOPS with sparsity (989.5 dense); nvidia-smi reports 143771 MiB for "NVIDIA H200"',
	},
	'tpu-v4': {
		name: 'Google Cloud TPU v4 (one chip)',
		gpus: 1,
		memoryBytesPerGpu: 32 * 1024 * MIB,
		hbmBandwidthBytesPerS: 1.2e12,
		peakFlops: 275e12,
		source:
			'Google Cloud TPU v4 documentation: 32 GiB HBM2 per chip, 1,200 GB/s, 275 TFLOPS peak bf16; Leviathan et al. 2023 Table 2 ran T5-XXL on a single TPU-v4',
	},
	b200: {
		name: 'NVIDIA B200 (HGX, 180 GB)',
		gpus: 1,
		memoryBytesPerGpu: 180e9,
		hbmBandwidthBytesPerS: 8e12,
		peakFlops: 2.25e15,
		source:
			'NVIDIA HGX B200 datasheet: 180 GB HBM3e and 8 TB/s per GPU, FP16/BF16 tensor 4.5 PFLOPS with sparsity (2.25 dense), FP8 9 PFLOPS sparse; memory is the datasheet figure (the driver reports slightly less)',
	},
	gb300: {
		name: 'NVIDIA GB300 (Blackwell Ultra, one GPU of an NVL72)',
		gpus: 1,
		memoryBytesPerGpu: 288e9,
		hbmBandwidthBytesPerS: 8e12,
		peakFlops: 2.5e15,
		source:
			'NVIDIA GB300 NVL72 datasheet, per GPU (rack figures / 72): 288 GB HBM3e, 8 TB/s, FP16/BF16 tensor 5 PFLOPS with sparsity (2.5 dense); memory is the datasheet figure',
	},
	mi355x: {
		name: 'AMD Instinct MI355X',
		gpus: 1,
		memoryBytesPerGpu: 288e9,
		hbmBandwidthBytesPerS: 8e12,
		peakFlops: 2.5166e15,
		source:
			'AMD Instinct MI355X data sheet: 288 GB HBM3E, 8 TB/s peak bandwidth, FP16/BF16 matrix 2.5 PFLOPS dense (5.0 with sparsity); memory is the datasheet figure',
	},
} as const satisfies Record<string, HardwareSpec>;
