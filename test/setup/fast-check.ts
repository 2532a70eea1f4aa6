/**
 * Property tests (fast-check, also through `@fast-check/vitest`) run with a pinned seed, so `npm test`
 * draws the same cases on every machine and a failure reproduces. `FC_SEED=random npm test` draws a
 * fresh seed per property (fast-check prints it with any counterexample); `FC_SEED=<integer>` replays one.
 */
import fc from 'fast-check';

/** The seed `npm test` uses. */
export const PINNED_SEED = 20_251_201;

const requested = process.env['FC_SEED'];
if (requested !== 'random') {
	const seed = requested === undefined || requested === '' ? PINNED_SEED : Number(requested);
	if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got "${requested}"`);
	fc.configureGlobal({...fc.readConfigureGlobal(), seed});
}
