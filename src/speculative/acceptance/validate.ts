/**
 * Input validation shared by the acceptance code. Every check throws a `RangeError` that names
 * the field, the index and the offending value, so a preset error points at the exact entry.
 */

/** Throw unless `value` is a finite number in [0, 1]. */
export function checkProbability(value: number, field: string): void {
	if (!(value >= 0 && value <= 1)) {
		throw new RangeError(`${field} must be a number in [0, 1], got ${value}`);
	}
}

/** Throw unless `k` is a non-negative integer (a draft length or `num_speculative_tokens`). */
export function checkDraftLength(k: number, field = 'k'): void {
	if (!Number.isInteger(k) || k < 0) {
		throw new RangeError(`${field} must be a non-negative integer, got ${k}`);
	}
}

/** Throw unless every entry of `rates` is in [0, 1]. */
export function checkConditionalRates(rates: ArrayLike<number>, field = 'rates'): void {
	for (let i = 0; i < rates.length; i++) checkProbability(rates[i]!, `${field}[${i}]`);
}

/**
 * Throw unless `rates` are valid *unconditional* per-position rates: each in [0, 1] and
 * non-increasing (vLLM: "must ... be monotonically non-increasing"), since position i can only be
 * accepted if position i-1 was.
 */
export function checkUnconditionalRates(rates: ArrayLike<number>, field = 'rates'): void {
	checkConditionalRates(rates, field);
	for (let i = 1; i < rates.length; i++) {
		if (rates[i]! > rates[i - 1]!) {
			throw new RangeError(
				`${field}[${i}]=${rates[i]} exceeds ${field}[${i - 1}]=${rates[i - 1]}: unconditional acceptance rates must be non-increasing`,
			);
		}
	}
}
