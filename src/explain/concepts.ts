/**
 * The definitions: what a draft is, per-position rates (unconditional and conditional), why they
 * fall, the accepted-length distribution, the bonus token, rate versus length, and why
 * drafts × k is not draft tokens. Each takes the numbers and returns one section.
 */
import {bar, count, fixed, lines, percent, table, type ExplainSection} from './format.js';
import type {ExplainNumbers} from './numbers.js';

export function draftSection(n: ExplainNumbers): ExplainSection {
	return {
		id: 'draft',
		title: 'What a draft is',
		body: lines(
			'A draft is one request in one verification step that had at least one draft token scheduled and got at least one',
			"token back from the target model: vLLM's num_drafts (vllm:spec_decode_num_drafts_total). It is not a step or a batch:",
			'a step that verifies B requests adds B drafts.',
			`The drafter proposes up to k = ${n.k} tokens (num_speculative_tokens). The target model checks them all in one forward`,
			'pass, keeps the longest prefix it agrees with, and adds one token of its own.',
			`Here: ${count(n.numDrafts)} drafts proposed ${count(n.numDraftTokens)} draft tokens; ${count(n.numAcceptedTokens)} were accepted.`,
		),
	};
}

export function perPositionSection(n: ExplainNumbers): ExplainSection {
	const rows: string[][] = [['position i', 'unconditional r_i', 'conditional c_i']];
	for (let i = 0; i < n.k; i++) rows.push([String(i), fixed(n.unconditionalRates[i]!), fixed(n.conditionalRates[i]!)]);
	return {
		id: 'per-position',
		title: 'Per-position acceptance: unconditional and conditional',
		body: lines(
			table(rows),
			'',
			'r_i, the unconditional rate, is the share of drafts whose first i+1 tokens were all accepted: r_i = P(N >= i+1), where',
			`N is the number of accepted tokens of a draft. It is what vLLM's log prints as "Per-position acceptance rate" and what`,
			'vllm:spec_decode_num_accepted_tokens_per_pos_total / vllm:spec_decode_num_drafts_total measures.',
			'c_i, the conditional rate, is the chance that position i is accepted given that every earlier position was:',
			"c_i = r_i / r_(i-1) with r_(-1) = 1 (vLLM's unconditional_to_conditional_rates), so r_i = c_0 x c_1 x ... x c_i.",
			'EAGLE papers report c_i (their "n-alpha"); vLLM reports r_i. Quote which one you mean.',
		),
	};
}

/** Conditional rates within this of each other count as flat. */
const FLAT = 5e-4;

export function fallingSection(n: ExplainNumbers): ExplainSection {
	const r = n.unconditionalRates;
	const c = n.conditionalRates;
	const last = n.k - 1;
	const change = n.k < 2 ? 0 : c[last]! - c[0]!;
	const conditionalTrend =
		n.k < 2
			? undefined
			: change < -FLAT
				? `The conditional rates usually fall too (here ${fixed(c[0]!)} -> ${fixed(c[last]!)}): each draft token is conditioned on the\ndrafter's own earlier guesses, so its context drifts further from the target's.`
				: change > FLAT
					? `Here the conditional rates rise (${fixed(c[0]!)} -> ${fixed(c[last]!)}): drafts that survive the first positions tend to be on\neasy stretches (a selection effect), yet r_i still falls.`
					: `Here the conditional rates are flat (${fixed(c[0]!)}): Leviathan's i.i.d. model, r_i = alpha^(i+1).`;
	return {
		id: 'why-falling',
		title: 'Why per-position rates fall',
		body: lines(
			'Acceptance stops at the first rejected token: later draft tokens were built on a prefix the target just replaced, so',
			'they are discarded unverified. Position i can only be accepted if positions 0..i-1 were, which makes r_i a product',
			`of i+1 factors no larger than 1: it can only fall with position${n.k > 1 ? ` (here from r_0 = ${fixed(r[0]!)} to r_${last} = ${fixed(r[last]!)})` : ''}.`,
			'Even a constant per-token acceptance alpha gives r_i = alpha^(i+1).',
			conditionalTrend,
		),
	};
}

export function acceptedLengthSection(n: ExplainNumbers): ExplainSection {
	const r = n.unconditionalRates;
	const rows: string[][] = [['accepted N', 'P(N)', '']];
	let previous = 1;
	let mean = 0;
	for (let j = 0; j <= n.k; j++) {
		const p = j < n.k ? previous - r[j]! : previous;
		rows.push([String(j), fixed(p), bar(p)]);
		if (j < n.k) {
			mean += r[j]!;
			previous = r[j]!;
		}
	}
	return {
		id: 'accepted-length',
		title: 'The distribution of accepted length',
		body: lines(
			table(rows),
			'',
			`P(N = j) = r_(j-1) - r_j for j < k and P(N = k) = r_(k-1): the expectation of vLLM's per-request acceptance_histogram`,
			`(bonus token excluded). E[N] = r_0 + ... + r_(k-1) = ${fixed(mean)} accepted tokens per draft.`,
		),
	};
}

export function bonusSection(n: ExplainNumbers): ExplainSection {
	return {
		id: 'bonus-token',
		title: 'The bonus token and the mean acceptance length',
		body: lines(
			'Every verification step emits the accepted prefix plus one token the target samples itself: the correction at the',
			'first rejected position or, when all k draft tokens were accepted, a bonus token after them. vLLM never counts that',
			'token in num_accepted_tokens; the mean acceptance length adds it back, one per draft:',
			`  mean acceptance length = 1 + accepted / drafts = 1 + ${count(n.numAcceptedTokens)} / ${count(n.numDrafts)} = ${fixed(n.meanAcceptanceLength, 2)}`,
			`It is the number of tokens each target forward pass yields per request: 1 if nothing is accepted, at most k + 1 = ${n.k + 1}.`,
			`The model expects 1 + E[N] = ${fixed(n.expectedMeanLength, 3)}.`,
			'(vLLM printed it without the + 1 from PR #16665, 2025-04-24, to PR #17908, 2025-05-09: a "mean acceptance length"',
			'below 1 in an old log comes from that version.)',
		),
	};
}

export function rateVersusLengthSection(n: ExplainNumbers): ExplainSection {
	const table = n.kTable;
	const longer = table?.find(row => row.k === n.k + 1);
	return {
		id: 'rate-vs-length',
		title: 'Acceptance rate versus acceptance length',
		body: lines(
			`Draft acceptance rate = accepted / draft tokens = ${count(n.numAcceptedTokens)} / ${count(n.numDraftTokens)} = ${percent(n.acceptanceRate)}`,
			'(the log prints a percentage; Prometheus queries and the per-request API give a 0-1 fraction).',
			`Mean acceptance length = 1 + accepted / drafts = ${fixed(n.meanAcceptanceLength, 2)}. For full-length drafts, rate = (length - 1) / k.`,
			'The rate says how much drafting and verification work is thrown away; the length says how many tokens each step',
			'produces, which is what speeds decoding up (before paying for the drafter). They move in opposite directions with k:',
			'a longer draft adds positions with small r_i, lowering the rate while still raising the length' +
				(longer === undefined ? '.' : ` (k = ${n.k + 1}: rate ${percent(longer.acceptanceRate)}, length ${fixed(longer.meanAcceptanceLength, 2)}).`),
		),
	};
}

export function draftTokensSection(n: ExplainNumbers): ExplainSection {
	const full = n.k * n.numDrafts;
	const depth = n.numDrafts > 0 ? n.numDraftTokens / n.numDrafts : Number.NaN;
	const short = full - n.numDraftTokens;
	return {
		id: 'draft-tokens',
		title: 'Why drafts x k is not draft tokens',
		body: lines(
			n.numDrafts > 0
				? `drafts x k = ${count(n.numDrafts)} x ${n.k} = ${count(full)}; draft tokens = ${count(n.numDraftTokens)} (mean verification depth ${fixed(depth, 2)} of ${n.k}).`
				: `No drafts yet (drafts x k = 0 x ${n.k} = 0; draft tokens = 0).`,
			n.numDrafts === 0
				? 'Once drafts arrive, these agree only if every draft had k tokens.'
				: short <= 0
					? n.variableLengthMethod !== undefined
						? `These counts assume full-length drafts; the ${n.variableLengthMethod} proposer drafts only what it finds, so its runs have fewer draft tokens than drafts x k (specsim run shows them).`
						: 'Here they agree: every draft had k tokens, as EAGLE, MTP, draft-model and Medusa drafts do unless trimmed.'
					: `Here ${count(short)} draft tokens are missing: some drafts were shorter than k.`,
			'k is a maximum, not a promise:',
			'- n-gram and suffix proposers draft only what they find: a match near the end of the context gives a short draft,',
			'  and no match gives no draft at all (not counted as a draft);',
			'- the token budget (max_num_batched_tokens), max_model_len and long_prefill_token_threshold trim drafts;',
			'- structured output drops grammar-invalid draft tokens (with async scheduling a draft can even count 0 tokens).',
			'So divide by drafts for the acceptance length and by draft tokens for the acceptance rate. The newest vLLM prints the',
			'per-position rate over drafts that reached each position, plus their coverage.',
		),
	};
}
