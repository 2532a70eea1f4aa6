import {formatFixed, formatInt} from '../../util/py-format.js';
import type {SpecDecodingWindow} from './window.js';

/**
 * The `SpecDecoding metrics:` line layouts we print, by the vLLM version that prints them
 * (see the README's table and docs/vllm-log-formats.md):
 *
 * - `classic`: PR #17908 (2025-05) until PR #24127: rate first, no throughput.
 * - `throughput`: PR #24127 (2025-09) onward: throughputs, `Avg Draft acceptance rate` last.
 * - `coverage`: the newest: verification depth, per-position rate over drafted-at-position
 *   (`-----` where nothing was drafted) and verification coverage.
 */
export type LogFormat = 'classic' | 'throughput' | 'coverage';

export const LOG_FORMATS: readonly LogFormat[] = ['classic', 'throughput', 'coverage'];

/** The `metrics.py` line number each format's call site had in the vLLM version it mirrors (real log lines). */
export const LOG_CALL_SITE_LINE: Readonly<Record<LogFormat, number>> = {classic: 86, throughput: 96, coverage: 122};

/**
 * Build the message for a window with at least one observation. `elapsedS` is the time since
 * the last printed line (only the throughput and coverage formats use it). Arithmetic follows
 * vLLM's expression order so the doubles, and therefore the printed digits, are identical.
 */
export function formatSpecDecodingMessage(
	format: LogFormat,
	window: SpecDecodingWindow,
	elapsedS: number,
	scratch: {accepted: Float64Array; drafted: Float64Array},
): string {
	const numDrafts = window.numDrafts;
	const drafted = window.numDraftTokens;
	const accepted = window.numAcceptedTokens;
	const k = window.numSpecTokens;
	const ratePct = drafted > 0 ? (accepted / drafted) * 100 : Number.NaN;
	const meanLength = 1 + accepted / numDrafts;
	const accPos = window.acceptedPerPos(scratch.accepted);
	const common = `Accepted: ${formatInt(accepted)} tokens, Drafted: ${formatInt(drafted)} tokens`;
	if (format === 'classic') {
		return (
			`SpecDecoding metrics: Draft acceptance rate: ${formatFixed(ratePct, 1)}%, ` +
			`Mean acceptance length: ${formatFixed(meanLength, 2)}, ${common}, ` +
			`Per-position acceptance rate: ${joinRates(accPos, k, numDrafts)}`
		);
	}
	const accThroughput = elapsedS > 0 ? accepted / elapsedS : 0;
	const drfThroughput = elapsedS > 0 ? drafted / elapsedS : 0;
	const throughputs =
		`Accepted throughput: ${formatFixed(accThroughput, 2)} tokens/s, ` + `Drafted throughput: ${formatFixed(drfThroughput, 2)} tokens/s`;
	if (format === 'throughput') {
		return (
			`SpecDecoding metrics: Mean acceptance length: ${formatFixed(meanLength, 2)}, ${throughputs}, ${common}, ` +
			`Per-position acceptance rate: ${joinRates(accPos, k, numDrafts)}, ` +
			`Avg Draft acceptance rate: ${formatFixed(ratePct, 1)}%`
		);
	}
	const drfPos = window.draftedPerPos(scratch.drafted);
	const perPos: string[] = [];
	const coverage: string[] = [];
	for (let i = 0; i < k; i++) {
		const d = drfPos[i]!;
		perPos.push(d > 0 ? formatFixed(accPos[i]! / d, 3) : '-----');
		coverage.push(formatFixed(d / numDrafts, 3));
	}
	return (
		`SpecDecoding metrics: Mean acceptance length: ${formatFixed(meanLength, 2)}, ` +
		`Mean verification depth: ${formatFixed(drafted / numDrafts, 2)}/${formatInt(k)}, ${throughputs}, ${common}, ` +
		`Per-position acceptance rate: ${perPos.join(', ')}, ` +
		`Per-position verification coverage: ${coverage.join(', ')}, ` +
		`Avg Draft acceptance rate: ${formatFixed(ratePct, 1)}%`
	);
}

function joinRates(counts: Float64Array, k: number, denominator: number): string {
	const parts: string[] = [];
	for (let i = 0; i < k; i++) parts.push(formatFixed(counts[i]! / denominator, 3));
	return parts.join(', ');
}
