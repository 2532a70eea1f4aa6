import type {HardwareSpec, ModelCostSpec} from './types.js';

/** @throws RangeError naming `model.<field>` and the bad value. */
export function validateModel(m: ModelCostSpec): void {
	requirePositive(m.params, 'model.params');
	if (m.activeParams !== undefined && !(m.activeParams > 0 && m.activeParams <= m.params)) {
		throw new RangeError(`model.activeParams must be in (0, params=${m.params}], got ${m.activeParams}`);
	}
	requirePositive(m.bytesPerParam, 'model.bytesPerParam');
	if (!(Number.isInteger(m.numLayers) && m.numLayers >= 1)) throw new RangeError(`model.numLayers must be a positive integer, got ${m.numLayers}`);
	requirePositive(m.kvBytesPerToken, 'model.kvBytesPerToken');
	if (m.maxModelLen !== undefined && !(Number.isInteger(m.maxModelLen) && m.maxModelLen >= 1)) {
		throw new RangeError(`model.maxModelLen must be a positive integer, got ${m.maxModelLen}`);
	}
}

/** @throws RangeError naming `hardware.<field>` and the bad value. */
export function validateHardware(h: HardwareSpec): void {
	if (!(Number.isInteger(h.gpus) && h.gpus >= 1)) throw new RangeError(`hardware.gpus must be a positive integer, got ${h.gpus}`);
	requirePositive(h.memoryBytesPerGpu, 'hardware.memoryBytesPerGpu');
	requirePositive(h.hbmBandwidthBytesPerS, 'hardware.hbmBandwidthBytesPerS');
	requirePositive(h.peakFlops, 'hardware.peakFlops');
	for (const [field, value] of [
		['bandwidthEfficiency', h.bandwidthEfficiency],
		['flopsEfficiency', h.flopsEfficiency],
	] as const) {
		if (value !== undefined && !(value > 0 && value <= 1)) throw new RangeError(`hardware.${field} must be in (0, 1], got ${value}`);
	}
	requireNonNegative(h.interconnectOverheadS ?? 0, 'hardware.interconnectOverheadS');
}

export function requirePositive(value: number, field: string): void {
	if (!(value > 0 && value < Number.POSITIVE_INFINITY)) throw new RangeError(`${field} must be a positive finite number, got ${value}`);
}

export function requireNonNegative(value: number, field: string): void {
	if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) throw new RangeError(`${field} must be a finite number >= 0, got ${value}`);
}

export function requirePositiveInteger(value: number, field: string): void {
	if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`${field} must be a positive integer, got ${value}`);
}
