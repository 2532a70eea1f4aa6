import type {RunSummary} from '../sim/summary.js';

/**
 * Significant digits of the numbers in `summary.json` and `run --json`. The closed forms behind
 * `expected` carry float noise in the 15th digit (0.7296 computes as 0.7296000000000049); twelve
 * digits drop the noise and keep every real difference. Integers and the configuration (the user's
 * own values) are printed exactly.
 */
export const SUMMARY_SIGNIFICANT_DIGITS = 12;

/** A run summary as pretty-printed JSON with its numbers rounded at this output edge, not in the core. */
export function formatSummaryJson(summary: RunSummary): string {
	return `${JSON.stringify({...roundNumbers(summary), config: summary.config}, null, 2)}\n`;
}

/** Every number in `value` (recursively) at {@link SUMMARY_SIGNIFICANT_DIGITS}; integers exactly. Also `sweep --json`/`--csv`. */
export function roundNumbers<T>(value: T): T {
	if (typeof value === 'number')
		return (Number.isInteger(value) || !Number.isFinite(value) ? value : Number(value.toPrecision(SUMMARY_SIGNIFICANT_DIGITS))) as T;
	if (Array.isArray(value)) return value.map(roundNumbers) as T;
	if (value !== null && typeof value === 'object')
		return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, roundNumbers(item)])) as T;
	return value;
}
