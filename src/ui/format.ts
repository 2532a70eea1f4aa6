/**
 * Pure formatting for the dashboard: numbers in, fixed-width strings out. Every function maps a
 * missing value (NaN, undefined) to an em dash, so a panel never shows `NaN`.
 */
import type {Speed} from '../runtime/live-session.js';

/** What a panel prints for a value that does not exist yet (no drafts, no interval). */
export const MISSING = '—';

const isNumber = (x: number | undefined | null): x is number => typeof x === 'number' && Number.isFinite(x);

/** `0.5342` → `53.4%` (vLLM's log line prints percentages with one decimal). */
export function formatPercent(fraction: number | undefined, digits = 1): string {
	return isNumber(fraction) ? `${(fraction * 100).toFixed(digits)}%` : MISSING;
}

/** A fixed number of decimals: `2.6049` → `2.60`. */
export function formatFixed(x: number | undefined, digits = 2): string {
	return isNumber(x) ? x.toFixed(digits) : MISSING;
}

/** A rate per second: one decimal below 100, whole numbers above (`288.1`, `1234`). */
export function formatRate(x: number | undefined): string {
	if (!isNumber(x)) return MISSING;
	return Math.abs(x) < 100 ? x.toFixed(1) : String(Math.round(x));
}

/** An integer count with thousands separators: `12345` → `12,345`. */
export function formatCount(n: number | undefined): string {
	if (!isNumber(n)) return MISSING;
	return Math.round(n).toLocaleString('en-US');
}

/** Virtual seconds as `HH:MM:SS`. */
export function formatClock(seconds: number): string {
	const total = Math.max(0, Math.floor(seconds));
	const two = (n: number): string => String(n).padStart(2, '0');
	return `${two(Math.floor(total / 3600))}:${two(Math.floor((total % 3600) / 60))}:${two(total % 60)}`;
}

/** `1` → `1×`, `0.25` → `0.25×`, `'max'` → `max`. */
export function formatSpeed(speed: Speed): string {
	return speed === 'max' ? 'max' : `${speed}×`;
}

/** Seconds as milliseconds: `0.0123` → `12.3 ms`, `0.25` → `250 ms`. */
export function formatLatency(seconds: number | undefined): string {
	if (!isNumber(seconds)) return MISSING;
	const ms = seconds * 1000;
	return ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A multiplier: `1.953` → `×1.95`. */
export function formatFactor(x: number | undefined): string {
	return isNumber(x) ? `×${x.toFixed(2)}` : MISSING;
}

const SPARK = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as a sparkline scaled between their own minimum and maximum (a flat
 * series sits at mid height); missing values are blanks. Right-aligned: newest at the right edge.
 *
 * @example sparkline([1, 2, 3, 4], 6) === '  ▁▃▆█'
 */
export function sparkline(values: readonly number[], width: number): string {
	if (width <= 0) return '';
	const shown = values.slice(Math.max(0, values.length - width));
	let min = Number.POSITIVE_INFINITY;
	let max = Number.NEGATIVE_INFINITY;
	for (const v of shown) {
		if (!isNumber(v)) continue;
		if (v < min) min = v;
		if (v > max) max = v;
	}
	const top = SPARK.length - 1;
	let out = '';
	for (const v of shown) {
		if (!isNumber(v)) out += ' ';
		else if (max - min <= 1e-12) out += SPARK[top >> 1];
		else out += SPARK[Math.round(((v - min) / (max - min)) * top)];
	}
	return out.padStart(width, ' ');
}

/**
 * A horizontal bar of `width` cells for a 0..1 value, with `│` at the expected value when one is
 * given (the cell where the bar would end if the model held exactly).
 *
 * @example bar(0.5, 10, 0.7) === '█████░░│░░'
 */
export function bar(value: number | undefined, width: number, expected?: number): string {
	if (width <= 0) return '';
	const filled = isNumber(value) ? Math.round(clamp01(value) * width) : 0;
	const cells: string[] = [];
	for (let i = 0; i < width; i++) cells.push(i < filled ? '█' : '░');
	if (isNumber(expected)) cells[Math.min(width - 1, Math.round(clamp01(expected) * width))] = '│';
	return cells.join('');
}

/** Pad or cut to exactly `width` characters. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) return '';
	if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
	return align === 'left' ? text.padEnd(width, ' ') : text.padStart(width, ' ');
}

function clamp01(x: number): number {
	return Math.min(Math.max(x, 0), 1);
}

/**
 * The cumulative column's heading: `since start` until k changes live, then `since k=N` (the
 * column then sums only the steps drafted at the current k, to compare with the model at that k).
 */
export function cumulativeLabel(kChange: {readonly toK: number} | undefined): string {
	return kChange === undefined ? 'since start' : `since k=${kChange.toK}`;
}

/**
 * The virtual seconds the last-interval column covers, for its label: the log interval, or the
 * shorter span of the first interval after `r` reset the counters between two log ticks (what the
 * next log line then covers too), to a tenth of a second.
 */
export function intervalSeconds(durationS: number, logIntervalS: number): number {
	if (Math.abs(durationS - logIntervalS) < 1e-6) return logIntervalS;
	return Math.round(durationS * 10) / 10;
}

/**
 * A note on the last log interval when its drafts were not all at the current k (it spans a live
 * change, as its log line does), e.g. `last 10s: drafts at k=3 and k=2`; undefined otherwise.
 */
export function mixedIntervalNote(intervalKs: readonly number[], k: number, logIntervalS: number): string | undefined {
	if (intervalKs.every(x => x === k)) return undefined;
	const ks = intervalKs.map(x => `k=${x}`);
	const list = ks.length === 1 ? ks[0]! : `${ks.slice(0, -1).join(', ')} and ${ks.at(-1)!}`;
	return `last ${logIntervalS}s: drafts at ${list}${intervalKs.includes(k) ? '' : ` (now k=${k})`}`;
}
