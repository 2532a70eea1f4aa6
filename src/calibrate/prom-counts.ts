/**
 * Counts from Prometheus scrapes of `vllm:spec_decode_*_total`.
 *
 * - One scrape: the counters are totals since the engine started.
 * - Several scrapes (files in order, or several expositions in one file): each consecutive pair
 *   gives an interval, the counters' increase with Prometheus' reset rule (a value below the
 *   previous one means the process restarted, and the whole new value is the increase); a series
 *   absent from the earlier scrape counts from 0. The intervals are observations of their own
 *   (they feed the dispersion estimate) and add up to the increase over the whole span.
 * - Series are summed over engines and models, after the `model_name` / `engine` filters.
 * - k is the number of `position` series (the largest position + 1, as vLLM's reader does).
 */
import {UserError} from '../util/user-error.js';
import type {Scrape, SpecCounter} from './prometheus.js';
import type {CalibrationWarning, Observation} from './types.js';

/** Which series to keep. */
export type SeriesFilter = {
	/** Keep series whose `model_name` label equals this. */
	readonly modelName?: string;
	/** Keep series whose `engine` label is one of these. */
	readonly engines?: readonly string[];
};

/** Totals of one scrape or one interval, summed over the kept series. */
type Totals = {
	drafts?: number;
	draftTokens?: number;
	acceptedTokens?: number;
	emittedTokens?: number;
	acceptedPerPos: Map<number, number>;
	draftTokensPerPos: Map<number, number>;
};

/**
 * Turn scrapes into observations (one per scrape if there is one, else one per interval).
 *
 * @throws UserError when the filters leave no series (naming the label values present), or when
 *   the scrapes have no draft-token counter.
 */
export function scrapeObservations(
	scrapes: readonly Scrape[],
	filter: SeriesFilter,
	assumedK: number | undefined,
): {observations: Observation[]; warnings: CalibrationWarning[]} {
	const warnings: CalibrationWarning[] = [];
	if (scrapes.length === 0) return {observations: [], warnings};
	const kept = scrapes.map(scrape => filterScrape(scrape, filter));
	if (kept.every(s => s.size === 0)) throw new UserError(noSeriesMessage(scrapes, filter));
	const observations: Observation[] = [];
	if (kept.length === 1) {
		const totals = sumSeries(kept[0]!);
		const observation = toObservation(totals, scrapes[0]!, 'one scrape: counters since the engine started', assumedK, undefined, warnings);
		if (observation !== undefined) observations.push(observation);
		return {observations, warnings};
	}
	for (let j = 1; j < kept.length; j++) {
		const previous = kept[j - 1]!;
		const current = kept[j]!;
		const delta = new Map<string, {counter: SpecCounter; labels: Readonly<Record<string, string>>; value: number}>();
		for (const [key, sample] of current) {
			const before = previous.get(key)?.value ?? 0;
			let increase = sample.value - before;
			if (increase < 0) {
				increase = sample.value;
				warnings.push({
					kind: 'counter-reset',
					origin: scrapes[j]!.origin,
					message: `${sample.counter} fell from ${before} to ${sample.value} (the server restarted?); counting the new value as the increase`,
				});
			}
			delta.set(key, {...sample, value: increase});
		}
		const totals = sumSeries(delta);
		const a = scrapes[j - 1]!;
		const b = scrapes[j]!;
		if ((totals.draftTokens ?? 0) === 0 && (totals.drafts ?? 0) === 0) {
			warnings.push({kind: 'no-drafts', origin: b.origin, message: `no drafts between the scrapes at ${describe(a)} and ${describe(b)} (idle)`});
			continue;
		}
		const span = a.timestamp !== undefined && b.timestamp !== undefined ? toSeconds(a.timestamp, b.timestamp) : undefined;
		const observation = toObservation(totals, b, `increase between scrapes at ${describe(a)} and ${describe(b)}`, assumedK, span, warnings);
		if (observation !== undefined) observations.push(observation);
	}
	return {observations, warnings};
}

function filterScrape(scrape: Scrape, filter: SeriesFilter): Scrape['samples'] {
	const out: Scrape['samples'] = new Map();
	for (const [key, sample] of scrape.samples) {
		if (filter.modelName !== undefined && sample.labels['model_name'] !== filter.modelName) continue;
		if (filter.engines !== undefined && filter.engines.length > 0 && !filter.engines.includes(sample.labels['engine'] ?? '')) continue;
		out.set(key, sample);
	}
	return out;
}

function noSeriesMessage(scrapes: readonly Scrape[], filter: SeriesFilter): string {
	const models = new Set<string>();
	const engines = new Set<string>();
	for (const scrape of scrapes) {
		for (const sample of scrape.samples.values()) {
			models.add(sample.labels['model_name'] ?? '(none)');
			engines.add(sample.labels['engine'] ?? '(none)');
		}
	}
	const wanted = [
		filter.modelName !== undefined ? `model_name="${filter.modelName}"` : undefined,
		filter.engines !== undefined && filter.engines.length > 0 ? `engine in {${filter.engines.join(', ')}}` : undefined,
	].filter(Boolean);
	return `no vllm:spec_decode_* series with ${wanted.join(' and ')}; the scrapes have model_name ${[...models].sort().join(', ')} and engine ${[...engines].sort().join(', ')}`;
}

function sumSeries(samples: Scrape['samples']): Totals {
	const totals: Totals = {acceptedPerPos: new Map(), draftTokensPerPos: new Map()};
	for (const sample of samples.values()) {
		const value = Math.round(sample.value);
		if (sample.counter === 'acceptedPerPos' || sample.counter === 'draftTokensPerPos') {
			const position = Number.parseInt(sample.labels['position'] ?? '', 10);
			if (!(position >= 0)) continue;
			const map = sample.counter === 'acceptedPerPos' ? totals.acceptedPerPos : totals.draftTokensPerPos;
			map.set(position, (map.get(position) ?? 0) + value);
		} else {
			totals[sample.counter] = (totals[sample.counter] ?? 0) + value;
		}
	}
	return totals;
}

function toObservation(
	totals: Totals,
	scrape: Scrape,
	what: string,
	assumedK: number | undefined,
	elapsedS: number | undefined,
	warnings: CalibrationWarning[],
): Observation | undefined {
	const origin = scrape.origin;
	const drafted = totals.draftTokens;
	if (drafted === undefined) {
		warnings.push({kind: 'no-drafts', origin, message: 'scrape has no vllm:spec_decode_num_draft_tokens_total series (skipped)'});
		return undefined;
	}
	if (drafted === 0) {
		warnings.push({kind: 'no-drafts', origin, message: 'no draft tokens counted (speculative decoding idle or off)'});
		return undefined;
	}
	const positions = Math.max(-1, ...totals.acceptedPerPos.keys()) + 1;
	const hasPerPos = positions > 0;
	const k = hasPerPos ? positions : assumedK;
	if (k === undefined) {
		warnings.push({kind: 'assumed-k', origin, message: 'no per-position series, so k is unknown; give --observed-k (skipped)'});
		return undefined;
	}
	const acceptedPerPos = hasPerPos ? Array.from({length: k}, (_, i) => totals.acceptedPerPos.get(i) ?? 0) : undefined;
	const draftedPerPos = totals.draftTokensPerPos.size > 0 ? Array.from({length: k}, (_, i) => totals.draftTokensPerPos.get(i) ?? 0) : undefined;
	let numDrafts = totals.drafts;
	let accepted = totals.acceptedTokens ?? (acceptedPerPos ? acceptedPerPos.reduce((a, b) => a + b, 0) : 0);
	let derivation = `Prometheus ${what}`;
	let acceptedAnywhere: number | undefined;
	let draftsFrom: Observation['draftsFrom'] = 'counter';
	if (numDrafts === undefined) {
		draftsFrom = hasPerPos ? 'drafted/k' : 'assumed-k';
		numDrafts = Math.max(1, Math.round(drafted / k));
		derivation += `; drafts = draft tokens / k = ${numDrafts} (no num_drafts counter${hasPerPos ? '' : `, k = ${k} assumed`})`;
		if (totals.emittedTokens !== undefined) {
			// v0: accepted counts tokens accepted anywhere; emitted = accepted prefix + one per draft.
			acceptedAnywhere = accepted;
			accepted = Math.min(drafted, Math.max(0, totals.emittedTokens - numDrafts));
			derivation += `; accepted prefix = emitted − drafts = ${accepted}`;
		}
	}
	return {
		origin,
		format: 'prometheus',
		k,
		kAssumed: !hasPerPos,
		numDrafts,
		numDraftTokens: drafted,
		numAcceptedTokens: accepted,
		...(acceptedPerPos ? {acceptedPerPos} : {}),
		...(draftedPerPos ? {draftedPerPos} : hasPerPos && drafted === k * numDrafts ? {draftedPerPos: new Array<number>(k).fill(numDrafts)} : {}),
		...(acceptedAnywhere !== undefined ? {acceptedAnywhere} : {}),
		...(elapsedS !== undefined ? {elapsedS} : {}),
		draftsFrom,
		derivation,
	};
}

/** Seconds between two timestamps: OpenMetrics uses seconds, the 0.0.4 text format milliseconds (~1.7e12 today). */
function toSeconds(a: number, b: number): number {
	return Math.max(Math.abs(a), Math.abs(b)) > 1e11 ? (b - a) / 1000 : b - a;
}

function describe(scrape: Scrape): string {
	return `${scrape.origin.source}:${scrape.origin.line ?? '?'}`;
}
