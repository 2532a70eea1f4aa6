import {tokenize} from './text-model.js';

/** Prompts remembered, and the longest remembered (characters): at most a few MiB. */
const MAX_ENTRIES = 512;
const MAX_CHARS = 8192;

const cache = new Map<string, readonly number[]>();

/**
 * {@link tokenize}, remembering the most recently used prompts: load generators and benchmark
 * clients send the same prompt (and chat template) over and over, and byte-pair encoding is the
 * costliest step of admitting a short request. The ids returned are shared: never modify them.
 */
export function cachedTokenize(text: string): readonly number[] {
	const hit = cache.get(text);
	if (hit !== undefined) {
		// Most recently used last: the first key is the one to evict.
		cache.delete(text);
		cache.set(text, hit);
		return hit;
	}
	const ids = tokenize(text);
	if (text.length <= MAX_CHARS) {
		cache.set(text, ids);
		if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
	}
	return ids;
}
