import {createRng} from '../../src/rng/rng.js';

/**
 * How long the streamed outputs are (`max_tokens` with `ignore_eos`).
 *
 * - `varied`: each request's length drawn uniformly from the integers in [128, 384], as
 *   `vllm bench serve --dataset-name random --random-output-len 256 --random-range-ratio 0.5`
 *   draws them (ShareGPT's lengths vary even more), deterministically from the request's tag
 *   (seeded, so every run offers the same load). Streams end at different steps, so clients send
 *   their next request spread over time, as real clients do: the headline figure.
 * - `lockstep`: every request 256 tokens. Requests admitted in the same step finish in the same
 *   step and their clients send again at once, in waves of up to `max_num_seqs`: a worst case
 *   that real traffic does not have, kept as one.
 */
export type StreamShape = 'varied' | 'lockstep';

/** The varied shape's bounds: 256 tokens ± 50%. */
const VARIED_MIN_TOKENS = 128;
const VARIED_MAX_TOKENS = 384;

/** Output tokens of request `tag` under `shape`. */
export function outputTokensOf(shape: StreamShape, tag: string): number {
	if (shape === 'lockstep') return 256;
	const u = createRng('serve-bench-lengths').fork(tag).next();
	return VARIED_MIN_TOKENS + Math.floor(u * (VARIED_MAX_TOKENS - VARIED_MIN_TOKENS + 1));
}
