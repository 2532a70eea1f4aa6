import seedrandom from 'seedrandom';

/**
 * A local, seeded random stream. specsim never touches `Math.random`: every concern
 * (arrivals, lengths, proposer, acceptance, ...) draws from its own stream, forked by name,
 * so adding draws to one concern never shifts the sequence another concern sees.
 */
export type Rng = {
	/** The seed path this stream was created from, e.g. `"0/arrivals"`. */
	readonly seed: string;
	/** Uniform double in [0, 1) with 53 bits of randomness. */
	next(): number;
	/**
	 * A child stream derived from this stream's seed and `name` only (not from how many values
	 * were drawn so far), so forks are independent of draw order.
	 *
	 * @example
	 * const root = createRng(0);
	 * const arrivals = root.fork('arrivals'); // same values whatever the proposer draws
	 */
	fork(name: string): Rng;
};

/** Create a root stream. Uses seedrandom's Alea generator: fast, and seeded from a string. */
export function createRng(seed: string | number): Rng {
	return makeRng(String(seed));
}

function makeRng(seed: string): Rng {
	const prng = seedrandom.alea(seed);
	return {
		seed,
		next: () => prng.double(),
		fork: (name: string) => makeRng(`${seed}/${name}`),
	};
}
