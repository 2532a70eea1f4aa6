import {MAX_DURATION_S} from './limits.js';

const UNITS: Readonly<Record<string, number>> = {ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400};
const EXAMPLES = 'expected e.g. 90s, 10m, 1h, 1h30m';

/**
 * Parse a duration such as `90s`, `10m`, `1h`, `1h30m`, `250ms` or a bare number of seconds into
 * seconds. Each unit appears at most once, largest first (`1h30m`, not `1h1h` or `30m1h`).
 *
 * @throws RangeError naming the text when it is not a positive duration of at most
 * {@link MAX_DURATION_S} (30 days: the work of a run stays bounded).
 */
export function parseDuration(text: string): number {
	const trimmed = text.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return positive(Number(trimmed), text);
	const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
	if (parts.length === 0 || parts.map(p => p[0]).join('') !== trimmed) {
		throw new RangeError(`invalid duration "${text}" (${EXAMPLES})`);
	}
	// Each unit once, largest first: `1h1h` or `30m1h` is a typo more likely than a sum.
	for (let i = 1; i < parts.length; i++) {
		const unit = parts[i]![2]!;
		if (parts.slice(0, i).some(p => p[2] === unit)) throw new RangeError(`invalid duration "${text}" (unit ${unit} repeated; ${EXAMPLES})`);
		if (UNITS[unit]! > UNITS[parts[i - 1]![2]!]!)
			throw new RangeError(`invalid duration "${text}" (units go from the largest to the smallest; ${EXAMPLES})`);
	}
	return positive(
		parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0),
		text,
	);
}

function positive(seconds: number, text: string): number {
	if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`invalid duration "${text}" (must be positive)`);
	if (seconds > MAX_DURATION_S) throw new RangeError(`invalid duration "${text}" (at most ${MAX_DURATION_S / 86_400}d)`);
	return seconds;
}
