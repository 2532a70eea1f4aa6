/**
 * Sweep output for people (a table) and for spreadsheets (CSV). Pure.
 */
import {groupKey, type SweepRow} from './rows.js';

/** A row's load as people write it: `qps 4` or `concurrency 64`. */
export function loadText(row: Pick<SweepRow, 'qps' | 'concurrency'>): string {
	if (row.concurrency !== null) return `concurrency ${row.concurrency}`;
	return row.qps === null ? 'preset load' : `qps ${row.qps}`;
}

/** What the table's title line says. */
export type SweepTableContext = {
	readonly preset: string;
	readonly seed: number;
	readonly durationS: number;
	/** Footer lines naming the best k per group (`describeBest`). */
	readonly best?: readonly string[];
};

const ms = (x: number | null): string => (x === null ? 'n/a' : (x * 1000).toFixed(2));
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}`);
const times = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(2)}x`);

/**
 * A table column. `group` labels a run of adjacent columns on a line above their titles
 * (`── TTFT ms ──` over `p50  p99`); a cell may hold several lines (the per-position rates).
 */
type Column = {readonly title: string; readonly group?: string; readonly left?: boolean; readonly cell: (row: SweepRow) => string};

/** Per-position rates per line of a cell: 8 keep the acceptance table within 100 columns. */
const RATES_PER_LINE = 8;

/**
 * The load column: titled `qps` or `conc` when every row has that kind of load (the cell is the
 * number), otherwise `load` with the kind in each cell; `-` for the preset's own arrival process.
 */
function loadColumn(rows: readonly SweepRow[]): Column {
	if (rows.every(r => r.concurrency !== null)) return {title: 'conc', cell: r => String(r.concurrency)};
	if (rows.every(r => r.qps !== null)) return {title: 'qps', cell: r => String(r.qps)};
	return {title: 'load', left: true, cell: r => (r.concurrency !== null ? `conc ${r.concurrency}` : r.qps === null ? '-' : `qps ${r.qps}`)};
}

/** The columns that say which configuration a row is, at the start of both tables. */
function keyColumns(rows: readonly SweepRow[]): Column[] {
	return [{title: 'k', cell: r => String(r.k)}, loadColumn(rows), {title: 'method', left: true, cell: r => r.method}];
}

function acceptanceColumns(rows: readonly SweepRow[]): Column[] {
	return [
		...keyColumns(rows),
		{title: 'c', cell: r => r.cost_ratio.toFixed(3)},
		{title: 'sim', group: 'accept%', cell: r => pct(r.draft_acceptance_rate)},
		{title: '(exp)', group: 'accept%', cell: r => pct(r.expected_draft_acceptance_rate)},
		{title: 'sim', group: 'AL', cell: r => r.mean_acceptance_length.toFixed(3)},
		{title: '(exp)', group: 'AL', cell: r => r.expected_mean_acceptance_length.toFixed(3)},
		{
			title: 'per-position r_i',
			left: true,
			cell: r => {
				const rates = r.per_position_acceptance_rate.map(x => x.toFixed(3));
				const lines: string[] = [];
				for (let i = 0; i < rates.length; i += RATES_PER_LINE) lines.push(rates.slice(i, i + RATES_PER_LINE).join(' '));
				return lines.join('\n');
			},
		},
	];
}

function performanceColumns(rows: readonly SweepRow[]): Column[] {
	return [
		...keyColumns(rows),
		{title: 'tok/s', cell: r => r.output_tokens_per_s.toFixed(1)},
		{title: 'p50', group: 'TTFT', cell: r => ms(r.ttft_p50_s)},
		{title: 'p99', group: 'TTFT', cell: r => ms(r.ttft_p99_s)},
		{title: 'p50', group: 'ITL', cell: r => ms(r.itl_p50_s)},
		{title: 'p99', group: 'ITL', cell: r => ms(r.itl_p99_s)},
		{title: 'p50', group: 'TPOT', cell: r => ms(r.tpot_p50_s)},
		{title: 'tok/s', group: 'speedup', cell: r => times(r.throughput_speedup)},
		{title: 'TPOT', group: 'speedup', cell: r => times(r.latency_speedup)},
		{title: '(exp)', group: 'speedup', cell: r => times(r.expected_speedup)},
		{title: 'best', left: true, cell: r => [r.best_throughput ? 'T' : '', r.best_latency ? 'L' : '', r.best ? '*' : ''].join('') || '-'},
		{title: 'SLO', left: true, cell: r => (r.meets_slo === null ? '-' : r.meets_slo ? 'ok' : 'miss')},
	];
}

function baselineColumns(rows: readonly SweepRow[]): Column[] {
	return [
		...keyColumns(rows).slice(1),
		{title: 'tok/s', cell: r => r.baseline_output_tokens_per_s.toFixed(1)},
		{title: 'ITL p50', cell: r => ms(r.baseline_itl_p50_s)},
		{title: 'TPOT p50', cell: r => ms(r.baseline_tpot_p50_s)},
	];
}

/** `columns` over `rows`, aligned: the group line (if any), the titles, then each row's lines. */
function renderTable(columns: readonly Column[], rows: readonly SweepRow[]): string[] {
	const cells = rows.map(row => columns.map(column => column.cell(row).split('\n')));
	const widths = columns.map((column, i) => Math.max(column.title.length, ...cells.flatMap(row => row[i]!.map(line => line.length))));
	// Runs of adjacent columns with one group: [first, last] indices.
	const spans: Array<{readonly label: string; readonly first: number; readonly last: number}> = [];
	columns.forEach((column, i) => {
		if (column.group === undefined) return;
		const previous = spans.at(-1);
		if (previous !== undefined && previous.label === column.group && previous.last === i - 1) spans[spans.length - 1] = {...previous, last: i};
		else spans.push({label: column.group, first: i, last: i});
	});
	const spanWidth = (first: number, last: number): number => widths.slice(first, last + 1).reduce((a, b) => a + b, 0) + 2 * (last - first);
	// A label wider than its columns widens the last of them: `── label ──` needs 4 more.
	for (const {label, first, last} of spans) widths[last]! += Math.max(0, label.length + 4 - spanWidth(first, last));
	const render = (line: readonly string[]): string =>
		line
			.map((text, i) => (columns[i]!.left ? text.padEnd(widths[i]!) : text.padStart(widths[i]!)))
			.join('  ')
			.trimEnd();
	const lines: string[] = [];
	if (spans.length > 0) {
		let groupLine = '';
		let at = 0;
		for (const {label, first, last} of spans) {
			const start = spanWidth(0, first) - widths[first]!;
			const width = spanWidth(first, last);
			// Centred between rules (`──── TTFT ────`), so it reads as spanning every column under it.
			const fill = width - label.length - 2;
			groupLine += `${' '.repeat(start - at)}${'─'.repeat(Math.floor(fill / 2))} ${label} ${'─'.repeat(Math.ceil(fill / 2))}`;
			at = start + width;
		}
		lines.push(groupLine);
	}
	lines.push(render(columns.map(column => column.title)));
	for (const row of cells) {
		const height = Math.max(...row.map(cell => cell.length));
		for (let j = 0; j < height; j++) lines.push(render(row.map(cell => cell[j] ?? '')));
	}
	return lines;
}

/**
 * The sweep for a terminal, within 100 columns for up to 8 positions (more wrap in their
 * cell): the acceptance of every configuration, then its throughput and latency (ms), each line
 * led by k, load and method; then the baseline of each (load, method) group and a legend.
 * Every value of a row is in one of the two tables; `--json` and `--csv` carry them at full
 * precision, with the expected per-position rates too.
 */
export function formatSweepTable(rows: readonly SweepRow[], context: SweepTableContext): string {
	const lines = [
		`specsim sweep: preset ${context.preset}, seed ${context.seed}, ${context.durationS} virtual s per configuration, ${rows.length} configuration(s)`,
		'',
		'acceptance',
		...renderTable(acceptanceColumns(rows), rows),
		'',
		'throughput (output tokens/s) and latency (ms)',
		...renderTable(performanceColumns(rows), rows),
		'',
	];
	// One baseline per (load, method) group: the run without speculation the speedups divide by.
	const seen = new Set<string>();
	const groups = rows.filter(row => !seen.has(groupKey(row)) && seen.add(groupKey(row)));
	lines.push('baseline: the same load without speculation', ...renderTable(baselineColumns(groups), groups), '');
	lines.push(
		'c = draft pass / non-speculative step at batch 1; conc = closed-loop clients (--concurrency)',
		'(exp) = closed form: AL 1 + Σ r_i, speedup (1 + Σ r_i) / (k·c + 1); r_i = unconditional rate',
		'speedup tok/s = output tokens/s over the baseline (1 below capacity);',
		'  TPOT = baseline TPOT p50 / TPOT p50; ITL counts once per step, not per token',
		'best: T = highest tok/s, L = lowest TPOT p50 in its (load, method) group,',
		'  * = best by --objective among rows meeting the SLOs',
		...(context.best ?? []),
		'',
	);
	return lines.join('\n');
}

const SCALAR_FIELDS = [
	'k',
	'qps',
	'concurrency',
	'method',
	'cost_ratio',
	'num_drafts',
	'draft_acceptance_rate',
	'expected_draft_acceptance_rate',
	'mean_acceptance_length',
	'expected_mean_acceptance_length',
	'output_tokens_per_s',
	'baseline_output_tokens_per_s',
	'ttft_p50_s',
	'ttft_p99_s',
	'itl_p50_s',
	'itl_p99_s',
	'tpot_p50_s',
	'tpot_p99_s',
	'baseline_itl_p50_s',
	'baseline_tpot_p50_s',
	'throughput_speedup',
	'latency_speedup',
	'expected_speedup',
	'best_throughput',
	'best_latency',
	'meets_slo',
	'best',
] as const satisfies ReadonlyArray<keyof SweepRow>;

/**
 * The sweep as CSV (RFC 4180, `\n` line ends): the scalar fields of {@link SweepRow}, then
 * `per_position_1..K` and `expected_per_position_1..K` with K the largest k (empty beyond a
 * row's k). Nulls are empty cells; numbers keep full precision.
 */
export function formatSweepCsv(rows: readonly SweepRow[]): string {
	const maxK = Math.max(0, ...rows.map(r => r.k));
	const positions = Array.from({length: maxK}, (_, i) => i + 1);
	const header = [...SCALAR_FIELDS, ...positions.map(i => `per_position_${i}`), ...positions.map(i => `expected_per_position_${i}`)];
	const lines = [header.join(',')];
	for (const row of rows) {
		const values = [
			...SCALAR_FIELDS.map(field => csvCell(row[field])),
			...positions.map(i => csvCell(row.per_position_acceptance_rate[i - 1] ?? null)),
			...positions.map(i => csvCell(row.expected_per_position_acceptance_rate[i - 1] ?? null)),
		];
		lines.push(values.join(','));
	}
	return `${lines.join('\n')}\n`;
}

function csvCell(value: string | number | boolean | null): string {
	if (value === null) return '';
	const text = String(value);
	return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
