/**
 * Where the numbers show up: the expected figures at every k, vLLM's log line and Prometheus
 * (counters and PromQL).
 */
import type {LogFormat} from '../metrics/log/formats.js';
import {exampleCounts, exampleLogLine} from './log-example.js';
import {count, fixed, lines, percent, table, type ExplainSection} from './format.js';
import {kTableFromConditional, kTableMax, type ExplainNumbers} from './numbers.js';
import {DOCSTRING_QUERIES, GRAFANA_FILTER, GRAFANA_QUERIES, GRAFANA_RANGE, type PromQuery} from './promql.js';

export function kTableSection(n: ExplainNumbers): ExplainSection {
	const rows = n.kTable ?? kTableFromConditional(n.conditionalRates, kTableMax(n.k));
	const cells: string[][] = [['k', 'mean acceptance length', 'acceptance rate', 'all k accepted (r_(k-1))', '']];
	for (const row of rows) {
		cells.push([
			String(row.k),
			fixed(row.meanAcceptanceLength, 3),
			percent(row.acceptanceRate),
			fixed(row.lastPositionRate, 3),
			row.k === n.k ? '<- this k' : '',
		]);
	}
	return {
		id: 'k-table',
		title: 'Expected acceptance at each k',
		body: lines(
			table(cells),
			'',
			'Length grows with k but ever more slowly (each new position adds its r_i), while the rate falls. Past the stated',
			'positions the acceptance statement is continued the way the simulator continues it (conditional rates extended with',
			'their fitted decay). Whether a longer k pays depends on what drafting and verifying the extra tokens cost.',
		),
	};
}

const FORMAT_VERSIONS: Readonly<Record<LogFormat, string>> = {
	classic: 'vLLM 0.8.5 to 0.10.1',
	throughput: 'vLLM 0.10.2 and later',
	coverage: 'the newest vLLM',
};

export function logLineSection(n: ExplainNumbers): ExplainSection {
	const format = n.logFormat ?? 'throughput';
	const interval = n.logIntervalS ?? 10;
	const line = exampleLogLine(n);
	const {acceptedPerPos} = exampleCounts(n);
	const perPos = acceptedPerPos.map(a => fixed(n.numDrafts > 0 ? a / n.numDrafts : 0)).join(', ');
	const fields: string[] = [
		'- Mean acceptance length = 1 + Accepted / drafts (drafts are not printed);',
		'- Accepted, Drafted: num_accepted_tokens and num_draft_tokens summed since the previous line;',
	];
	if (format === 'classic') fields.unshift('- Draft acceptance rate = Accepted / Drafted, as a percentage;');
	else {
		fields.push(`- Accepted / Drafted throughput: those sums over the seconds since the previous printed line (here ${interval} s);`);
		fields.push('- Avg Draft acceptance rate = Accepted / Drafted, as a percentage;');
	}
	if (format === 'coverage') {
		fields.push('- Mean verification depth = Drafted / drafts, out of k;');
		fields.push('- Per-position acceptance rate: acc_pos[i] / drafts that reached position i ("-----" if none did);');
		fields.push('- Per-position verification coverage: drafts that reached position i / drafts.');
	} else {
		fields.push(`- Per-position acceptance rate: acc_pos[i] / drafts, i.e. r_i (here ${perPos}).`);
	}
	return {
		id: 'log-line',
		title: "How vLLM's log line shows them",
		body: lines(
			`Every VLLM_LOG_STATS_INTERVAL (${interval} s) each engine prints one line for the drafts since its previous line.`,
			`In the layout of ${FORMAT_VERSIONS[format]}, for these counts (${count(n.numDrafts)} drafts):`,
			'',
			line ?? '(nothing: vLLM prints no line for an interval without drafts)',
			'',
			...fields,
			'Nothing is printed for an interval without drafts. To go back from lines to counts, `specsim calibrate` derives',
			'drafts as Drafted / k (fixed-length drafts) or from Accepted and the mean acceptance length.',
		),
	};
}

export function promqlSection(n: ExplainNumbers): ExplainSection {
	const {acceptedPerPos} = exampleCounts(n);
	const perPosition = acceptedPerPos.map(a => fixed(n.numDrafts > 0 ? a / n.numDrafts : 0)).join(', ');
	const value = (query: PromQuery): string | undefined => {
		switch (query.figure) {
			case 'acceptanceRate':
				return fixed(n.acceptanceRate, 4);
			case 'meanAcceptanceLength':
				return fixed(n.meanAcceptanceLength, 3);
			case 'perPosition':
				return `${perPosition} (one series per position)`;
			default:
				return undefined;
		}
	};
	const show = (query: PromQuery): string[] => {
		const v = value(query);
		const text = query.query.replaceAll(GRAFANA_FILTER, ' F').replaceAll(GRAFANA_RANGE, ' R');
		return [`${query.quantity}${v === undefined ? '' : ` -> ${v}`}`, `  ${text}`, ...(query.note ? [`  (${query.note})`] : [])];
	};
	return {
		id: 'promql',
		title: 'How Prometheus and PromQL show them',
		body: lines(
			'/metrics exposes monotone counters per model_name and engine (and position), summed since the engine started:',
			`  vllm:spec_decode_num_drafts_total                      ${count(n.numDrafts)}`,
			`  vllm:spec_decode_num_draft_tokens_total                ${count(n.numDraftTokens)}`,
			`  vllm:spec_decode_num_accepted_tokens_total             ${count(n.numAcceptedTokens)}`,
			`  vllm:spec_decode_num_accepted_tokens_per_pos_total     one series per position 0..${n.k - 1}`,
			'Ratios of their rate() over the same window give the figures; rejected tokens have no counter (drafted - accepted).',
			'',
			'From the SpecDecodingProm docstring (vllm/v1/spec_decode/metrics.py), with these counts:',
			...DOCSTRING_QUERIES.flatMap(show),
			'',
			'From the "vLLM / Speculative Decoding" Grafana dashboard (the "> 0" guards render idle periods as "No traffic"),',
			`with F = ${GRAFANA_FILTER} and R = ${GRAFANA_RANGE}:`,
			...GRAFANA_QUERIES.flatMap(show),
		),
	};
}
