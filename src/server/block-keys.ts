const NO_TOKENS: readonly number[] = [];

/**
 * Content keys of the full KV blocks of a token sequence, `blockSize` tokens each (a partial last
 * block has none): what the engine's prefix cache chains into block hashes, as vLLM hashes each
 * full block's token ids with its parent's hash. Equal token ids give equal keys, so two prompts
 * that share their first blocks share those cached blocks. A 32-bit FNV-1a over the ids. With
 * `more`, the keys of `tokens` followed by the first `moreCount` of `more` (a prompt and its
 * output), without building the joined sequence; with `moreIds`, `more` holds indices into it (a
 * plan's words, `drawWordIndices`) and the ids are `moreIds[more[i]]`.
 */
export function blockKeys(
	tokens: ArrayLike<number>,
	blockSize: number,
	more: ArrayLike<number> = NO_TOKENS,
	moreCount = more.length,
	moreIds?: ArrayLike<number>,
): Uint32Array {
	const first = tokens.length;
	const keys = new Uint32Array(Math.floor((first + moreCount) / blockSize));
	for (let b = 0; b < keys.length; b++) {
		let h = 0x811c9dc5;
		for (let i = b * blockSize; i < (b + 1) * blockSize; i++) {
			const id = i < first ? tokens[i]! : moreIds === undefined ? more[i - first]! : moreIds[more[i - first]!]!;
			// Two 16-bit halves: every id of a 200k vocabulary moves the hash.
			h = Math.imul(h ^ (id & 0xffff), 0x01000193);
			h = Math.imul(h ^ (id >>> 16), 0x01000193);
		}
		keys[b] = h >>> 0;
	}
	return keys;
}
