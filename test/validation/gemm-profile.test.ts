import {describe, expect, it} from 'vitest';
import {BUILTIN_HARDWARE, createCostModel, type HardwareSpec, type ModelCostSpec} from '../../src/engine/cost-model.js';

/**
 * The roofline's pass time against measured GEMM times (calibration of its shape, not validation
 * of speedups): vidur's per-operator profiles of one decoder layer, the sum of the median times of
 * its four GEMMs (QKV, output projection, gate/up, down) in milliseconds by number of tokens, on
 * one GPU. Provenance and the full comparison: docs/validation.md ("GEMM time through the ridge").
 */
const PROFILES = [
	{
		name: 'Llama-2-7B layer on H100 SXM',
		hardware: BUILTIN_HARDWARE['h100-sxm'],
		// QKV 3·4096² + output 4096² + gated MLP 3·4096·11008.
		params: 4 * 4096 * 4096 + 3 * 4096 * 11_008,
		ms: {
			1: 0.156,
			64: 0.162,
			96: 0.204,
			128: 0.18,
			160: 0.2055,
			192: 0.2055,
			224: 0.257,
			256: 0.26,
			320: 0.264,
			384: 0.304,
			448: 0.3475,
			512: 0.3285,
			4096: 2.205,
		},
	},
	{
		name: 'Llama-3-8B layer on A100 SXM 80GB',
		hardware: BUILTIN_HARDWARE['a100-80gb'],
		// QKV 4096·(4096 + 2·1024) + output 4096² + gated MLP 3·4096·14336.
		params: 4096 * (4096 + 2 * 1024) + 4096 * 4096 + 3 * 4096 * 14_336,
		ms: {
			1: 0.276,
			64: 0.324,
			96: 0.362,
			128: 0.377,
			160: 0.5095,
			192: 0.486,
			224: 0.543,
			256: 0.554,
			320: 0.7875,
			384: 0.797,
			448: 1.011,
			512: 0.994,
			4096: 7.817,
		},
	},
] as const;

describe('pass time through the ridge point, against measured GEMM times', () => {
	for (const profile of PROFILES) {
		it(`${profile.name}: the quadratic mean of memory and compute time follows the measurements, the maximum does not`, () => {
			const ms: Readonly<Record<number, number>> = profile.ms;
			const bytes = profile.params * 2;
			// Efficiencies from the two ends only: one token is pure weight streaming, 4096 tokens pure FLOPs.
			const bandwidthEfficiency = bytes / profile.hardware.hbmBandwidthBytesPerS / (ms[1]! / 1e3);
			const flopsEfficiency = (4096 * 2 * profile.params) / profile.hardware.peakFlops / (ms[4096]! / 1e3);
			expect(bandwidthEfficiency).toBeGreaterThan(0.7);
			expect(flopsEfficiency).toBeGreaterThan(0.7);
			const hardware: HardwareSpec = {...profile.hardware, bandwidthEfficiency, flopsEfficiency};
			const layer: ModelCostSpec = {name: profile.name, params: profile.params, bytesPerParam: 2, numLayers: 1, kvBytesPerToken: 1};
			const cost = createCostModel({model: layer, hardware});
			const passMs = (tokens: number): number =>
				1e3 *
				cost.breakdown({
					numPrefillTokens: tokens,
					numDecodeRequests: 0,
					numScheduledSpecTokens: 0,
					numDraftingRequests: 0,
					draftLength: 0,
					contextTokens: 0,
				}).targetS;
			const maxMs = (tokens: number): number =>
				1e3 *
				Math.max(
					bytes / (profile.hardware.hbmBandwidthBytesPerS * bandwidthEfficiency),
					(tokens * 2 * profile.params) / (profile.hardware.peakFlops * flopsEfficiency),
				);
			// The ridge region, where verification batches of B·(k + 1) tokens land.
			const ridge = Object.keys(ms)
				.map(Number)
				.filter(t => t >= 64 && t <= 512);
			const meanAbsError = (model: (t: number) => number): number =>
				ridge.reduce((sum, t) => sum + Math.abs(model(t) / ms[t]! - 1), 0) / ridge.length;
			expect(meanAbsError(passMs)).toBeLessThan(0.13);
			expect(meanAbsError(maxMs)).toBeGreaterThan(0.18);
			// max() is optimistic at every ridge point; the quadratic mean is never off by more than 25%.
			for (const t of ridge) {
				expect(maxMs(t)).toBeLessThan(ms[t]!);
				expect(Math.abs(passMs(t) / ms[t]! - 1)).toBeLessThan(0.25);
			}
		});
	}
});
