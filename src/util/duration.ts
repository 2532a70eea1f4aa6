const UNITS: Readonly<Record<string, number>> = {ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400};

/**
 * Parse a duration such as `90s`, `10m`, `1h`, `1h30m`, `250ms` or a bare number of seconds into
 * seconds.
 *
 * @throws RangeError naming the text when it is not a positive duration.
 */
export function parseDuration(text: string): number {
	const trimmed = text.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return positive(Number(trimmed), text);
	const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
	if (parts.length === 0 || parts.map(p => p[0]).join('') !== trimmed) {
		throw new RangeError(`invalid duration "${text}" (expected e.g. 90s, 10m, 1h, 1h30m)`);
	}
	return positive(
		parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0),
		text,
	);
}

function positive(seconds: number, text: string): number {
	if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`invalid duration "${text}" (must be positive)`);
	return seconds;
}

/** `3725` -> `1h02m05s`; sub-minute values keep one decimal (`12.5s`). */
export function formatDuration(seconds: number): string {
	if (seconds < 60) return `${seconds.toFixed(1)}s`;
	const total = Math.floor(seconds);
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const two = (n: number): string => String(n).padStart(2, '0');
	return h > 0 ? `${h}h${two(m)}m${two(s)}s` : `${m}m${two(s)}s`;
}
