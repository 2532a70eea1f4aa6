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
const qpsText = (x: number | null): string => (x === null ? '-' : String(x));
const concurrencyText = (x: number | null): string => (x === null ? '-' : String(x));

type Column = {readonly title: string; readonly left?: boolean; readonly cell: (row: SweepRow) => string};

const COLUMNS: readonly Column[] = [
	{title: 'k', cell: r => String(r.k)},
	{title: 'qps', cell: r => qpsText(r.qps)},
	{title: 'conc', cell: r => concurrencyText(r.concurrency)},
	{title: 'method', left: true, cell: r => r.method},
	{title: 'c', cell: r => r.cost_ratio.toFixed(3)},
	{title: 'accept%', cell: r => pct(r.draft_acceptance_rate)},
	{title: '(exp)', cell: r => pct(r.expected_draft_acceptance_rate)},
	{title: 'AL', cell: r => r.mean_acceptance_length.toFixed(3)},
	{title: '(exp)', cell: r => r.expected_mean_acceptance_length.toFixed(3)},
	{title: 'tok/s', cell: r => r.output_tokens_per_s.toFixed(1)},
	{title: 'TTFT p50', cell: r => ms(r.ttft_p50_s)},
	{title: 'p99', cell: r => ms(r.ttft_p99_s)},
	{title: 'ITL p50', cell: r => ms(r.itl_p50_s)},
	{title: 'p99', cell: r => ms(r.itl_p99_s)},
	{title: 'TPOT p50', cell: r => ms(r.tpot_p50_s)},
	{title: 'speedup tok/s', cell: r => times(r.throughput_speedup)},
	{title: 'TPOT', cell: r => times(r.latency_speedup)},
	{title: '(exp)', cell: r => times(r.expected_speedup)},
	{title: 'best', left: true, cell: r => [r.best_throughput ? 'T' : '', r.best_latency ? 'L' : '', r.best ? '*' : ''].join('') || '-'},
	{title: 'SLO', left: true, cell: r => (r.meets_slo === null ? '-' : r.meets_slo ? 'ok' : 'miss')},
	{title: 'per-position', left: true, cell: r => r.per_position_acceptance_rate.map(x => x.toFixed(3)).join(' ')},
];

/**
 * The sweep as an aligned table: one line per configuration, then one baseline line per
 * (qps, method) group and a legend. Latencies are in milliseconds.
 */
export function formatSweepTable(rows: readonly SweepRow[], context: SweepTableContext): string {
	const cells = rows.map(row => COLUMNS.map(column => column.cell(row)));
	const widths = COLUMNS.map((column, i) => Math.max(column.title.length, ...cells.map(line => line[i]!.length)));
	const render = (line: readonly string[]): string =>
		line
			.map((text, i) => (COLUMNS[i]!.left ? text.padEnd(widths[i]!) : text.padStart(widths[i]!)))
			.join('  ')
			.trimEnd();
	const lines = [
		`specsim sweep: preset ${context.preset}, seed ${context.seed}, ${context.durationS} virtual s per configuration, ${rows.length} configuration(s)`,
		'',
		render(COLUMNS.map(column => column.title)),
		...cells.map(render),
		'',
	];
	const seen = new Set<string>();
	for (const row of rows) {
		const key = groupKey(row);
		if (seen.has(key)) continue;
		seen.add(key);
		lines.push(
			`baseline (no speculation, ${loadText(row)}, ${row.method}): ${row.baseline_output_tokens_per_s.toFixed(1)} tok/s, ITL p50 ${ms(row.baseline_itl_p50_s)} ms, TPOT p50 ${ms(row.baseline_tpot_p50_s)} ms`,
		);
	}
	lines.push(
		'latencies in ms; c = draft pass / non-speculative step at batch 1; (exp) = closed form: AL 1 + Σ r_i, speedup (1 + Σ r_i) / (k·c + 1)',
		'speedup tok/s = output tokens/s over the baseline (1 below capacity); TPOT = baseline TPOT p50 / TPOT p50; ITL counts once per step, not per token',
		'best: T = highest tok/s, L = lowest TPOT p50 in its (load, method) group, * = best by --objective among rows meeting the SLOs; conc = closed-loop clients (--concurrency)',
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
