/**
 * The explain sections (`src/explain`) are written for a wide terminal: prose hard-wrapped at
 * about 118 columns, around tables, formulas, log lines and PromQL that must keep their lines.
 * The dashboard rewraps them to its own width: {@link reflow} joins the lines of each prose
 * paragraph back into one, so the terminal wraps them at word boundaries at any width, and leaves
 * every other line as it is.
 */

/** A source line shorter than this ends its paragraph (the author broke it, not the wrap). */
const WRAPPED_MIN = 80;

/** Prose: text from column 0 that is not a table row (aligned by runs of spaces), heading or log line. */
function isProse(line: string): boolean {
	return line !== '' && !/^\s/.test(line) && !/\S {2,}\S/.test(line) && !line.startsWith('## ') && !line.startsWith('INFO ');
}

/** Whether `next` continues the sentence that `line` (hard-wrapped) broke. */
function continues(line: string, next: string): boolean {
	if (line.length < WRAPPED_MIN) return false;
	if (next.startsWith('- ')) return false;
	// A wrapped line ends mid-sentence, or the next one starts lower-case (`...a batch:` / `a step that...`).
	return !/[.:;!?]$/.test(line) || /^[a-z(0-9]/.test(next);
}

/**
 * Join hard-wrapped prose lines of `text` into one line per paragraph; tables, indented blocks,
 * log lines and blank lines stay as they are. A `- ` list item takes its indented continuation
 * lines.
 *
 * @example reflow('A long line broken by the author at column 118 ... at\nleast one token.') === 'A long line ... at least one token.'
 */
export function reflow(text: string): string {
	const out: string[] = [];
	let previous: string | undefined; // the previous source line (its length tells a wrap from a break)
	let listItem = false;
	for (const line of text.split('\n')) {
		const joins =
			previous !== undefined &&
			(listItem ? /^ {2}\S/.test(line) && previous.length >= WRAPPED_MIN - 2 : isProse(previous) && isProse(line) && continues(previous, line));
		if (joins) {
			out[out.length - 1] = `${out[out.length - 1]!} ${line.trim()}`;
		} else {
			out.push(line);
			listItem = line.startsWith('- ');
		}
		previous = line;
	}
	return out.join('\n');
}

/**
 * Word-wrap `text` to `width` columns, as the terminal would show it: every source line gives at
 * least one row; a long line breaks at spaces, its continuation rows indented like its first (two
 * more for a `- ` list item); a word longer than a row is cut.
 */
export function wrapRows(text: string, width: number): string[] {
	const rows: string[] = [];
	const w = Math.max(8, width);
	for (const line of text.split('\n')) {
		if (line.length <= w) {
			rows.push(line);
			continue;
		}
		const indent = /^ */.exec(line)![0];
		const hanging = `${indent}${line.trimStart().startsWith('- ') ? '  ' : ''}`.slice(0, Math.floor(w / 2));
		let current = indent;
		let fresh = true; // nothing but indentation in `current` yet
		for (const word of line.trimStart().split(' ')) {
			let rest = word;
			while (rest.length > 0) {
				const room = w - current.length - (fresh ? 0 : 1);
				if (rest.length <= room) {
					current += fresh ? rest : ` ${rest}`;
					fresh = false;
					rest = '';
				} else if (!fresh) {
					rows.push(current);
					current = hanging;
					fresh = true;
				} else {
					// A word longer than a whole row: cut it.
					rows.push(current + rest.slice(0, room));
					rest = rest.slice(room);
					current = hanging;
				}
			}
		}
		if (!fresh) rows.push(current);
	}
	return rows;
}

/**
 * Rows a wrapping row of items takes (Ink's `flexWrap` with `columnGap`): items go left to right
 * and start a new row when the next one does not fit; an item wider than the row wraps onto rows
 * of its own.
 */
export function flowRows(itemWidths: readonly number[], width: number, gap: number): number {
	const w = Math.max(1, width);
	let rows = 0;
	let used = 0;
	for (const item of itemWidths) {
		if (item > w) {
			rows += Math.ceil(item / w);
			used = w; // nothing joins the row a wrapped item ends on
		} else if (rows === 0 || used + gap + item > w) {
			rows += 1;
			used = item;
		} else {
			used += gap + item;
		}
	}
	return Math.max(1, rows);
}
