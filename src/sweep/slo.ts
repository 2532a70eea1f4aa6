/**
 * `sweep --objective` and SLO constraints: the best k per load among the configurations that meet
 * every SLO, as vLLM's SLA sweeps choose a configuration. Pure.
 */
import {groupKey, type SweepRow} from './rows.js';

/** What "best" maximises: output tokens/s, or minimises: TPOT p50. */
export type SweepObjective = 'throughput' | 'tpot';

/** Service-level objectives in seconds (absent: unconstrained). */
export type SweepSlo = {readonly ttftP99S?: number; readonly tpotP50S?: number};

/** True when `row` meets every SLO (a missing percentile fails a constraint on it); null without SLOs. */
export function meetsSlo(row: Pick<SweepRow, 'ttft_p99_s' | 'tpot_p50_s'>, slo: SweepSlo): boolean | null {
	if (slo.ttftP99S === undefined && slo.tpotP50S === undefined) return null;
	if (slo.ttftP99S !== undefined && !(row.ttft_p99_s !== null && row.ttft_p99_s <= slo.ttftP99S)) return false;
	if (slo.tpotP50S !== undefined && !(row.tpot_p50_s !== null && row.tpot_p50_s <= slo.tpotP50S)) return false;
	return true;
}

/**
 * Set `meets_slo` on every row and mark `best` in every (load, method) group: by `objective`
 * among the rows meeting the SLOs (ties: the smaller k). A group where none meets them has no best.
 */
export function markObjective(rows: SweepRow[], objective: SweepObjective, slo: SweepSlo): SweepRow[] {
	const better = (a: SweepRow, b: SweepRow): boolean =>
		objective === 'throughput'
			? a.output_tokens_per_s > b.output_tokens_per_s
			: a.tpot_p50_s !== null && (b.tpot_p50_s === null || a.tpot_p50_s < b.tpot_p50_s);
	const best = new Map<string, SweepRow>();
	for (const row of rows) {
		row.meets_slo = meetsSlo(row, slo);
		row.best = false;
		if (row.meets_slo === false) continue;
		if (objective === 'tpot' && row.tpot_p50_s === null) continue;
		const key = groupKey(row);
		const current = best.get(key);
		if (current === undefined || better(row, current)) best.set(key, row);
	}
	for (const row of best.values()) row.best = true;
	return rows;
}

/** One line per (load, method) group naming its best k, for the table's footer. */
export function describeBest(rows: readonly SweepRow[], objective: SweepObjective, slo: SweepSlo, loadText: (row: SweepRow) => string): string[] {
	const constraints = [
		slo.ttftP99S === undefined ? undefined : `TTFT p99 <= ${(slo.ttftP99S * 1000).toFixed(0)} ms`,
		slo.tpotP50S === undefined ? undefined : `TPOT p50 <= ${(slo.tpotP50S * 1000).toFixed(1)} ms`,
	].filter(x => x !== undefined);
	const under = constraints.length === 0 ? '' : ` under ${constraints.join(', ')}`;
	const seen = new Set<string>();
	const lines: string[] = [];
	for (const row of rows) {
		const key = groupKey(row);
		if (seen.has(key)) continue;
		seen.add(key);
		const winner = rows.find(r => groupKey(r) === key && r.best);
		lines.push(
			`best k by ${objective}${under} at ${loadText(row)}, ${row.method}: ${winner === undefined ? 'none meets the SLOs' : `k=${winner.k}`}`,
		);
	}
	return lines;
}
