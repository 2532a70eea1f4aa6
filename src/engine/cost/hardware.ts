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
 * - `interconnectBytesPerS` is the one-direction per-GPU bandwidth of the fastest GPU-to-GPU link
 *   (NVLink, Infinity Fabric, else PCIe); datasheets print the bidirectional sum.
 * - Efficiencies and all-reduce latency (8 µs on NVLink/Infinity Fabric, 25 µs over PCIe) are
 *   specsim assumptions: calibrate per deployment. A forward pass combines its memory and compute
 *   times as a quadratic mean, which follows measured GEMMs through the ridge point
 *   (docs/validation.md, "GEMM time through the ridge").
 */
export const BUILTIN_HARDWARE = {
	'h100-sxm': {
		name: 'NVIDIA H100 SXM 80GB',
		gpus: 1,
		memoryBytesPerGpu: 81_559 * MIB,
		hbmBandwidthBytesPerS: 3.35e12,
		peakFlops: 989.5e12,
		interconnectBytesPerS: 450e9,
		source:
			'NVIDIA H100 datasheet (SXM5): 80 GB HBM3, 3.35 TB/s, BF16 tensor 1,979 TFLOPS with sparsity (989.5 dense); nvidia-smi reports 81559 MiB for "NVIDIA H100 80GB HBM3"',
	},
	'a100-80gb': {
		name: 'NVIDIA A100 SXM 80GB',
		gpus: 1,
		memoryBytesPerGpu: 85_056_798_720,
		hbmBandwidthBytesPerS: 2.039e12,
		peakFlops: 312e12,
		interconnectBytesPerS: 300e9,
		source:
			'NVIDIA A100 datasheet (80GB SXM): HBM2e 2,039 GB/s, BF16 tensor 312 TFLOPS dense (624 with sparsity); torch total_memory 85,056,798,720 bytes for "NVIDIA A100-SXM4-80GB"',
	},
	l40s: {
		name: 'NVIDIA L40S',
		gpus: 1,
		memoryBytesPerGpu: 46_068 * MIB,
		hbmBandwidthBytesPerS: 864e9,
		peakFlops: 362.05e12,
		interconnectBytesPerS: 32e9,
		allReduceLatencyS: 25e-6,
		source: 'NVIDIA L40S datasheet: 48 GB GDDR6, 864 GB/s, BF16 tensor 362.05 TFLOPS dense (733 with sparsity); nvidia-smi reports 46068 MiB',
	},
	'rtx-4090': {
		name: 'NVIDIA GeForce RTX 4090',
		gpus: 1,
		memoryBytesPerGpu: 24_564 * MIB,
		hbmBandwidthBytesPerS: 1008e9,
		peakFlops: 165.2e12,
		interconnectBytesPerS: 32e9,
		allReduceLatencyS: 25e-6,
		source:
			'NVIDIA Ada Lovelace architecture whitepaper (RTX 4090): 24 GB GDDR6X, 1,008 GB/s, BF16 tensor with FP32 accumulate 165.2 TFLOPS dense (330.4 with sparsity); nvidia-smi reports 24564 MiB',
	},
	h200: {
		name: 'NVIDIA H200 SXM 141GB',
		gpus: 1,
		memoryBytesPerGpu: 143_771 * MIB,
		hbmBandwidthBytesPerS: 4.8e12,
		peakFlops: 989.5e12,
		interconnectBytesPerS: 450e9,
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
	'h100-pcie': {
		name: 'NVIDIA H100 PCIe 80GB',
		gpus: 1,
		memoryBytesPerGpu: 81_559 * MIB,
		hbmBandwidthBytesPerS: 2e12,
		peakFlops: 756e12,
		interconnectBytesPerS: 64e9,
		allReduceLatencyS: 25e-6,
		source:
			'NVIDIA H100 datasheet (PCIe): 80 GB HBM2e, 2.0 TB/s, BF16 tensor 1,513 TFLOPS with sparsity (756 dense), PCIe Gen5 x16 128 GB/s (64 GB/s each way; an NVLink bridge pairs two cards at 600 GB/s); all-reduce latency over PCIe a specsim assumption',
	},
	'a100-40gb': {
		name: 'NVIDIA A100 SXM 40GB',
		gpus: 1,
		memoryBytesPerGpu: 40_536 * MIB,
		hbmBandwidthBytesPerS: 1.555e12,
		peakFlops: 312e12,
		interconnectBytesPerS: 300e9,
		source:
			'NVIDIA A100 datasheet (40GB SXM): HBM2 1,555 GB/s, BF16 tensor 312 TFLOPS dense (624 with sparsity), NVLink 600 GB/s (300 each way); nvidia-smi reports 40536 MiB for "NVIDIA A100-SXM4-40GB"',
	},
	l4: {
		name: 'NVIDIA L4',
		gpus: 1,
		memoryBytesPerGpu: 23_034 * MIB,
		hbmBandwidthBytesPerS: 300e9,
		peakFlops: 121e12,
		interconnectBytesPerS: 32e9,
		allReduceLatencyS: 25e-6,
		source:
			'NVIDIA L4 datasheet: 24 GB GDDR6, 300 GB/s, BF16 tensor 242 TFLOPS with sparsity (121 dense), PCIe Gen4 x16 64 GB/s (32 each way); nvidia-smi reports 23034 MiB',
	},
	mi300x: {
		name: 'AMD Instinct MI300X',
		gpus: 1,
		memoryBytesPerGpu: 192e9,
		hbmBandwidthBytesPerS: 5.3e12,
		peakFlops: 1307.4e12,
		interconnectBytesPerS: 448e9,
		source:
			'AMD Instinct MI300X data sheet: 192 GB HBM3, 5.3 TB/s, FP16/BF16 matrix 1,307.4 TFLOPS dense (2,614.9 with sparsity), Infinity Fabric 896 GB/s aggregate peer bandwidth (448 each way); memory is the datasheet figure',
	},
	gb200: {
		name: 'NVIDIA GB200 (Blackwell, one GPU of an NVL72)',
		gpus: 1,
		memoryBytesPerGpu: 186e9,
		hbmBandwidthBytesPerS: 8e12,
		peakFlops: 2.5e15,
		interconnectBytesPerS: 900e9,
		source:
			'NVIDIA GB200 NVL72 datasheet, per GPU (rack figures / 72): 186 GB HBM3e (13.4 TB), 8 TB/s (576 TB/s), FP16/BF16 tensor 5 PFLOPS with sparsity (2.5 dense; 360 PFLOPS rack), NVLink 5 1.8 TB/s (900 GB/s each way); memory is the datasheet figure',
	},
	b200: {
		name: 'NVIDIA B200 (HGX, 180 GB)',
		gpus: 1,
		memoryBytesPerGpu: 180e9,
		hbmBandwidthBytesPerS: 8e12,
		peakFlops: 2.25e15,
		interconnectBytesPerS: 900e9,
		source:
			'NVIDIA HGX B200 datasheet: 180 GB HBM3e and 8 TB/s per GPU, FP16/BF16 tensor 4.5 PFLOPS with sparsity (2.25 dense), FP8 9 PFLOPS sparse; memory is the datasheet figure (the driver reports slightly less)',
	},
	gb300: {
		name: 'NVIDIA GB300 (Blackwell Ultra, one GPU of an NVL72)',
		gpus: 1,
		memoryBytesPerGpu: 288e9,
		hbmBandwidthBytesPerS: 8e12,
		peakFlops: 2.5e15,
		interconnectBytesPerS: 900e9,
		source:
			'NVIDIA GB300 NVL72 datasheet, per GPU (rack figures / 72): 288 GB HBM3e, 8 TB/s, FP16/BF16 tensor 5 PFLOPS with sparsity (2.5 dense); memory is the datasheet figure',
	},
	mi355x: {
		name: 'AMD Instinct MI355X',
		gpus: 1,
		memoryBytesPerGpu: 288e9,
		hbmBandwidthBytesPerS: 8e12,
		peakFlops: 2.5166e15,
		interconnectBytesPerS: 537.6e9,
		source:
			'AMD Instinct MI355X data sheet: 288 GB HBM3E, 8 TB/s peak bandwidth, FP16/BF16 matrix 2.5 PFLOPS dense (5.0 with sparsity); memory is the datasheet figure',
	},
} as const satisfies Record<string, HardwareSpec>;
