import type {ExplainSection} from '../explain/index.js';
import {ACCEPTANCE_SCALE_MAX, ACCEPTANCE_SCALE_MIN, ACCEPTANCE_STEP} from './controls.js';
import {formatFactor} from './format.js';
import type {HeaderView} from './snapshot.js';

/**
 * The dashboard's own help, the last topic of the `e` panel: the keys with their limits, and what
 * a live k change means on each surface (vLLM cannot change k while it runs, so specsim has to
 * say; docs/live-k-change.md has the same rules).
 */
export function keysHelpSection(header: HeaderView): ExplainSection {
	const kKeys = header.speculative
		? `[ and ] lower and raise k by one, within 1..${header.maxK} (the smallest of MAX_NUM_SPEC_TOKENS, the token budget less the verified token, and the KV cache less max_model_len); at a limit they do nothing and say so.`
		: '[ and ] do nothing: speculative decoding is off (--k 0 or --method none).';
	return {
		id: 'keys',
		title: 'Keys and live changes',
		body: [
			'p pauses and resumes; + and - step the speed (virtual seconds per wall second) up to max and down to 0.1.',
			kKeys,
			`Up and down multiply or divide every conditional acceptance rate by ${ACCEPTANCE_STEP} (rates clamp at 1), within ${formatFactor(ACCEPTANCE_SCALE_MIN)}..${formatFactor(ACCEPTANCE_SCALE_MAX)}.`,
			't switches the bars between unconditional and conditional rates; e opens this panel (left and right change the topic, PgUp and PgDn scroll), ? or h this topic; q quits.',
			'r resets every counter as a restarted engine would (a fresh /metrics registry, new _created), resets the acceptance multiplier to x1.00 and keeps k.',
			'',
			"A k change (vLLM fixes k at start-up) applies at each engine's next step; a step already in flight finishes under the old k and is counted under it.",
			"- log line: sums over its interval as vLLM does; the line spanning a change shows the larger k's positions, later lines the new k's only.",
			'- /metrics: counters keep counting every draft; raising k adds position series at 0, lowering k keeps the higher positions, which stop growing (a series is never removed).',
			'- this dashboard: the model column is the new k\'s; the cumulative column becomes "since k=N" and counts only the steps begun after the change; a "last 10s" interval with drafts of another k is starred and named.',
		].join('\n'),
	};
}
