/**
 * Multipliers on conditional acceptance: workload class, sampling temperature and the global
 * scale (the dashboard's up/down keys). They multiply the spec's conditional rates, and the
 * product is clamped to [0, 1]:
 *
 *     c_i(class, T) = min(1, c_i · scale · classFactors[class] · temperatureFactor(T))
 *
 * Temperature is bucketed so tables can be cached: buckets are {@link TEMPERATURE_STEP} wide
 * from 0 to {@link MAX_TEMPERATURE} (a request's temperature is rounded to the nearest bucket and
 * temperatures above the maximum use the last one). With sensitivity 0 there is a single bucket.
 */

/** Width of a temperature bucket. */
export const TEMPERATURE_STEP = 0.05;
/** Temperatures above this share the last bucket. */
export const MAX_TEMPERATURE = 2;
/** Number of temperature buckets when the temperature effect is on. */
export const TEMPERATURE_BUCKETS = Math.round(MAX_TEMPERATURE / TEMPERATURE_STEP) + 1;

/**
 * The temperature effect on conditional acceptance: `max(0, 1 − sensitivity · T)`. Greedy
 * requests (T = 0) keep the stated rates; sampled ones accept less (Leviathan Table 2: alpha
 * falls from T = 0 to T = 1). Sensitivity 0 disables the effect.
 *
 * @example temperatureFactor(1, 0.15) // 0.85
 */
export function temperatureFactor(temperature: number, sensitivity: number): number {
	return Math.max(0, 1 - sensitivity * temperature);
}

/** Throw unless `temperature` is a finite number >= 0. */
export function checkTemperature(temperature: number): void {
	if (!(temperature >= 0 && Number.isFinite(temperature))) {
		throw new RangeError(`temperature must be a finite number >= 0, got ${temperature}`);
	}
}

/** The bucket of a temperature among `numBuckets` (1 when the effect is off). */
export function temperatureBucket(temperature: number, numBuckets: number): number {
	if (numBuckets === 1) return 0;
	return Math.min(numBuckets - 1, Math.round(temperature / TEMPERATURE_STEP));
}

/** Throw unless every class factor is a finite number >= 0; returns the class count. */
export function validateClassFactors(classFactors: readonly number[]): number {
	if (classFactors.length === 0) throw new RangeError('classFactors must not be empty');
	for (let i = 0; i < classFactors.length; i++) {
		const f = classFactors[i]!;
		if (!(f >= 0 && Number.isFinite(f))) throw new RangeError(`classFactors[${i}] must be a finite number >= 0, got ${f}`);
	}
	return classFactors.length;
}

/** Throw unless `value` is a finite number >= 0 (a sensitivity or a scale factor). */
export function checkNonNegative(value: number, field: string): void {
	if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`${field} must be a finite number >= 0, got ${value}`);
}
