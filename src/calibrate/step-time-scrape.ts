/**
 * Step-time observations from Prometheus scrapes of vLLM's `/metrics`: between the first and the
 * last scrape of a file, `vllm:iteration_tokens_total` counts the engine steps and their batched
 * tokens, `vllm:inter_token_latency_seconds` (one observation per request per step) gives the mean
 * step time and the decoding requests per step, prompt and generation token counters over
 * finished requests the lengths, and the spec-decode counters k and the acceptance length. Pure.
 */
import {parsePromLine} from './prometheus.js';
import type {StepObservation} from './step-time.js';

const FAMILIES = {
	steps: 'vllm:iteration_tokens_total_count',
	tokens: 'vllm:iteration_tokens_total_sum',
	itlSum: 'vllm:inter_token_latency_seconds_sum',
	itlCount: 'vllm:inter_token_latency_seconds_count',
	prompt: 'vllm:prompt_tokens_total',
	generation: 'vllm:generation_tokens_total',
	finished: 'vllm:request_success_total',
	drafts: 'vllm:spec_decode_num_drafts_total',
	draftTokens: 'vllm:spec_decode_num_draft_tokens_total',
	accepted: 'vllm:spec_decode_num_accepted_tokens_total',
} as const;

type Totals = Record<keyof typeof FAMILIES, number>;
const NAMES: ReadonlyMap<string, keyof typeof FAMILIES> = new Map(
	Object.entries(FAMILIES).map(([key, name]) => [name, key as keyof typeof FAMILIES]),
);
const zero = (): Totals => Object.fromEntries(Object.keys(FAMILIES).map(key => [key, 0])) as Totals;

/**
 * One observation from the scrapes in `text` (sums over engines and labels), or undefined when the
 * text has no `vllm:iteration_tokens_total` or fewer than two scrapes of it. Scrapes split as
 * `calibrate` splits them: at `# EOF`, at a repeated series, or by timestamp.
 */
export function scrapeStepObservation(text: string, label: string): StepObservation | undefined {
	const scrapes: Totals[] = [];
	const byTimestamp = new Map<number, Totals>();
	let current: {totals: Totals; seen: Set<string>} | undefined;
	const close = (): void => {
		if (current !== undefined && current.totals.steps > 0) scrapes.push(current.totals);
		current = undefined;
	};
	for (const line of text.split(/\r?\n/)) {
		const parsed = parsePromLine(line);
		if (parsed.kind === 'eof') close();
		if (parsed.kind !== 'sample') continue;
		const {sample} = parsed;
		const key = NAMES.get(sample.name);
		if (key === undefined || !Number.isFinite(sample.value)) continue;
		let totals: Totals;
		if (sample.timestamp !== undefined) {
			totals = byTimestamp.get(sample.timestamp) ?? zero();
			byTimestamp.set(sample.timestamp, totals);
		} else {
			const series = `${sample.name}${JSON.stringify(sample.labels)}`;
			if (current?.seen.has(series)) close();
			current ??= {totals: zero(), seen: new Set()};
			current.seen.add(series);
			totals = current.totals;
		}
		totals[key] += sample.value;
	}
	close();
	for (const [, totals] of [...byTimestamp].sort((a, b) => a[0] - b[0])) if (totals.steps > 0) scrapes.push(totals);
	if (scrapes.length < 2) return undefined;
	const first = scrapes[0]!;
	const last = scrapes[scrapes.length - 1]!;
	const d = (key: keyof Totals): number => last[key] - first[key];
	const steps = d('steps');
	const itl = d('itlCount');
	const finished = d('finished');
	if (!(steps > 0 && itl > 0 && finished > 0)) return undefined;
	const drafts = d('drafts');
	const k = drafts > 0 ? Math.round(d('draftTokens') / drafts) : 0;
	return {
		label,
		concurrency: itl / steps,
		inputLen: d('prompt') / finished,
		outputLen: Math.max(2, d('generation') / finished),
		k,
		acceptanceLength: drafts > 0 ? 1 + d('accepted') / drafts : 1,
		stepS: d('itlSum') / itl,
		batchedTokens: d('tokens') / steps,
		draftingRequests: drafts / steps,
	};
}
