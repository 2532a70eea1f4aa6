/** Number and table formatting shared by the explanation sections. */

/** One section of the explanation. */
export type ExplainSection = {
	/** Stable identifier (`draft`, `per-position`, ...), for the dashboard's panel. */
	readonly id: string;
	readonly title: string;
	/** Plain text, lines separated by `\n`, no trailing newline. */
	readonly body: string;
};

/** Fixed decimals. */
export function fixed(x: number, digits = 3): string {
	return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/** A fraction as a percentage with one decimal (vLLM's log convention). */
export function percent(x: number, digits = 1): string {
	return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : 'nan%';
}

/** An integer count with thousands separators (`12,345`). */
export function count(x: number): string {
	if (!Number.isFinite(x)) return String(x);
	const rounded = Math.round(x);
	return rounded.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Right-aligned columns (the first left-aligned), two spaces apart. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
	const widths = rows[0]!.map((_, c) => Math.max(...rows.map(row => (row[c] ?? '').length)));
	return rows
		.map(row =>
			row
				.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
				.join('  ')
				.trimEnd(),
		)
		.join('\n');
}

/** A bar of `#` proportional to a fraction (width characters for 1). */
export function bar(fraction: number, width = 30): string {
	return '#'.repeat(Math.max(0, Math.round(Math.min(1, Math.max(0, fraction)) * width)));
}

/** Join lines into a section body. */
export function lines(...parts: ReadonlyArray<string | undefined | false>): string {
	return parts.filter((p): p is string => typeof p === 'string').join('\n');
}
